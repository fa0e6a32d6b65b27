"""Casework on a case: needs assessments, the contract's conditions, milestones,
appointments and notes (every write goes through one of these functions).

Each function is one atomic business action taking `actor=`. It first locks the case and
checks it is still at the version the user's form was opened on (lib.concurrency): a form
left open while someone else changed the case is refused with StaleEdit instead of
overwriting their work. Then it checks the rules, makes the change, raises the case's
version and logs the processing (DPA 2018 s62: collection and alteration are logged).
Audit details name the kind of change only, never personal data, because the access log
holds identifiers (audit.models.AccessLogEntry).
"""

import datetime
from collections.abc import Collection, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from diversion.accounts.models import User
from diversion.audit.models import Action
from diversion.audit.services import log
from diversion.cases.models import (
    OPEN,
    PATHWAY_SCORE,
    RUNNING,
    Appointment,
    AppointmentKind,
    AssessmentStage,
    Attendance,
    CaseNote,
    Condition,
    ConditionStatus,
    Milestone,
    MilestoneStatus,
    Pathway,
    PathwayAssessment,
    Programme,
    RescheduleRequester,
)
from diversion.cases.services.programme import ProgrammeError, complete_needs_milestone
from diversion.lib.concurrency import lock_for_change
from diversion.lib.dates import today
from diversion.lib.history import recorded
from diversion.lib.workflow import transition


class CaseworkError(ProgrammeError):
    """A casework action the rules do not allow, with a message for the user; `field` names
    the form input it belongs beside, when there is one."""


def _lock(
    programme: Programme,
    expected_version: int | str | None,
    *,
    statuses: Collection[str] | None = None,
    doing: str = "",
) -> Programme:
    """Lock the case at the version the form was opened on, then check its status allows
    `doing`. The version is checked first, so a case closed by someone else since the form
    was opened is reported as a change, not as a refusal."""
    current = lock_for_change(programme, expected_version)
    if statuses is not None and current.status not in statuses:
        raise CaseworkError(
            f"The case is {current.get_status_display().lower()}: {doing} is not possible now"
        )
    return current


def _on_or_after(
    day: datetime.date, start: datetime.date | None, *, field: str, what: str, since: str
) -> None:
    if day > today():
        raise CaseworkError(f"The {what} cannot be in the future", field=field)
    if start is not None and day < start:
        raise CaseworkError(
            f"The {what} cannot be before {since} on {date_format(start, 'j F Y')}", field=field
        )


def accepted_on(programme: Programme) -> datetime.date:
    return timezone.localdate(programme.referral.decided_at)


# --- Needs ---------------------------------------------------------------------------------


@transaction.atomic
@recorded
def record_assessment(
    programme: Programme,
    *,
    actor: User,
    stage: str | None,
    scores: Mapping[str, tuple[int | str, str | None]],
    on: datetime.date | None = None,
    expected_version: int | str | None = None,
) -> Programme:
    """Score every pathway 0 (no need) to 4 (severe need), with notes, at entry or exit.

    `scores` maps each Pathway to (score, notes). Recording a stage again replaces it.
    Domain: need is scored at entry and again at exit so the change can be shown; the exit
    assessment follows the contract, so it needs a signed contract and an entry assessment.
    Recording the entry assessment completes the schedule's needs-assessment milestone.
    """
    if stage not in AssessmentStage.values:
        raise CaseworkError("Choose the entry or exit assessment")
    entry = stage == AssessmentStage.ENTRY
    current = _lock(
        programme,
        expected_version,
        statuses=OPEN if entry else RUNNING,
        doing=f"an {stage} needs assessment",
    )
    unknown = set(scores) - set(Pathway.values)
    if unknown:
        raise CaseworkError(f"Unknown pathway: {', '.join(sorted(unknown))}")
    missing = [Pathway(p).label for p in Pathway.values if p not in scores]
    if missing:
        raise CaseworkError(f"Score every pathway: {', '.join(missing)} not scored")
    for pathway, (score, _notes) in scores.items():
        if not PATHWAY_SCORE[0] <= int(score) <= PATHWAY_SCORE[1]:
            raise CaseworkError(
                f"{Pathway(pathway).label}: the score is from 0 to 4", field=f"{pathway}_score"
            )
    on = on or today()
    if entry:
        _on_or_after(
            on,
            accepted_on(current),
            field="assessed_on",
            what="assessment date",
            since="the offer was accepted",
        )
    else:
        if not current.assessments.filter(stage=AssessmentStage.ENTRY).exists():
            raise CaseworkError("Record the entry assessment before the exit assessment")
        _on_or_after(
            on,
            current.signed_on,
            field="assessed_on",
            what="assessment date",
            since="the contract was signed",
        )
    existed = current.assessments.filter(stage=stage).exists()
    PathwayAssessment.objects.bulk_create(
        [
            PathwayAssessment(
                programme=current,
                stage=stage,
                pathway=pathway,
                score=int(score),
                notes=(notes or "").strip(),
                assessed_on=on,
            )
            for pathway, (score, notes) in scores.items()
        ],
        update_conflicts=True,
        unique_fields=["programme", "stage", "pathway"],
        update_fields=["score", "notes", "assessed_on"],
    )
    if entry and current.signed_on:
        complete_needs_milestone(current, max(on, current.signed_on), actor=actor)
    log(
        actor,
        Action.ALTERATION if existed else Action.COLLECTION,
        current,
        detail=f"{stage} needs assessment {'changed' if existed else 'recorded'}",
    )
    return current


