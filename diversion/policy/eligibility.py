"""Eligibility: a referral checked rule by rule against the policy version in force.

One pure function, `assess(rules, facts)`, states every rule. The referral journey, the
referral service and the demo seed all call it, so a rule changes in one place. The rules
come from a policy version, loaded once into plain values (`Rules`), so checking costs no
query: the seed checks a million referrals with it.

The custody officer decides; this only says which rules are met, in plain words, so the
reason can be recorded (domain.md, Eligibility). Two rules are hard limits: someone under
the minimum age, or arrested too long after the offence, cannot be referred even as an
exception.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from diversion.lib.dates import age_on
from diversion.policy.models import Circumstance, PolicyVersion


@dataclass(frozen=True)
class Rules:
    """A policy version's eligibility rules as plain values."""

    version: PolicyVersion
    minimum_age: int
    maximum_days_since_offence: int
    maximum_gravity_score: int
    eligible_offence_types: frozenset[int]
    excluded_offence_types: frozenset[int]
    authorisation_offence_types: frozenset[int]
    excluded_circumstances: frozenset[str]

    @classmethod
    def of(cls, version: PolicyVersion) -> "Rules":
        return cls(
            version=version,
            minimum_age=version.minimum_age,
            maximum_days_since_offence=version.maximum_days_since_offence,
            maximum_gravity_score=version.maximum_gravity_score,
            eligible_offence_types=frozenset(
                version.eligible_offence_types.values_list("pk", flat=True)
            ),
            excluded_offence_types=frozenset(
                version.excluded_offence_types.values_list("pk", flat=True)
            ),
            authorisation_offence_types=frozenset(
                version.authorisation_offence_types.values_list("pk", flat=True)
            ),
            excluded_circumstances=frozenset(version.excluded_circumstances),
        )

    @classmethod
    def in_force_on(cls, day: datetime.date) -> "Rules | None":
        """The rules of the version in force on `day`, or None if no version covers it."""
        version = PolicyVersion.in_force_on(day)
        return None if version is None else cls.of(version)

    @property
    def name(self) -> str:
        return self.version.name.lower()


@dataclass(frozen=True)
class Facts:
    """What the custody officer records that the rules judge."""

    date_of_birth: datetime.date
    offence_date: datetime.date
    arrested_on: datetime.date
    offence_type_id: int
    offence_type_name: str
    gravity_score: int
    circumstances: Iterable[str] = ()
    # Only for the wording of a refusal.
    person_name: str = "The person"


@dataclass(frozen=True)
class Check:
    rule: str
    met: bool
    detail: str
    # For a hard limit: why the referral cannot be made at all, when the rule is not met.
    refusal: str = ""

    def as_record(self) -> dict[str, object]:
        """The check as the referral stores it (Referral.eligibility_reasons)."""
        return {"rule": self.rule, "met": self.met, "detail": self.detail}


@dataclass
class Assessment:
    rules_applied: Rules
    checks: list[Check] = field(default_factory=list)
    needs_authorisation: bool = False

    @property
    def policy_version(self) -> PolicyVersion:
        return self.rules_applied.version

    @property
    def eligible(self) -> bool:
        return all(check.met for check in self.checks)

    @property
    def rules(self) -> list[dict[str, object]]:
        return [check.as_record() for check in self.checks]

    @property
    def refusal(self) -> str | None:
        """Why the referral cannot be made even as an exception, or None."""
        return next((c.refusal for c in self.checks if c.refusal and not c.met), None)

    @property
    def first_unmet(self) -> str:
        """The detail of the first rule not met, or "" when every rule is met."""
        return next((c.detail for c in self.checks if not c.met), "")


def assess(rules: Rules, facts: Facts) -> Assessment:
    """Check the facts of one referral against one policy version's rules."""
    age = age_on(facts.date_of_birth, facts.offence_date)
    days = (facts.arrested_on - facts.offence_date).days
    offence, name = facts.offence_type_id, facts.offence_type_name
    if offence in rules.excluded_offence_types:
        offence_detail = f"{name} is excluded under the {rules.name}"
    elif offence in rules.eligible_offence_types:
        offence_detail = f"{name} is eligible under the {rules.name}"
    else:
        offence_detail = f"{name} is not listed as eligible under the {rules.name}"
    excluding = [c for c in facts.circumstances if c in rules.excluded_circumstances]
    checks = [
        Check(
            f"Aged {rules.minimum_age} or over on the offence date",
            age >= rules.minimum_age,
            f"Aged {age} on the offence date",
            refusal=f"{facts.person_name} was {age} on the offence date: the scheme is for "
            f"people aged {rules.minimum_age} or over",
        ),
        Check(
            f"Referred within {rules.maximum_days_since_offence} days of the offence",
            days <= rules.maximum_days_since_offence,
            f"{days} days from offence to arrest",
            refusal=f"The offence was {days} days before the arrest: the {rules.name} allow "
            f"{rules.maximum_days_since_offence} days at most",
        ),
        Check(
            "The offence is one the scheme covers",
            offence in rules.eligible_offence_types and offence not in rules.excluded_offence_types,
            offence_detail,
        ),
        Check(
            f"Gravity score no higher than {rules.maximum_gravity_score}",
            facts.gravity_score <= rules.maximum_gravity_score,
            f"Gravity score {facts.gravity_score}",
        ),
        Check(
            "No excluding circumstances",
            not excluding,
            "; ".join(Circumstance(c).label for c in excluding) or "None recorded",
        ),
    ]
    return Assessment(
        rules_applied=rules,
        checks=checks,
        needs_authorisation=offence in rules.authorisation_offence_types,
    )
