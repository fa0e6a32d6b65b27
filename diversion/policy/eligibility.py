"""Eligibility: a referral checked rule by rule against the policy version in force."""

from dataclasses import dataclass, field

from django.utils import timezone

from diversion.lib.dates import age_on
from diversion.policy.models import Circumstance, PolicyVersion


@dataclass
class Assessment:
    policy_version: PolicyVersion
    rules: list = field(default_factory=list)
    needs_authorisation: bool = False

    @property
    def eligible(self):
        return all(rule["met"] for rule in self.rules)

    def check(self, rule, met, detail):
        self.rules.append({"rule": rule, "met": bool(met), "detail": detail})


def assess(*, person, offence_type, offence_date, arrested_at, gravity_score, circumstances):
    """Check one referral against the policy version in force on the offence date.

    Returns None when no policy version covers that date. The custody officer decides; this
    only says which rules are met, in plain words, so the reason can be recorded.
    """
    policy = PolicyVersion.in_force_on(offence_date)
    if policy is None:
        return None
    result = Assessment(policy_version=policy)
    age = age_on(person.date_of_birth, offence_date)
    result.check(
        f"Aged {policy.minimum_age} or over on the offence date",
        age >= policy.minimum_age,
        f"Aged {age} on the offence date",
    )
    days = (timezone.localdate(arrested_at) - offence_date).days
    result.check(
        f"Referred within {policy.maximum_days_since_offence} days of the offence",
        days <= policy.maximum_days_since_offence,
        f"{days} days from offence to arrest",
    )
    excluded_types = set(policy.excluded_offence_types.values_list("pk", flat=True))
    eligible_types = set(policy.eligible_offence_types.values_list("pk", flat=True))
    if offence_type.pk in excluded_types:
        detail = f"{offence_type.name} is excluded under the {policy.name.lower()}"
    elif offence_type.pk in eligible_types:
        detail = f"{offence_type.name} is eligible under the {policy.name.lower()}"
    else:
        detail = f"{offence_type.name} is not listed as eligible under the {policy.name.lower()}"
    result.check(
        "The offence is one the scheme covers",
        offence_type.pk in eligible_types and offence_type.pk not in excluded_types,
        detail,
    )
    result.check(
        f"Gravity score no higher than {policy.maximum_gravity_score}",
        gravity_score <= policy.maximum_gravity_score,
        f"Gravity score {gravity_score}",
    )
    excluding = [c for c in circumstances if c in policy.excluded_circumstances]
    result.check(
        "No excluding circumstances",
        not excluding,
        "; ".join(Circumstance(c).label for c in excluding) or "None recorded",
    )
    result.needs_authorisation = policy.authorisation_offence_types.filter(
        pk=offence_type.pk
    ).exists()
    return result
