"""Reference data and policy: offence types, custody suites and the versioned eligibility
rules every referral is assessed under (domain.md, Eligibility)."""

import datetime

from django.contrib.postgres.fields import ArrayField
from django.db import models


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


class PolicyVersion(models.Model):
    """One set of eligibility rules, in force from its effective date until the next one.

    Every referral records the version it was assessed under, so outcomes can be compared
    before and after a change of policy (our design; see domain.md, Eligibility).
    """

    name = models.CharField(max_length=80, unique=True)
    effective_from = models.DateField(unique=True)
    summary = models.TextField(blank=True)
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
    milestone_schedule = models.JSONField(
        default=list,
        help_text='Milestones made at signing: [{"code", "label", "days" or "months"}].',
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
        ]

    def __str__(self) -> str:
        return f"{self.name} (from {self.effective_from:%-d %B %Y})"

    @classmethod
    def in_force_on(cls, day: datetime.date) -> "PolicyVersion | None":
        """The version whose effective date is the latest on or before `day`, or None."""
        return cls.objects.filter(effective_from__lte=day).order_by("-effective_from").first()
