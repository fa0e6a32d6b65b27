"""The referral: one person, one offence, the eligibility decision and the offer."""

import datetime
from typing import Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.formats import date_format

from diversion.cases.models.late_entry import LATE_REASON_MAX_LENGTH, LATE_REASON_MISSING
from diversion.lib.history import history_model
from diversion.lib.text import DATA_TEXT, LONG_TEXT, json_length_limit, length_limit
from diversion.lib.workflow import Move, Workflow
from diversion.policy.models import Circumstance, CustodySuite, OffenceType, PolicyVersion


class RiskBand(models.TextChoices):
    LOW = "low", "Low"
    MODERATE = "moderate", "Moderate"
    HIGH = "high", "High"


class Victim(models.TextChoices):
    NONE = "none", "No victim"
    CONSULTED = "consulted", "Victim consulted"
    RESTORATIVE = "restorative", "Victim wants a restorative approach"


class OfficerDecision(models.TextChoices):
    OFFER = "offer", "Offer the scheme"
    DECLINE = "decline", "Do not offer the scheme"
    EXCEPTION = "exception", "Offer as an exception (needs a manager's authorisation)"


class PersonDecision(models.TextChoices):
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    CONSIDERING = "considering", "Asked for time to consider"


class DeclineReason(models.TextChoices):
    """Why the person said no to the offer, as the custody officer heard it: counted on the
    managers' dashboard, so each is one plain reason an officer can pick at the desk."""

    PREFERS_COURT = "prefers_court", "Would rather go to court"
    CONDITIONS = "conditions", "Does not accept the conditions"
    DISPUTES_OFFENCE = "disputes_offence", "Denies the offence or disputes the evidence"
    NO_ANSWER_IN_TIME = "no_answer_in_time", "Wanted legal advice first and did not answer in time"
    NO_REASON = "no_reason", "Did not give a reason"
    OTHER = "other", "Another reason"


class ReferralStatus(models.TextChoices):
    AWAITING_AUTHORISATION = "awaiting_authorisation", "Awaiting authorisation"
    AUTHORISATION_REFUSED = "authorisation_refused", "Authorisation refused"
    NOT_OFFERED = "not_offered", "Not offered"
    OFFERED = "offered", "Offered"
    CONSIDERING = "considering", "Considering the offer"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined by the person"


# Statuses in which the offer has been put to the person.
OFFER_MADE = [
    ReferralStatus.OFFERED,
    ReferralStatus.CONSIDERING,
    ReferralStatus.ACCEPTED,
    ReferralStatus.DECLINED,
]

# How long a person may be given to think about the offer (our design).
MAX_DAYS_TO_DECIDE = 28


def decide_by_problem(decide_by, *, today):
    """Why `decide_by` cannot be the date a person considering the offer must answer by,
    or None if it can: a day after `today`, at most MAX_DAYS_TO_DECIDE days ahead."""
    latest = today + datetime.timedelta(days=MAX_DAYS_TO_DECIDE)
    if decide_by is None:
        return "Enter the decide-by date"
    if decide_by <= today:
        return "The decide-by date must be in the future"
    if decide_by > latest:
        return (
            f"The decide-by date must be within {MAX_DAYS_TO_DECIDE} days, "
            f"no later than {date_format(latest, 'j F Y')}"
        )
    return None


DECLINE_REASON_MISSING = "Select why the person declined"


def decline_reason_problem(decline_reason):
    """Why `decline_reason` cannot be recorded with a decline, or None if it can: a decline
    needs one of DeclineReason. Any other answer records none, and callers clear it."""
    return None if decline_reason in DeclineReason.values else DECLINE_REASON_MISSING


custody_record_validator = RegexValidator(
    settings.CUSTODY_RECORD_PATTERN, "Enter the custody record number in the force's format"
)
crime_reference_validator = RegexValidator(
    settings.CRIME_REFERENCE_PATTERN, "Enter the crime reference in the force's format"
)


