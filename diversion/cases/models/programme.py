import datetime
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from diversion.cases.models.late_entry import LATE_REASON_MAX_LENGTH, LATE_REASON_MISSING
from diversion.lib.dates import add_months, today
from diversion.lib.history import history_model
from diversion.lib.text import LONG_TEXT, NOTE_TEXT, SHORT_TEXT, length_limit
from diversion.lib.workflow import Move, Workflow, statuses_where
from diversion.policy.models import MILESTONE_LABEL_MAX, MilestoneKind

MAX_CONDITIONS = 5
VOLUNTARY_HOURS = (18, 36)
PATHWAY_SCORE = (0, 4)


# Domain: a Checkpoint contract runs four calendar months from signing.
CONTRACT_MONTHS = 4


def contract_end(signed: datetime.date) -> datetime.date:
    """The day the contract signed on `signed` ends (ContractEnd is the same rule in SQL)."""
    return add_months(signed, CONTRACT_MONTHS)


class ContractEnd(models.Func):
    """The contract end date in SQL: PostgreSQL clamps a missing day to the month's last day,
    exactly as contract_end does."""

    template = f"(%(expressions)s + interval '{CONTRACT_MONTHS} months')::date"
    output_field = models.DateField()


class ProgrammeStatus(models.TextChoices):
    AWAITING_CONTRACT = "awaiting_contract", "Awaiting contract"
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    BREACHED = "breached", "Breached"
    WITHDRAWN = "withdrawn", "Withdrawn"


class OutcomeReason(models.TextChoices):
    # Breach
    REOFFENDED = "reoffended", "Reoffended"
    FAILED_CONDITION = "failed_condition", "Failed a condition"
    NON_ATTENDANCE = "non_attendance", "Repeated non-attendance"
    # Withdrawal
    MOVED_AWAY = "moved_away", "Moved away"
    DIED = "died", "Died"
    EVIDENTIAL = "evidential", "Evidential problem"
    OTHER = "other", "Other"


BREACH_REASONS = [
    OutcomeReason.REOFFENDED,
    OutcomeReason.FAILED_CONDITION,
    OutcomeReason.NON_ATTENDANCE,
]
WITHDRAWAL_REASONS = [
    OutcomeReason.MOVED_AWAY,
    OutcomeReason.DIED,
    OutcomeReason.EVIDENTIAL,
    OutcomeReason.OTHER,
]
CLOSED = [ProgrammeStatus.COMPLETED, ProgrammeStatus.BREACHED, ProgrammeStatus.WITHDRAWN]
OPEN = [ProgrammeStatus.AWAITING_CONTRACT, ProgrammeStatus.ACTIVE]

# The caseload's sort keys (cases.tables), defined here so that each index below is the
# same SQL as the ORDER BY it serves. None is NULL, so keyset pages can compare them: a
# contract not yet signed sorts after every end date, whichever way the list runs.
ENDS_ASCENDING = Coalesce("ends_on", models.Value(datetime.date.max))
ENDS_DESCENDING = Coalesce("ends_on", models.Value(datetime.date.min))
# Workflow order, so sorting by status reads like the case's progress, not the alphabet.
STATUS_ORDER = models.Case(
    *(models.When(status=status, then=models.Value(n)) for n, status in enumerate(ProgrammeStatus)),
    output_field=models.IntegerField(),
)


def caseload_indexes(name, condition):
    """Indexes for each sort of one part of the caseload (its open or its closed cases), so
    that a page of it, first or ten-thousandth, reads one index range."""
    return [
        models.Index(ENDS_ASCENDING, "id", name=f"{name}_by_end", condition=condition),
        models.Index(ENDS_DESCENDING, "id", name=f"{name}_by_end_desc", condition=condition),
        models.Index(STATUS_ORDER, "id", name=f"{name}_by_status", condition=condition),
    ]


