"""The scrutiny panel's sample: closed cases drawn at random, in a way that can be drawn
again, holding nothing that identifies a person (domain.md, Reporting: scrutiny panels
review anonymised samples of cases, often themed by offence type, and grade each one).

The candidates' ids alone are read, in primary-key order, and `random.Random(seed)` picks
from them, so the same seed over the same cases gives the same sample; then only the cases
picked are read, with just the fields the file shows.
"""

import datetime
import random
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce

from diversion.accounts.models import User
from diversion.audit.models import Action
from diversion.audit.services import log_many
from diversion.cases.models import CLOSED, Condition, Programme, Referral, Victim
from diversion.lib.dates import add_months
from diversion.policy.models import OffenceGroup, OffenceType
from diversion.reporting import groups
from diversion.reporting.exports import Line, moment_stamp, moment_text

# Domain: how a scrutiny panel grades each case.
GRADES = ["appropriate", "appropriate with observations", "inappropriate", "panel could not agree"]
# A seed chosen for the manager has six digits, to copy down and type again easily.
CHOSEN_SEEDS = (100_000, 999_999)
HEAD = [
    "Case",
    "Offence type",
    "Offence group",
    "Gravity score",
    "Risk band",
    "Age band on the offence date",
    "Previous referrals",
    "Victim views given",
    "Conditions",
    "Outcome",
    "Outcome reason",
    "Month signed",
    "Month closed",
    "Policy version",
    "Panel grading",
    "Panel observations",
]
LEFT_OUT = (
    "No names, PNC IDs, dates of birth, custody or crime numbers, postcodes or free text: "
    "ages are bands on the offence date and dates are months."
)


def chosen_seed() -> int:
    return secrets.randbelow(CHOSEN_SEEDS[1] - CHOSEN_SEEDS[0] + 1) + CHOSEN_SEEDS[0]


@dataclass(frozen=True)
class Asked:
    """What the panel asked for: `size` cases of `offence_type` (None: any), closed in the
    months from `first` to `last` (each the first day of its month), drawn with `seed`."""

    size: int
    first: datetime.date
    last: datetime.date
    offence_type: OffenceType | None
    seed: int

    @classmethod
    def from_choices(cls, data: Mapping[str, Any]) -> "Asked":
        """From the sample form's cleaned data (forms.SampleForm); with no seed given, one
        is chosen at random."""
        return cls(
            size=data["size"],
            first=data["closed_from"],
            last=data["closed_to"],
            offence_type=data["offence_type"],
            seed=chosen_seed() if data["seed"] is None else data["seed"],
        )

    def period(self) -> str:
        return f"{self.first:%B %Y} to {self.last:%B %Y}"

    def offence(self) -> str:
        return self.offence_type.name if self.offence_type else "Any offence"


@dataclass(frozen=True)
class Sample:
    asked: Asked
    # How many closed cases there were to draw from, and the referrals drawn, in the order
    # drawn.
    candidates: int
    ids: list[int]

    @property
    def short(self) -> bool:
        """Fewer cases matched than were asked for, so every one is in the sample."""
        return len(self.ids) < self.asked.size


def candidates(asked: Asked) -> list[int]:
    """The referrals whose programmes closed (completed, breached or withdrawn) in the
    months asked for, of the offence type asked for: ids only, in primary-key order."""
    programmes = Programme.objects.filter(
        status__in=CLOSED, outcome_on__gte=asked.first, outcome_on__lt=add_months(asked.last, 1)
    )
    if asked.offence_type is not None:
        programmes = programmes.filter(referral__offence_type=asked.offence_type)
    return list(programmes.order_by("referral_id").values_list("referral_id", flat=True))


def none_closed(asked: Asked) -> str:
    """What to say when no case matches, and what to change."""
    message = f"No cases were closed between {asked.first:%B %Y} and the end of {asked.last:%B %Y}"
    if asked.offence_type is None:
        return f"{message}. Choose other months"
    return (
        f"{message} with the offence type {asked.offence_type.name}. "
        "Choose other months or another offence type"
    )


def draw(asked: Asked) -> Sample:
    """`asked.size` of the candidates (all of them if there are fewer), chosen by the seed."""
    ids = candidates(asked)
    return Sample(asked, len(ids), random.Random(asked.seed).sample(ids, min(asked.size, len(ids))))