# The plugin cannot see `history`, the reverse manager of this model's event model.
class Referral(Workflow, models.Model):  # type: ignore[django-manager-missing]
    """A custody officer's referral of one person for one offence. Its history
    (`referral.history`, lib.history) holds every status move with who, when and why."""

    Status = ReferralStatus
    TRANSITIONS = {
        Status.AWAITING_AUTHORISATION: {Status.OFFERED, Status.AUTHORISATION_REFUSED},
        Status.OFFERED: {Status.ACCEPTED, Status.DECLINED, Status.CONSIDERING},
        Status.CONSIDERING: {Status.ACCEPTED, Status.DECLINED},
    }
    ACTIONS = {
        "authorise": Move(Status.OFFERED, only_from=frozenset({Status.AWAITING_AUTHORISATION})),
        "refuse": Move(Status.AUTHORISATION_REFUSED),
        # The person's final answer, accepting or declining.
        "answer": Move(Status.ACCEPTED),
        "consider": Move(Status.CONSIDERING),
    }
    STATUS_COLOURS = {
        Status.AWAITING_AUTHORISATION: "yellow",
        Status.AUTHORISATION_REFUSED: "red",
        Status.NOT_OFFERED: "grey",
        Status.CONSIDERING: "yellow",
        Status.ACCEPTED: "green",
        Status.DECLINED: "grey",
    }
    # Statuses a referral may be created in: decided at the custody desk.
    INITIAL = {Status.AWAITING_AUTHORISATION, Status.NOT_OFFERED, Status.OFFERED}

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="referrals")
    arrested_at = models.DateTimeField()
    offence_date = models.DateField()
    custody_suite = models.ForeignKey(CustodySuite, on_delete=models.PROTECT)
    custody_record_number = models.CharField(max_length=30, validators=[custody_record_validator])
    crime_reference = models.CharField(max_length=30, validators=[crime_reference_validator])
    offence_type = models.ForeignKey(OffenceType, on_delete=models.PROTECT)
    gravity_score = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    risk_band = models.CharField(max_length=10, choices=RiskBand.choices)
    victim = models.CharField(max_length=12, choices=Victim.choices, default=Victim.NONE)
    victim_views = models.TextField(max_length=LONG_TEXT, blank=True)
    circumstances = ArrayField(
        models.CharField(max_length=30, choices=Circumstance.choices), default=list, blank=True
    )

    policy_version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT)
    eligible = models.BooleanField()
    eligibility_reasons = models.JSONField(
        default=list, help_text='Each rule checked: [{"rule", "met", "detail"}].'
    )
    officer_decision = models.CharField(max_length=10, choices=OfficerDecision.choices)
    decision_rationale = models.TextField(max_length=LONG_TEXT)

    needs_authorisation = models.BooleanField(default=False)
    authorised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    authorised_at = models.DateTimeField(null=True, blank=True)
    authorisation_reason = models.TextField(max_length=LONG_TEXT, blank=True)

    offered_at = models.DateTimeField(null=True, blank=True)
    person_decision = models.CharField(max_length=12, choices=PersonDecision.choices, blank=True)
    decline_reason = models.CharField(max_length=20, choices=DeclineReason.choices, blank=True)
    decide_by = models.DateField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # When the answer was recorded: later than decided_at for an answer given on paper and
    # keyed in on a later day, which then says why (late_entry).
    decision_recorded_at = models.DateTimeField(null=True, blank=True)
    decision_late_reason = models.CharField(max_length=LATE_REASON_MAX_LENGTH, blank=True)

    status = models.CharField(max_length=30, choices=Status.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="referrals_made"
    )
    # One per "check your answers" page, so a double submit finds the referral it made.
    submission_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                name="referral_custody_record_unique_per_suite",
                fields=["custody_suite", "custody_record_number"],
                violation_error_message="That custody record number is already used at this suite.",
            ),
            models.CheckConstraint(
                name="referral_status_valid", condition=models.Q(status__in=ReferralStatus.values)
            ),
            models.CheckConstraint(
                name="referral_arrest_not_in_future",
                condition=models.Q(arrested_at__lte=Now()),
                violation_error_message="The arrest date and time cannot be in the future.",
            ),
            models.CheckConstraint(
                name="referral_offence_not_after_arrest",
                condition=models.Q(offence_date__lte=models.F("arrested_at__date")),
                violation_error_message="The offence date cannot be after the arrest.",
            ),
            models.CheckConstraint(
                name="referral_gravity_score_range",
                condition=models.Q(gravity_score__gte=1, gravity_score__lte=5),
            ),
            models.CheckConstraint(
                name="referral_risk_band_valid", condition=models.Q(risk_band__in=RiskBand.values)
            ),
            models.CheckConstraint(
                name="referral_victim_valid", condition=models.Q(victim__in=Victim.values)
            ),
            models.CheckConstraint(
                name="referral_rationale_recorded", condition=~models.Q(decision_rationale="")
            ),
            length_limit("referral_victim_views_length", "victim_views", LONG_TEXT),
            length_limit("referral_rationale_length", "decision_rationale", LONG_TEXT),
            length_limit("referral_authorisation_reason_length", "authorisation_reason", LONG_TEXT),
            json_length_limit(
                "referral_eligibility_reasons_length", "eligibility_reasons", DATA_TEXT
            ),
            models.CheckConstraint(
                name="referral_exception_needs_authorisation",
                condition=~models.Q(officer_decision=OfficerDecision.EXCEPTION)
                | models.Q(needs_authorisation=True),
            ),
            models.CheckConstraint(
                name="referral_authorisation_complete",
                condition=(
                    models.Q(authorised_by__isnull=True, authorised_at__isnull=True)
                    | models.Q(authorised_by__isnull=False, authorised_at__isnull=False)
                ),
            ),
            models.CheckConstraint(
                name="referral_offer_only_when_authorised",
                condition=models.Q(needs_authorisation=False)
                | models.Q(offered_at__isnull=True)
                | models.Q(authorised_at__isnull=False),
            ),
            models.CheckConstraint(
                name="referral_decision_after_offer",
                condition=models.Q(decided_at__isnull=True)
                | models.Q(offered_at__isnull=False, decided_at__gte=models.F("offered_at")),
                violation_error_message="The person's decision cannot be before the offer.",
            ),
            models.CheckConstraint(
                name="referral_decision_not_after_recording",
                condition=models.Q(decided_at__isnull=True, decision_recorded_at__isnull=True)
                | models.Q(
                    decided_at__isnull=False,
                    decision_recorded_at__isnull=False,
                    decided_at__lte=models.F("decision_recorded_at"),
                ),
                violation_error_message="The person's decision cannot be after it was recorded.",
            ),
            models.CheckConstraint(
                name="referral_late_decision_has_reason",
                condition=models.Q(decided_at__isnull=True, decision_late_reason="")
                | models.Q(
                    decided_at__date__gte=models.F("decision_recorded_at__date"),
                    decision_late_reason="",
                )
                | (
                    models.Q(decided_at__date__lt=models.F("decision_recorded_at__date"))
                    & ~models.Q(decision_late_reason="")
                ),
                violation_error_message=LATE_REASON_MISSING,
            ),
            models.CheckConstraint(
                name="referral_offer_not_before_arrest",
                condition=models.Q(offered_at__isnull=True)
                | models.Q(offered_at__gte=models.F("arrested_at")),
                violation_error_message="The offer cannot be made before the arrest.",
            ),
            models.CheckConstraint(
                name="referral_considering_has_decide_by",
                condition=~models.Q(person_decision=PersonDecision.CONSIDERING)
                | models.Q(decide_by__isnull=False),
            ),
            models.CheckConstraint(
                name="referral_declined_has_reason",
                condition=~models.Q(person_decision=PersonDecision.DECLINED)
                | models.Q(decline_reason__in=DeclineReason.values),
                violation_error_message=DECLINE_REASON_MISSING,
            ),
            models.CheckConstraint(
                name="referral_decline_reason_only_when_declined",
                condition=models.Q(person_decision=PersonDecision.DECLINED)
                | models.Q(decline_reason=""),
            ),
            models.CheckConstraint(
                name="referral_awaiting_authorisation_needs_it",
                condition=~models.Q(status=ReferralStatus.AWAITING_AUTHORISATION)
                | models.Q(needs_authorisation=True, authorised_at__isnull=True),
            ),
            models.CheckConstraint(
                name="referral_not_offered_by_officer_decision",
                condition=~models.Q(status=ReferralStatus.NOT_OFFERED)
                | models.Q(officer_decision=OfficerDecision.DECLINE, offered_at__isnull=True),
            ),
            models.CheckConstraint(
                name="referral_offer_made_when_offered",
                condition=~models.Q(status__in=OFFER_MADE) | models.Q(offered_at__isnull=False),
            ),
            models.CheckConstraint(
                name="referral_declined_matches_decision",
                condition=~models.Q(status=ReferralStatus.DECLINED)
                | models.Q(person_decision=PersonDecision.DECLINED, decided_at__isnull=False),
            ),
            models.CheckConstraint(
                name="referral_accepted_matches_decision",
                condition=~models.Q(status=ReferralStatus.ACCEPTED)
                | models.Q(person_decision=PersonDecision.ACCEPTED, decided_at__isnull=False),
            ),
        ]
        indexes = [
            # "Your referrals" (cases.views.referral.mine): one officer's referrals by date,
            # newest first, with the primary key that breaks ties in its keyset pages.
            models.Index(name="referral_creator_newest", fields=["created_by", "created_at", "id"]),
            # The authorisation queue (cases.queues.AUTHORISATIONS): its list sorted by wait
            # either way (cases.views.referral.authorisations, read backwards for the
            # longest wait first), and its summary's count and oldest wait.
            models.Index(
                name="referral_authorisation_queue",
                fields=["created_at", "id"],
                condition=models.Q(status=ReferralStatus.AWAITING_AUTHORISATION),
            ),
            # Dashboards: referrals by status.
            models.Index(name="referral_status", fields=["status"]),
            # The auditor's search for a person by crime reference (governance.trail
            # .find_subjects): a crime reference is not unique, but names few referrals.
            models.Index(name="referral_crime_reference", fields=["crime_reference"]),
        ]

    def __str__(self):
        return self.reference

    @property
    def reference(self):
        return f"CP-{self.pk:06d}" if self.pk else "CP-(new)"

    @property
    def considering_until(self):
        """While the person considers the offer, the date they must answer by."""
        return self.decide_by if self.status == ReferralStatus.CONSIDERING else None

    @property
    def accepted_at(self):
        return self.decided_at if self.status == ReferralStatus.ACCEPTED else None

    @property
    def offer_printable(self):
        """The offer can be printed once it is made, until the person has said no."""
        return self.can("answer") or self.status == ReferralStatus.ACCEPTED


# A base class made at run time by pghistory, which mypy cannot follow, hence Any.
_REFERRAL_HISTORY: Any = history_model(
    Referral,
    indexes=[
        # The dashboard's authorisation wait (reporting.refresh): when each refused
        # authorisation was refused, which only the history records.
        models.Index(
            name="referral_history_refusals",
            fields=["pgh_obj", "pgh_created_at"],
            condition=models.Q(status=ReferralStatus.AUTHORISATION_REFUSED),
        )
    ],
)


class ReferralHistory(_REFERRAL_HISTORY):
    """Every copy of a referral (lib.history): its status moves, with who, when and why."""