# The plugin cannot see `history`, the reverse manager of this model's event model.
class Programme(Workflow, models.Model):  # type: ignore[django-manager-missing]
    """The four-month contract that follows an accepted offer. Its history
    (`programme.history`, lib.history) holds every status move and every change of
    caseworker, with who, when and why."""

    Status = ProgrammeStatus
    TRANSITIONS = {
        Status.AWAITING_CONTRACT: {Status.ACTIVE, Status.WITHDRAWN},
        Status.ACTIVE: {Status.COMPLETED, Status.BREACHED, Status.WITHDRAWN},
        # A manager may reopen a case closed in error.
        Status.COMPLETED: {Status.ACTIVE},
        Status.BREACHED: {Status.ACTIVE},
        Status.WITHDRAWN: {Status.ACTIVE, Status.AWAITING_CONTRACT},
    }
    ACTIONS = {
        "sign": Move(Status.ACTIVE, only_from=frozenset({Status.AWAITING_CONTRACT})),
        "complete": Move(Status.COMPLETED),
        "breach": Move(Status.BREACHED),
        "withdraw": Move(Status.WITHDRAWN),
        "reopen": Move(Status.ACTIVE, only_from=frozenset(CLOSED)),
    }
    STATUS_COLOURS = {
        Status.AWAITING_CONTRACT: "yellow",
        Status.COMPLETED: "green",
        Status.BREACHED: "red",
        Status.WITHDRAWN: "grey",
    }
    # Domain: a completed contract is recorded nationally as crime outcome 22.
    COMPLETED_CRIME_OUTCOME = 22

    referral = models.OneToOneField(
        "cases.Referral", on_delete=models.PROTECT, related_name="programme"
    )
    caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="caseload",
    )
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.AWAITING_CONTRACT
    )
    signed_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    # When the signing was recorded: on a later day than signed_on for a paper contract
    # keyed in later, which then says why (late_entry).
    signing_recorded_at = models.DateTimeField(null=True, blank=True)
    signing_late_reason = models.CharField(max_length=LATE_REASON_MAX_LENGTH, blank=True)
    outcome_on = models.DateField(null=True, blank=True)
    outcome_reason = models.CharField(max_length=20, choices=OutcomeReason.choices, blank=True)
    outcome_detail = models.TextField(max_length=LONG_TEXT, blank=True)
    # For a breach by reoffending: the new offence (its date and type).
    breach_offence = models.OneToOneField(
        "people.LaterOffence",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="breached_programme",
    )
    # Raised by every change to the case, so a form opened before someone else's change
    # is refused rather than overwriting it (see lib.concurrency).
    version = models.PositiveIntegerField(default=1, db_default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["ends_on", "pk"]
        constraints = [
            models.CheckConstraint(
                name="programme_status_valid", condition=Q(status__in=ProgrammeStatus.values)
            ),
            models.CheckConstraint(
                name="programme_ends_four_months_after_signing",
                condition=Q(signed_on__isnull=True, ends_on__isnull=True)
                | Q(
                    signed_on__isnull=False, ends_on__isnull=False, ends_on=ContractEnd("signed_on")
                ),
                violation_error_message="A contract ends four calendar months after it is signed.",
            ),
            models.CheckConstraint(
                name="programme_signing_not_after_recording",
                condition=Q(signed_on__isnull=True, signing_recorded_at__isnull=True)
                | Q(
                    signed_on__isnull=False,
                    signing_recorded_at__isnull=False,
                    signed_on__lte=models.F("signing_recorded_at__date"),
                ),
                violation_error_message="A contract cannot be signed after it was recorded.",
            ),
            models.CheckConstraint(
                name="programme_late_signing_has_reason",
                condition=Q(signed_on__isnull=True, signing_late_reason="")
                | Q(signed_on__gte=models.F("signing_recorded_at__date"), signing_late_reason="")
                | (
                    Q(signed_on__lt=models.F("signing_recorded_at__date"))
                    & ~Q(signing_late_reason="")
                ),
                violation_error_message=LATE_REASON_MISSING,
            ),
            models.CheckConstraint(
                name="programme_signed_unless_awaiting_contract",
                condition=Q(status=ProgrammeStatus.AWAITING_CONTRACT, signed_on__isnull=True)
                | Q(status=ProgrammeStatus.WITHDRAWN)
                | (~Q(status=ProgrammeStatus.AWAITING_CONTRACT) & Q(signed_on__isnull=False)),
            ),
            models.CheckConstraint(
                name="programme_outcome_only_when_closed",
                condition=Q(status__in=CLOSED, outcome_on__isnull=False)
                | (~Q(status__in=CLOSED) & Q(outcome_on__isnull=True, outcome_reason="")),
            ),
            models.CheckConstraint(
                name="programme_outcome_not_before_signing",
                condition=Q(outcome_on__isnull=True)
                | Q(signed_on__isnull=True)
                | Q(outcome_on__gte=models.F("signed_on")),
                violation_error_message="The outcome date cannot be before the contract start.",
            ),
            models.CheckConstraint(
                name="programme_breach_has_breach_reason",
                condition=~Q(status=ProgrammeStatus.BREACHED)
                | Q(outcome_reason__in=BREACH_REASONS),
            ),
            models.CheckConstraint(
                name="programme_withdrawal_has_reason",
                condition=~Q(status=ProgrammeStatus.WITHDRAWN)
                | Q(outcome_reason__in=WITHDRAWAL_REASONS),
            ),
            models.CheckConstraint(
                name="programme_breach_offence_only_for_reoffending",
                condition=Q(breach_offence__isnull=True)
                | Q(status=ProgrammeStatus.BREACHED, outcome_reason=OutcomeReason.REOFFENDED),
            ),
            models.CheckConstraint(
                name="programme_completion_has_no_reason",
                condition=~Q(status=ProgrammeStatus.COMPLETED) | Q(outcome_reason=""),
            ),
            length_limit("programme_outcome_detail_length", "outcome_detail", LONG_TEXT),
        ]
        indexes = [
            # Caseload: a caseworker's open cases, and the unassigned queue (caseworker NULL).
            models.Index(name="programme_caseload", fields=["caseworker", "status"]),
            # Dashboards: outcomes by status.
            models.Index(name="programme_status", fields=["status"]),
            # The caseload's open lists (All open, Unassigned, Overdue) sorted by end date
            # either way and by status (cases.caseload, cases.tables.CaseloadTable.sorts).
            *caseload_indexes("programme_open", Q(status__in=OPEN)),
            # The Closed list, sorted the same ways; most recently ended first by default.
            *caseload_indexes("programme_closed", Q(status__in=CLOSED)),
            # A caseworker's own Closed list, most recently ended first (the default).
            models.Index(
                "caseworker",
                ENDS_DESCENDING,
                "id",
                name="programme_worker_closed_end",
                condition=Q(status__in=CLOSED),
            ),
            # The unassigned queue (cases.queues.UNASSIGNED): the caseload's Unassigned list
            # sorted by wait either way (cases.tables.UnassignedTable), and the queue's
            # summary, its count and oldest wait, on the manager's home and the list.
            models.Index(
                fields=["created_at", "id"],
                name="programme_unassigned_wait",
                condition=Q(caseworker__isnull=True, status__in=OPEN),
            ),
            # Sorting by reference uses the referral's unique index (referral_id).
            # The scrutiny panel sample (reporting.sample.candidates): cases closed in a
            # range of months, with the referral each belongs to.
            models.Index(
                fields=["outcome_on", "referral"],
                name="programme_closed_outcome",
                condition=Q(status__in=CLOSED),
            ),
        ]

    def __str__(self):
        return f"Programme for {self.referral.reference}"

    @property
    def days_left(self):
        """Days until the contract ends (negative once past), or None before signing."""
        if self.ends_on is None:
            return None
        return (self.ends_on - today()).days

    def contract_days(self, *, outcome_on=None):
        """The first and last day of the contract, or None before signing: from signing to
        its end, or to the outcome (`outcome_on`, by default the recorded one) if the case
        ended first. A later offence dated within them is reoffending during the contract
        (cases.offences)."""
        if self.signed_on is None or self.ends_on is None:
            return None
        ended = outcome_on or self.outcome_on
        return self.signed_on, (min(self.ends_on, ended) if ended else self.ends_on)

    def ran_on(self, day, *, outcome_on=None):
        """Whether the contract was running on `day` (see contract_days)."""
        days = self.contract_days(outcome_on=outcome_on)
        return days is not None and days[0] <= day <= days[1]

    @property
    def crime_outcome(self):
        return self.COMPLETED_CRIME_OUTCOME if self.status == ProgrammeStatus.COMPLETED else None

    @property
    def is_running(self):
        """Whether the contract is running: signed and not yet ended, so its conditions,
        milestones and appointments are recorded (see RUNNING)."""
        return self.status in RUNNING

    @property
    def is_open(self):
        """Not yet ended: awaiting its contract, or running."""
        return self.status in OPEN

    @property
    def is_closed(self):
        return self.status in CLOSED

    @property
    def is_breached(self):
        """Breached: the case returns to the officer in the case for prosecution."""
        return self.status == ProgrammeStatus.BREACHED


# The contract runs in the statuses from which it can be completed: there its casework
# (conditions, milestones, appointments, the exit assessment) is recorded.
RUNNING = statuses_where(Programme, "complete")


def open_programmes(person):
    """The person's programmes not yet ended, oldest first: a new referral or acceptance
    would run alongside them, so the custody desk and the decision pages warn of them."""
    return (
        Programme.objects.filter(referral__person=person, status__in=OPEN)
        .select_related("referral")
        .order_by("pk")
    )


class ConditionKind(models.TextChoices):
    NO_REOFFENDING = "no_reoffending", "Do not reoffend"
    RESTORATIVE = "restorative", "Take part in a restorative approach"
    INTERVENTION = "intervention", "Take part in an intervention"
    VOLUNTARY_WORK = "voluntary_work", "Voluntary work"
    TAG = "tag", "Wear an electronic tag"


class ConditionStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    MET = "met", "Met"
    FAILED = "failed", "Failed"
    WAIVED = "waived", "Waived"


# The plugin cannot see `history`, the reverse manager of this model's event model.
class Condition(models.Model):  # type: ignore[django-manager-missing]
    """One of at most five contract conditions. Number 1 is always "do not reoffend"."""

    Status = ConditionStatus
    # Our design: a recorded result can be corrected (evidence found later, a waiver
    # withdrawn), so each status may move to any other; the history keeps every earlier one.
    TRANSITIONS = {
        status: {other for other in ConditionStatus if other != status}
        for status in ConditionStatus
    }
    STATUS_COLOURS = {
        ConditionStatus.MET: "green",
        ConditionStatus.FAILED: "red",
        ConditionStatus.WAIVED: "grey",
    }

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="conditions")
    number = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MAX_CONDITIONS)]
    )
    kind = models.CharField(max_length=20, choices=ConditionKind.choices)
    description = models.TextField(max_length=SHORT_TEXT, blank=True)
    voluntary_hours = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(VOLUNTARY_HOURS[0]), MaxValueValidator(VOLUNTARY_HOURS[1])],
    )
    status = models.CharField(
        max_length=10, choices=ConditionStatus.choices, default=ConditionStatus.PENDING
    )
    status_reason = models.TextField(max_length=LONG_TEXT, blank=True)
    evidence = models.TextField(max_length=NOTE_TEXT, blank=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(name="condition_number_unique", fields=["programme", "number"]),
            models.CheckConstraint(
                name="condition_at_most_five",
                condition=Q(number__gte=1, number__lte=MAX_CONDITIONS),
                violation_error_message="A contract has at most five conditions.",
            ),
            models.CheckConstraint(
                name="condition_first_is_no_reoffending",
                condition=Q(number=1, kind=ConditionKind.NO_REOFFENDING)
                | (Q(number__gt=1) & ~Q(kind=ConditionKind.NO_REOFFENDING)),
            ),
            models.CheckConstraint(
                name="condition_kind_valid", condition=Q(kind__in=ConditionKind.values)
            ),
            models.CheckConstraint(
                name="condition_status_valid", condition=Q(status__in=ConditionStatus.values)
            ),
            models.CheckConstraint(
                name="condition_voluntary_hours_in_range",
                condition=Q(
                    kind=ConditionKind.VOLUNTARY_WORK,
                    voluntary_hours__isnull=False,
                    voluntary_hours__gte=VOLUNTARY_HOURS[0],
                    voluntary_hours__lte=VOLUNTARY_HOURS[1],
                )
                | (~Q(kind=ConditionKind.VOLUNTARY_WORK) & Q(voluntary_hours__isnull=True)),
                violation_error_message="Voluntary work is between 18 and 36 hours.",
            ),
            models.CheckConstraint(
                name="condition_waiver_has_reason",
                condition=~Q(status=ConditionStatus.WAIVED) | ~Q(status_reason=""),
            ),
            length_limit("condition_description_length", "description", SHORT_TEXT),
            length_limit("condition_status_reason_length", "status_reason", LONG_TEXT),
            length_limit("condition_evidence_length", "evidence", NOTE_TEXT),
        ]

    def __str__(self):
        return f"{self.number}. {self.get_kind_display()}"

    @property
    def is_failed(self) -> bool:
        """A failed condition does not end the programme by itself: the caseworker decides
        on a breach from the Outcome tab."""
        return self.status == ConditionStatus.FAILED