# --- The contract's conditions ------------------------------------------------------------
# Signing the contract is programme.sign_contract.


@transaction.atomic
@recorded
def update_condition(
    programme: Programme,
    number: int,
    *,
    actor: User,
    status: str,
    reason: str = "",
    evidence: str = "",
    expected_version: int | str | None = None,
) -> Condition:
    """Record a condition as pending, met, failed or waived, with the evidence.

    A waiver needs its reason (the database refuses one without). A failed condition does
    not end the programme by itself: the caseworker decides on a breach from the Outcome tab.
    """
    current = _lock(
        programme,
        expected_version,
        statuses=RUNNING,
        doing="changing a condition",
    )
    condition = current.conditions.filter(number=number).first()
    if condition is None:
        raise CaseworkError(f"The contract has no condition {number}")
    if status not in ConditionStatus.values:
        raise CaseworkError("Choose the condition's status", field="status")
    reason = reason.strip()
    if status == ConditionStatus.WAIVED and not reason:
        raise CaseworkError("Enter the reason for waiving the condition", field="reason")
    changes = {"status_reason": reason, "evidence": evidence.strip()}
    if status == condition.status:
        # The same result with new evidence or a new reason: not a move.
        for name, value in changes.items():
            setattr(condition, name, value)
        condition.save(update_fields=list(changes))
    else:
        transition(condition, status, actor=actor, reason=reason, **changes)
    log(actor, Action.ALTERATION, current, detail=f"condition {number} marked {status}")
    return condition


# --- Milestones ----------------------------------------------------------------------------


@transaction.atomic
@recorded
def record_milestone(
    programme: Programme,
    milestone: Milestone,
    *,
    actor: User,
    status: str,
    completed_on: datetime.date | None = None,
    reason: str = "",
    expected_version: int | str | None = None,
) -> Milestone:
    """Mark a milestone done (on a date within the contract so far) or missed (with why,
    kept on the milestone; the history keeps who recorded it and when)."""
    current = _lock(
        programme,
        expected_version,
        statuses=RUNNING,
        doing="recording a milestone",
    )
    # Read again under the case's lock, which every change to its milestones takes.
    milestone = current.milestones.filter(pk=milestone.pk).first()
    if milestone is None:
        raise CaseworkError("That milestone belongs to another case")
    if status == MilestoneStatus.DONE:
        if completed_on is None:
            raise CaseworkError("Enter the date it was done", field="completed_on")
        _on_or_after(
            completed_on,
            current.signed_on,
            field="completed_on",
            what="date it was done",
            since="the contract was signed",
        )
        changes: dict[str, Any] = {"completed_on": completed_on, "missed_reason": ""}
    elif status == MilestoneStatus.MISSED:
        reason = reason.strip()
        if not reason:
            raise CaseworkError("Enter why it was missed", field="reason")
        changes = {"completed_on": None, "missed_reason": reason}
    else:
        raise CaseworkError("Choose whether it was done or missed", field="status")
    if status == milestone.status:
        # A correction of the date or the reason: not a move.
        for name, value in changes.items():
            setattr(milestone, name, value)
        milestone.full_clean()
        milestone.save(update_fields=list(changes))
    else:
        transition(milestone, status, actor=actor, reason=reason, **changes)
    log(actor, Action.ALTERATION, current, detail=f"milestone {milestone.code} marked {status}")
    return milestone


# --- Appointments --------------------------------------------------------------------------


def _check_within_contract(programme: Programme, starts_at: datetime.datetime, field: str) -> None:
    """Appointments are part of the contract: from signing to its end date, inclusive."""
    assert programme.signed_on and programme.ends_on  # an active case is signed
    day = timezone.localdate(starts_at)
    if day < programme.signed_on:
        raise CaseworkError(
            "The appointment must be on or after the contract was signed, "
            + date_format(programme.signed_on, "j F Y"),
            field=field,
        )
    if day > programme.ends_on:
        raise CaseworkError(
            "The appointment must be on or before the contract ends, "
            + date_format(programme.ends_on, "j F Y"),
            field=field,
        )


