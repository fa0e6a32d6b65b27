"""Reference data and policy: offence types, custody suites and the versioned eligibility
rules every referral is assessed under (domain.md, Eligibility)."""

import datetime
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import Range

from diversion.lib.text import DATA_TEXT, LONG_TEXT, json_length_limit, length_limit, too_long


class OffenceGroup(models.TextChoices):
    DRUG_POSSESSION = "drug_possession", "Drug possession"
    DRUG_SUPPLY = "drug_supply", "Drug supply linked to own use"
    ACQUISITIVE = "acquisitive", "Theft, burglary and fraud"
    CRIMINAL_DAMAGE = "criminal_damage", "Criminal damage"
    PUBLIC_ORDER = "public_order", "Public order"
    VIOLENCE = "violence", "Violence against the person (lower level)"
    WEAPONS = "weapons", "Possession of weapons"
    HARASSMENT = "harassment", "Harassment"
    HATE = "hate", "Hate crime"
    SEXUAL = "sexual", "Sexual offences"
    SERIOUS_VIOLENCE = "serious_violence", "Serious violence"
    DRIVING = "driving", "Driving offences"


class OffenceType(models.Model):
    """Reference data: an offence as the custody officer records it."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120, unique=True)
    group = models.CharField(max_length=30, choices=OffenceGroup.choices)

    class Meta:
        ordering = ["group", "name"]
        constraints = [
            models.CheckConstraint(
                name="offence_type_group_valid", condition=models.Q(group__in=OffenceGroup.values)
            )
        ]

    def __str__(self) -> str:
        return self.name


class CustodySuite(models.Model):
    """Reference data: a custody suite of the force."""

    code = models.SlugField(max_length=20, unique=True)
    name = models.CharField(max_length=120, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Circumstance(models.TextChoices):
    """Circumstances that can exclude someone, whatever the offence (domain: exclusions)."""

    OUTSIDE_AREA = "outside_area", "Lives or offended outside the force area"
    DETAINED_FOR_COURT = "detained_for_court", "Detained for court"
    MENTAL_HEALTH_ACT = "mental_health_act", "Detained under the Mental Health Act"
    COURT_ORDER = "court_order", "Under a court order, suspended sentence or conditional discharge"
    ON_BAIL = "on_bail", "On bail for other matters"
    CO_ACCUSED = "co_accused", "Co-accused case"
    DENIED_OFFENCE = "denied_offence", "Denied the offence in interview"


class MilestoneKind(models.TextChoices):
    """The dated steps of the four-month programme a schedule may hold (domain.md, The
    four-month programme: needs assessment, first intervention, monthly reviews, final review)."""

    NEEDS_ASSESSMENT = "needs_assessment", "Needs assessment"
    FIRST_INTERVENTION = "first_intervention", "First intervention"
    REVIEW_1 = "review_1", "Month 1 review"
    REVIEW_2 = "review_2", "Month 2 review"
    REVIEW_3 = "review_3", "Month 3 review"
    FINAL_REVIEW = "final_review", "Final review"


# The longest label of a milestone: each case's milestones copy their schedule's labels.
MILESTONE_LABEL_MAX = 80


class ScheduleIsValid(models.Func):
    """True when a milestone schedule is a list of steps, each a known milestone kind with a
    label of at most MILESTONE_LABEL_MAX characters and a whole number of days or of months,
    and the final review among them (a SQL/JSON path predicate, so the database refuses any
    other shape)."""

    function = "jsonb_path_match"
    output_field = models.BooleanField()

    def __init__(self, expression: Any) -> None:
        kinds = " || ".join(f'@.code == "{kind}"' for kind in MilestoneKind.values)
        whole = '(@.{0}.type() == "number" && @.{0} >= 0 && @.{0}.floor() == @.{0})'
        timing = f"(({whole.format('days')} && !exists(@.months)) || "
        timing += f"({whole.format('months')} && !exists(@.days)))"
        label = f'@.label like_regex "^.{{0,{MILESTONE_LABEL_MAX}}}$" flag "s"'
        step = f'({kinds}) && @.label.type() == "string" && {label} && {timing}'
        path = (
            f'$.type() == "array" && !exists($[*] ? (!({step}))) && '
            f'exists($[*] ? (@.code == "{MilestoneKind.FINAL_REVIEW}"))'
        )
        super().__init__(expression, models.Value(path))


def schedule_problems(schedule: object) -> list[str]:
    """What is wrong with a milestone schedule, in plain words (empty when it is valid).

    The database checks the same shape (ScheduleIsValid); this also finds a kind given twice,
    and says which step is wrong.
    """
    if not isinstance(schedule, list):
        return ["The milestone schedule must be a list of steps"]
    problems: list[str] = []
    seen: set[object] = set()
    for number, step in enumerate(schedule, 1):
        if not isinstance(step, dict):
            problems.append(f"Step {number} of the milestone schedule is not a step")
            continue
        code = step.get("code")
        if code not in MilestoneKind.values:
            problems.append(
                f"Step {number}: “{code}” is not a milestone kind; use one of "
                + ", ".join(MilestoneKind.values)
            )
        elif code in seen:
            problems.append(f"Step {number}: {MilestoneKind(code).label} is in the schedule twice")
        seen.add(code)
        if not isinstance(step.get("label"), str) or not step["label"].strip():
            problems.append(f"Step {number} needs a label")
        elif len(step["label"]) > MILESTONE_LABEL_MAX:
            problems.append(too_long(f"Step {number}’s label", MILESTONE_LABEL_MAX))
        timing = [k for k in ("days", "months") if k in step]
        if len(timing) != 1 or not _positive_whole(step[timing[0]]):
            problems.append(f"Step {number} needs a whole number of days or of months, not both")
    if MilestoneKind.FINAL_REVIEW not in seen:
        problems.append("The milestone schedule must include the final review")
    return problems


def _positive_whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


# The most any version may allow an event to be dated before the day it is recorded.
MAX_BACK_ENTRY_DAYS = 90

# The years after closing at which a version has a case reviewed: at least the six years of
# domain.md's common floor for police records, and (our design) at most twenty, a guard
# against a typing slip that would keep every case for a lifetime.
RETENTION_YEARS = (6, 20)

# The wording a new version starts with, which may be changed until the version is used
# (PolicyVersionAdmin): each version keeps its own, as the people offered under it read it.
STANDARD_WORDING = {
    "contract_terms": "\n".join(
        [
            "Do not commit another offence.",
            "Meet your navigator (caseworker) and go to the appointments you agree with them, "
            "or tell them beforehand if you cannot.",
            "Take part in the support your navigator arranges for the needs you assess "
            "together – for example, drug or alcohol treatment sessions.",
            "You may also be asked to do some hours of voluntary work, agreed with your "
            "navigator, or to wear an electronic tag.",
        ]
    ),
    "restorative_term": (
        "Take part in a restorative approach, because the victim has asked for one – for "
        "example, writing a letter of apology."
    ),
    "if_kept": (
        "If you keep to every condition until the contract ends, the police take no further "
        "action on this offence and you will not go to court for it."
    ),
    "if_broken": (
        "If you commit another offence or do not keep to a condition, the contract ends and "
        "the case goes back to the officer in the case for prosecution. You may then have to "
        "go to court for this offence."
    ),
}
# Each piece of wording in words, and the longest it may be, in forms and in the database.
WORDING = {
    "contract_terms": ("the contract's terms", 2000),
    "restorative_term": ("the restorative condition", 1000),
    "if_kept": ("what keeping the contract means", 1000),
    "if_broken": ("what breaking the contract means", 1000),
}


def wording_field(name: str, help_text: str) -> models.TextField:
    """Words printed for the person, on the offer and the contract: required, and no longer
    than WORDING gives (wording_constraints)."""
    label, max_length = WORDING[name]
    return models.TextField(
        label,
        max_length=max_length,
        default=STANDARD_WORDING[name],
        help_text=help_text,
    )


def wording_constraints() -> list[models.CheckConstraint]:
    return [
        models.CheckConstraint(
            name=f"policy_{name}_length",
            condition=Range(Length(name), (1, limit)),
            violation_error_message=(
                f"{label[0].upper()}{label[1:]} must be between 1 and {limit} characters."
            ),
        )
        for name, (label, limit) in WORDING.items()
    ]


class PolicyVersion(models.Model):
    """One set of eligibility rules, in force from its effective date until the next one.

    Every referral records the version it was assessed under, so outcomes can be compared
    before and after a change of policy (our design; see domain.md, Eligibility).
    """

    name = models.CharField(max_length=80, unique=True)
    effective_from = models.DateField(unique=True)
    summary = models.TextField(max_length=LONG_TEXT, blank=True)
    eligible_offence_types = models.ManyToManyField(OffenceType, related_name="+", blank=True)
    authorisation_offence_types = models.ManyToManyField(
        OffenceType,
        related_name="+",
        blank=True,
        help_text="Eligible offences that need a manager's authorisation before the offer.",
    )
    excluded_offence_types = models.ManyToManyField(OffenceType, related_name="+", blank=True)
    excluded_circumstances = ArrayField(
        models.CharField(max_length=30, choices=Circumstance.choices), default=list, blank=True
    )
    minimum_age = models.PositiveSmallIntegerField(default=18)
    maximum_days_since_offence = models.PositiveSmallIntegerField(default=90)
    maximum_gravity_score = models.PositiveSmallIntegerField(default=3)
    # Our design: a contract is "closed on time" when its outcome is recorded by its end
    # date plus this many days (reporting's timeliness measure).
    closure_grace_days = models.PositiveSmallIntegerField(
        default=14,
        validators=[MaxValueValidator(90)],
        help_text="Days after a contract's end date by which its outcome should be recorded.",
    )
    # Our design: a paper form keyed in later keeps its real date, within this limit and
    # with a reason (cases.models.earliest_entry_date).
    back_entry_days = models.PositiveSmallIntegerField(
        default=14,
        validators=[MaxValueValidator(MAX_BACK_ENTRY_DAYS)],
        help_text=(
            "How many days before the day it is recorded the person's answer to the offer, "
            "or a contract's signing, may be dated."
        ),
    )
    # What the person agrees to, as the printed offer and contract put it to them.
    contract_terms = wording_field(
        "contract_terms",
        "What the person agrees to by accepting, one condition per line, as the printed "
        "offer lists them.",
    )
    restorative_term = wording_field(
        "restorative_term",
        "The restorative condition, printed on the offer only when the victim asks for one.",
    )
    if_kept = wording_field("if_kept", "What happens if the person keeps the contract.")
    if_broken = wording_field("if_broken", "What happens if the person breaks the contract.")
    # DPA 2018 Part 3 and national guidance on police records (domain.md, Data protection):
    # a closed case is reviewed this many years after it closed (governance.retention).
    retention_years = models.PositiveSmallIntegerField(
        default=RETENTION_YEARS[0],
        validators=[MinValueValidator(RETENTION_YEARS[0]), MaxValueValidator(RETENTION_YEARS[1])],
        help_text="Years after a case closes before it is reviewed for erasure or keeping.",
    )
    milestone_schedule = models.JSONField(
        default=list,
        help_text=(
            'Milestones made at signing: [{"code", "label", "days" or "months"}], each code a '
            "milestone kind, the final review included."
        ),
    )

    class Meta:
        ordering = ["-effective_from"]
        get_latest_by = "effective_from"
        constraints = [
            models.CheckConstraint(
                name="policy_adults_only", condition=models.Q(minimum_age__gte=18)
            ),
            models.CheckConstraint(
                name="policy_gravity_score_range",
                condition=models.Q(maximum_gravity_score__gte=1, maximum_gravity_score__lte=5),
            ),
            models.CheckConstraint(
                name="policy_offence_window_positive",
                condition=models.Q(maximum_days_since_offence__gte=1),
            ),
            models.CheckConstraint(
                name="policy_closure_grace_at_most_90_days",
                condition=models.Q(closure_grace_days__lte=90),
                violation_error_message="The grace period for closing a case is 90 days at most.",
            ),
            models.CheckConstraint(
                name="policy_back_entry_at_most_90_days",
                condition=models.Q(back_entry_days__lte=MAX_BACK_ENTRY_DAYS),
                violation_error_message=(
                    f"A version can let an answer or a signing be dated at most "
                    f"{MAX_BACK_ENTRY_DAYS} days back."
                ),
            ),
            models.CheckConstraint(
                name="policy_retention_years_range",
                condition=models.Q(
                    retention_years__gte=RETENTION_YEARS[0],
                    retention_years__lte=RETENTION_YEARS[1],
                ),
                violation_error_message=(
                    f"A case is reviewed between {RETENTION_YEARS[0]} and {RETENTION_YEARS[1]} "
                    "years after it closes."
                ),
            ),
            *wording_constraints(),
            models.CheckConstraint(
                name="policy_milestone_schedule_valid",
                condition=ScheduleIsValid("milestone_schedule"),
                violation_error_message=(
                    "The milestone schedule must list known milestone kinds, each with a label "
                    "and days or months, the final review included."
                ),
            ),
            length_limit("policy_summary_length", "summary", LONG_TEXT),
            json_length_limit("policy_milestone_schedule_length", "milestone_schedule", DATA_TEXT),
        ]

    def __str__(self) -> str:
        return f"{self.name} (from {self.effective_from:%-d %B %Y})"

    def clean(self) -> None:
        problems = schedule_problems(self.milestone_schedule)
        if problems:
            raise ValidationError({"milestone_schedule": problems})

    @property
    def contract_term_lines(self) -> list[str]:
        """The conditions the person agrees to, one per line of `contract_terms`."""
        return [line.strip() for line in self.contract_terms.splitlines() if line.strip()]

    @classmethod
    def in_force_on(cls, day: datetime.date) -> "PolicyVersion | None":
        """The version whose effective date is the latest on or before `day`, or None."""
        return cls.objects.filter(effective_from__lte=day).order_by("-effective_from").first()