class MilestoneStatus(models.TextChoices):
    DUE = "due", "Due"
    DONE = "done", "Done"
    MISSED = "missed", "Missed"


# The plugin cannot see `history`, the reverse manager of this model's event model.
class Milestone(models.Model):  # type: ignore[django-manager-missing]
    """A dated step of the programme, made from the policy version's schedule at signing."""

    Status = MilestoneStatus
    # Our design: a missed step may still be done late, and a step recorded by mistake
    # corrected; the history keeps what was recorded first.
    TRANSITIONS = {
        MilestoneStatus.DUE: {MilestoneStatus.DONE, MilestoneStatus.MISSED},
        MilestoneStatus.MISSED: {MilestoneStatus.DONE},
        MilestoneStatus.DONE: {MilestoneStatus.MISSED},
    }
    STATUS_COLOURS = {MilestoneStatus.DONE: "green", MilestoneStatus.MISSED: "grey"}

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="milestones")
    code = models.SlugField(max_length=30, choices=MilestoneKind.choices)
    label = models.CharField(max_length=MILESTONE_LABEL_MAX)
    due_on = models.DateField()
    status = models.CharField(
        max_length=10, choices=MilestoneStatus.choices, default=MilestoneStatus.DUE
    )
    completed_on = models.DateField(null=True, blank=True)
    missed_reason = models.TextField(max_length=LONG_TEXT, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(name="milestone_code_unique", fields=["programme", "code"]),
            models.CheckConstraint(
                name="milestone_code_valid", condition=Q(code__in=MilestoneKind.values)
            ),
            models.CheckConstraint(
                name="milestone_status_valid", condition=Q(status__in=MilestoneStatus.values)
            ),
            models.CheckConstraint(
                name="milestone_done_has_date",
                condition=Q(status=MilestoneStatus.DONE, completed_on__isnull=False)
                | (~Q(status=MilestoneStatus.DONE) & Q(completed_on__isnull=True)),
            ),
            models.CheckConstraint(
                name="milestone_missed_has_reason",
                condition=(Q(status=MilestoneStatus.MISSED) & ~Q(missed_reason=""))
                | (~Q(status=MilestoneStatus.MISSED) & Q(missed_reason="")),
                violation_error_message="Enter why the milestone was missed.",
            ),
            length_limit("milestone_missed_reason_length", "missed_reason", LONG_TEXT),
        ]
        indexes = [
            # Overdue work: milestones still due, by date.
            models.Index(
                name="milestone_overdue",
                fields=["due_on"],
                condition=Q(status=MilestoneStatus.DUE),
            ),
            # The caseload's overdue tab and each row's overdue count: one case's milestones
            # still due before a day. Closed cases keep theirs, so the index by date alone
            # reads a national backlog of them for a few open cases.
            models.Index(
                name="milestone_due_by_case",
                fields=["programme", "due_on"],
                condition=Q(status=MilestoneStatus.DUE),
            ),
        ]

    def __str__(self):
        return self.label