@transaction.atomic
@recorded
def add_appointment(
    programme: Programme,
    *,
    actor: User,
    kind: str,
    starts_at: datetime.datetime,
    notes: str = "",
    expected_version: int | str | None = None,
) -> Appointment:
    current = _lock(
        programme,
        expected_version,
        statuses=RUNNING,
        doing="adding an appointment",
    )
    if kind not in AppointmentKind.values:
        raise CaseworkError("Choose the kind of appointment", field="kind")
    _check_within_contract(current, starts_at, "date")
    appointment = Appointment.objects.create(
        programme=current, kind=kind, starts_at=starts_at, notes=notes.strip()
    )
    log(actor, Action.COLLECTION, current, detail=f"appointment {appointment.pk} added")
    return appointment


def _open_appointment(current: Programme, appointment: Appointment) -> Appointment:
    """The appointment as it is now, read under the case's lock (which every change to the
    case's appointments takes), if it can still be recorded or moved."""
    appointment = current.appointments.filter(pk=appointment.pk).first()
    if appointment is None:
        raise CaseworkError("That appointment belongs to another case")
    if appointment.rescheduled_to_id:
        raise CaseworkError("This appointment was rescheduled: record the new one instead")
    return appointment


@transaction.atomic
@recorded
def record_attendance(
    programme: Programme,
    appointment: Appointment,
    *,
    actor: User,
    took_place: bool,
    attendance: str = "",
    expected_version: int | str | None = None,
) -> Appointment:
    """Whether the appointment took place and, if it did, whether the person attended,
    came late or did not attend. It can be recorded once its time has come."""
    current = _lock(
        programme,
        expected_version,
        statuses=RUNNING,
        doing="recording an appointment",
    )
    appointment = _open_appointment(current, appointment)
    if appointment.starts_at > timezone.now():
        raise CaseworkError(
            "The appointment has not happened yet: record it after it starts", field="took_place"
        )
    if took_place:
        if attendance not in Attendance.values:
            raise CaseworkError(
                "Select whether they attended, were late or did not attend", field="attendance"
            )
    else:
        attendance = ""
    appointment.took_place = bool(took_place)
    appointment.attendance = attendance
    appointment.save(update_fields=["took_place", "attendance"])
    log(
        actor,
        Action.ALTERATION,
        current,
        detail=f"appointment {appointment.pk} recorded",
    )
    return appointment


@transaction.atomic
@recorded
def reschedule_appointment(
    programme: Programme,
    appointment: Appointment,
    *,
    actor: User,
    starts_at: datetime.datetime,
    requested_by: str,
    reason: str,
    expected_version: int | str | None = None,
) -> Appointment:
    """Move an appointment: a new one is made and the old one points to it, keeping who asked
    for the change and why (domain: appointments record reasons for rescheduling)."""
    current = _lock(
        programme,
        expected_version,
        statuses=RUNNING,
        doing="rescheduling an appointment",
    )
    appointment = _open_appointment(current, appointment)
    if appointment.took_place:
        raise CaseworkError("This appointment took place, so it cannot be rescheduled")
    if requested_by not in RescheduleRequester.values:
        raise CaseworkError("Select who asked for the change", field="requested_by")
    reason = reason.strip()
    if not reason:
        raise CaseworkError("Enter why it was rescheduled", field="reason")
    _check_within_contract(current, starts_at, "new_date")
    new = Appointment.objects.create(
        programme=current, kind=appointment.kind, starts_at=starts_at, notes=appointment.notes
    )
    appointment.rescheduled_to = new
    appointment.reschedule_requested_by = requested_by
    appointment.reschedule_reason = reason
    appointment.save(
        update_fields=["rescheduled_to", "reschedule_requested_by", "reschedule_reason"]
    )
    log(
        actor,
        Action.ALTERATION,
        current,
        detail=f"appointment {appointment.pk} rescheduled as {new.pk}",
    )
    return new


# --- Notes ---------------------------------------------------------------------------------


@transaction.atomic
@recorded
def add_note(
    programme: Programme, *, actor: User, text: str, expected_version: int | str | None = None
) -> CaseNote:
    """A case note, on an open or a closed case: news about a case can come after it ends."""
    current = _lock(programme, expected_version)
    text = text.strip()
    if not text:
        raise CaseworkError("Enter the note", field="text")
    note = CaseNote.objects.create(programme=current, author=actor, text=text)
    log(actor, Action.COLLECTION, current, detail=f"case note {note.pk} added")
    return note