def cases(sample: Sample) -> list[Referral]:
    """The referrals drawn, in the order drawn, with only what the file shows: the person's
    date of birth for the age band and no other personal detail."""
    earlier = (
        Referral.objects.filter(person=OuterRef("person"))
        .filter(
            Q(created_at__lt=OuterRef("created_at"))
            | Q(created_at=OuterRef("created_at"), pk__lt=OuterRef("pk"))
        )
        .order_by()
        .values("person")
        .annotate(n=Count("pk"))
        .values("n")
    )
    referrals = (
        Referral.objects.filter(pk__in=sample.ids)
        .select_related("offence_type", "policy_version", "programme")
        .only(
            "offence_date",
            "gravity_score",
            "risk_band",
            "victim",
            "offence_type__name",
            "offence_type__group",
            "policy_version__name",
            "programme__status",
            "programme__outcome_reason",
            "programme__signed_on",
            "programme__outcome_on",
        )
        .annotate(
            date_of_birth=F("person__date_of_birth"),
            previous=Coalesce(Subquery(earlier, output_field=IntegerField()), 0),
        )
        .prefetch_related(
            Prefetch(
                "programme__conditions",
                Condition.objects.only("programme", "number", "kind", "voluntary_hours"),
            )
        )
    )
    by_id = {referral.pk: referral for referral in referrals}
    return [by_id[pk] for pk in sample.ids if pk in by_id]


def _conditions(programme: Programme) -> str:
    """The contract's conditions by kind, with voluntary work's hours: never their
    descriptions, which are free text."""
    kinds = []
    for condition in programme.conditions.all():
        kind = condition.get_kind_display()
        if condition.voluntary_hours:
            kind += f" ({condition.voluntary_hours} hours)"
        kinds.append(kind)
    return "; ".join(kinds) or "None"


def _month(day: datetime.date | None, missing: str) -> str:
    return f"{day:%b %Y}" if day else missing


def row(number: int, referral: Referral) -> list[str]:
    programme = referral.programme
    return [
        f"Case {number}",
        referral.offence_type.name,
        OffenceGroup(referral.offence_type.group).label,
        str(referral.gravity_score),
        referral.get_risk_band_display(),
        groups.age_band(referral.date_of_birth, referral.offence_date),  # type: ignore[attr-defined]
        str(referral.previous),  # type: ignore[attr-defined]
        "No" if referral.victim == Victim.NONE else "Yes",
        _conditions(programme),
        programme.get_status_display(),
        programme.get_outcome_reason_display() or "Not applicable",
        _month(programme.signed_on, "Not signed"),
        _month(programme.outcome_on, ""),
        referral.policy_version.name,
        "",
        "",
    ]


def lines(
    sample: Sample,
    referrals: list[Referral],
    *,
    drawn_at: datetime.datetime,
    drawn_by: User,
    recipient: str,
) -> list[Line]:
    """The file: what was asked for and drawn, by whom and for whom, the grades to use,
    then one row per case."""
    asked = sample.asked
    drawn = [str(len(referrals))]
    if sample.short:
        drawn.append(
            f"Fewer than the {asked.size} asked for: only {sample.candidates} closed cases "
            "match, so every one of them is in the sample"
        )
    header: list[Line] = [
        ["Scrutiny panel sample of closed cases"],
        ["Cases closed", asked.period()],
        ["Offence type", asked.offence()],
        ["Sample size asked for", str(asked.size)],
        ["Cases drawn", *drawn],
        ["Closed cases to draw from", str(sample.candidates)],
        ["Seed", str(asked.seed), "The same choices and seed draw the same sample again"],
        ["Drawn at", moment_text(drawn_at)],
        ["Drawn by", drawn_by.get_full_name() or drawn_by.username],
        ["For", recipient],
        ["Panel grading: one of", "; ".join(GRADES)],
        ["Anonymised", LEFT_OUT],
        [],
        HEAD,
    ]
    return header + [row(number, referral) for number, referral in enumerate(referrals, 1)]


def file_name(sample: Sample, drawn_at: datetime.datetime) -> str:
    asked = sample.asked
    offence = asked.offence_type.code if asked.offence_type else "any-offence"
    return (
        f"checkpoint-scrutiny-sample_{asked.first:%Y-%m}_{asked.last:%Y-%m}_{offence}"
        f"_seed-{asked.seed}_drawn-{moment_stamp(drawn_at)}.csv"
    )


def disclose(actor: User, referrals: list[Referral], *, recipient: str, reason: str = "") -> None:
    """Log the sample as a disclosure of each case in it, in one insert (DPA 2018 s62)."""
    log_many(
        actor,
        Action.DISCLOSURE,
        referrals,
        detail="scrutiny panel sample",
        reason=reason,
        recipient=recipient,
    )