class AppointmentKind(models.TextChoices):
    ASSESSMENT = "assessment", "Needs assessment"
    INTERVENTION = "intervention", "Intervention"
    REVIEW = "review", "Review"
    OTHER = "other", "Other"


class Attendance(models.TextChoices):
    ATTENDED = "attended", "Attended"
    LATE = "late", "Late"
    DID_NOT_ATTEND = "did_not_attend", "Did not attend"


class RescheduleRequester(models.TextChoices):
    PERSON = "person", "The person on the programme"
    CASEWORKER = "caseworker", "The caseworker"
    PROVIDER = "provider", "The service provider"


# The plugin cannot see `history`, the reverse manager of this model's event model.
class Appointment(models.Model):  # type: ignore[django-manager-missing]
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="appointments")
    kind = models.CharField(max_length=20, choices=AppointmentKind.choices)
    starts_at = models.DateTimeField()
    took_place = models.BooleanField(null=True, blank=True)
    attendance = models.CharField(max_length=20, choices=Attendance.choices, blank=True)
    rescheduled_to = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="rescheduled_from"
    )
    reschedule_requested_by = models.CharField(
        max_length=20, choices=RescheduleRequester.choices, blank=True
    )
    reschedule_reason = models.TextField(max_length=LONG_TEXT, blank=True)
    notes = models.TextField(max_length=LONG_TEXT, blank=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                name="appointment_attendance_only_if_took_place",
                condition=Q(took_place__isnull=False, took_place=True) | Q(attendance=""),
            ),
            models.CheckConstraint(
                name="appointment_reschedule_has_reason",
                condition=Q(rescheduled_to__isnull=True)
                | (~Q(reschedule_requested_by="") & ~Q(reschedule_reason="")),
            ),
            length_limit("appointment_reschedule_reason_length", "reschedule_reason", LONG_TEXT),
            length_limit("appointment_notes_length", "notes", LONG_TEXT),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} at {self.starts_at:%d %b %Y %H:%M}"


class Pathway(models.TextChoices):
    ACCOMMODATION = "accommodation", "Accommodation"
    EDUCATION = "education", "Education, training and employment"
    PHYSICAL_HEALTH = "physical_health", "Physical health"
    MENTAL_HEALTH = "mental_health", "Mental health"
    DRUGS = "drugs", "Drugs"
    ALCOHOL = "alcohol", "Alcohol"
    FINANCE = "finance", "Finance, benefits and debt"
    FAMILY = "family", "Family and relationships"
    ATTITUDES = "attitudes", "Attitudes, thinking and behaviour"
    ABUSE = "abuse", "Abuse and exploitation"


class AssessmentStage(models.TextChoices):
    ENTRY = "entry", "Entry"
    EXIT = "exit", "Exit"


# The plugin cannot see `history`, the reverse manager of this model's event model.
class PathwayAssessment(models.Model):  # type: ignore[django-manager-missing]
    """Need on one pathway at entry or exit: 0 (no need) to 4 (severe need)."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="assessments")
    stage = models.CharField(max_length=10, choices=AssessmentStage.choices)
    pathway = models.CharField(max_length=20, choices=Pathway.choices)
    score = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(PATHWAY_SCORE[0]), MaxValueValidator(PATHWAY_SCORE[1])]
    )
    notes = models.TextField(max_length=LONG_TEXT, blank=True)
    assessed_on = models.DateField()

    class Meta:
        ordering = ["pathway", "stage"]
        constraints = [
            models.UniqueConstraint(
                name="assessment_once_per_stage", fields=["programme", "stage", "pathway"]
            ),
            models.CheckConstraint(
                name="assessment_score_range",
                condition=Q(score__gte=PATHWAY_SCORE[0], score__lte=PATHWAY_SCORE[1]),
            ),
            models.CheckConstraint(
                name="assessment_stage_valid", condition=Q(stage__in=AssessmentStage.values)
            ),
            models.CheckConstraint(
                name="assessment_pathway_valid", condition=Q(pathway__in=Pathway.values)
            ),
            length_limit("assessment_notes_length", "notes", LONG_TEXT),
        ]

    def __str__(self):
        return f"{self.get_pathway_display()} at {self.get_stage_display().lower()}: {self.score}"


# The plugin cannot see `history`, the reverse manager of this model's event model.
class CaseNote(models.Model):  # type: ignore[django-manager-missing]
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    text = models.TextField(max_length=NOTE_TEXT)

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(name="case_note_not_blank", condition=~Q(text="")),
            length_limit("case_note_text_length", "text", NOTE_TEXT),
        ]
        indexes = [
            # The case timeline.
            models.Index(name="case_note_timeline", fields=["programme", "at"])
        ]

    def __str__(self):
        return f"Note by {self.author} at {self.at:%d %b %Y %H:%M}"


class DigestSent(models.Model):
    """One overdue digest sent to one person on one day, so a second run that day sends
    nothing (the command may run from cron several times a day)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    sent_on = models.DateField()
    kind = models.CharField(max_length=20)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                name="digest_once_a_day", fields=["recipient", "sent_on", "kind"]
            )
        ]

    def __str__(self):
        return f"{self.kind} digest to {self.recipient} on {self.sent_on}"


# The change history of each record of a case (lib.history): database triggers copy every
# insert, update and delete, whatever made it.


def _case_record_history(model: type[models.Model], index: str) -> Any:
    """The history model of `model`, a record of one case, indexed by case and change for
    the case timeline and the stale-edit message, which read one case's changes."""
    return history_model(model, indexes=[models.Index(name=index, fields=["programme", "pgh_id"])])


# The bases are made at run time by pghistory, which mypy cannot follow.
class ProgrammeHistory(history_model(Programme)):  # type: ignore[misc]
    pass


class ConditionHistory(_case_record_history(Condition, "condition_history_case")):  # type: ignore[misc]
    pass


class MilestoneHistory(_case_record_history(Milestone, "milestone_history_case")):  # type: ignore[misc]
    pass


class AppointmentHistory(_case_record_history(Appointment, "appointment_history_case")):  # type: ignore[misc]
    pass


class PathwayAssessmentHistory(
    _case_record_history(PathwayAssessment, "assessment_history_case")  # type: ignore[misc]
):
    pass


class CaseNoteHistory(_case_record_history(CaseNote, "case_note_history_case")):  # type: ignore[misc]
    pass
