"""The case timeline: everything that happened on a case, newest first.

Built from a fixed number of queries (one per kind of record) merged in Python, so a case
with 300 notes costs the same number of queries as one with three (style habit 5).

Things recorded with a timestamp (status moves, allocations, notes) are placed at that
moment. Appointments are placed at their time, milestones on the day they were done (or,
if missed, their due date) and needs assessments on their assessment date: those records
keep no time of recording, so they sit at the start of their day.
"""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.formats import date_format

from diversion.audit.models import AccessLogEntry, Action
from diversion.cases.models import (
    CLOSED,
    AssessmentStage,
    MilestoneStatus,
    Programme,
    ProgrammeStatus,
)
from diversion.lib.workflow import label


@dataclass
class Item:
    at: datetime.datetime
    kind: str
    title: str
    by: object = None
    lines: list = field(default_factory=list)
    conditions: list = field(default_factory=list)
    date_only: bool = False


def _start_of(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _day(value):
    return date_format(value, "j F Y")


def _when(value):
    return date_format(timezone.localtime(value), "j F Y, H:i")


def case_timeline(programme, *, milestones, conditions):
    """The case's history, newest first. `milestones` and `conditions` are the case's rows,
    which the case page has already fetched for its tables."""
    items = [
        *_status_items(programme, conditions),
        *_allocation_items(programme),
        *_appointment_items(programme),
        *_note_items(programme),
        *_milestone_items(milestones),
        *_assessment_items(programme),
    ]
    # Newest first; Python's sort is stable, so same-moment items keep the order above.
    return sorted(items, key=lambda item: item.at, reverse=True)


def _status_items(programme, conditions):
    for event in programme.events.select_related("actor"):
        item = Item(at=event.at, kind="status", title="", by=event.actor)
        if not event.from_status:
            item.title = "Case opened"
            item.lines.append("The offer was accepted and the case joined the unassigned queue.")
        elif (
            event.from_status == ProgrammeStatus.AWAITING_CONTRACT
            and event.to_status == ProgrammeStatus.ACTIVE
        ):
            # Signing is the only way from awaiting a contract to active.
            item.title = "Contract signed"
            if programme.signed_on:
                item.lines.append(
                    f"Signed on {_day(programme.signed_on)}; it ends on {_day(programme.ends_on)}."
                )
            item.conditions = conditions
        else:
            reopened = event.from_status in CLOSED
            item.title = "Reopened" if reopened else label(programme, event.to_status)
            item.lines.append(
                f"From {label(programme, event.from_status).lower()} "
                f"to {label(programme, event.to_status).lower()}."
            )
        if event.reason and event.reason != "Contract signed":
            item.lines.append(event.reason)
        yield item


def _allocation_items(programme):
    allocations = programme.allocations.select_related("caseworker", "previous_caseworker", "by")
    for allocation in allocations:
        to, before = allocation.caseworker, allocation.previous_caseworker
        if to is None:
            title = f"Taken from {before}: back to the unassigned queue"
        elif before is None and allocation.by_id == to.pk:
            title = f"Taken by {to}"
        elif before is None:
            title = f"Given to {to}"
        else:
            title = f"Moved from {before} to {to}"
        lines = [allocation.reason] if allocation.reason else []
        yield Item(at=allocation.at, kind="allocation", title=title, by=allocation.by, lines=lines)


def _appointment_items(programme):
    appointments = list(programme.appointments.all())
    by_pk = {a.pk: a for a in appointments}
    now = timezone.now()
    for appointment in appointments:
        kind = appointment.get_kind_display()
        lines = []
        if appointment.rescheduled_to_id:
            new = by_pk[appointment.rescheduled_to_id]
            title = f"{kind} appointment rescheduled"
            lines.append(
                f"Moved to {_when(new.starts_at)} at the request of "
                f"{appointment.get_reschedule_requested_by_display().lower()}: "
                f"{appointment.reschedule_reason}"
            )
        elif appointment.took_place:
            title = f"{kind} appointment: {appointment.get_attendance_display().lower()}"
        elif appointment.took_place is False:
            title = f"{kind} appointment did not take place"
        elif appointment.starts_at > now:
            title = f"{kind} appointment scheduled"
        else:
            title = f"{kind} appointment: attendance not recorded yet"
        if appointment.notes:
            lines.append(appointment.notes)
        yield Item(at=appointment.starts_at, kind="appointment", title=title, lines=lines)


def _note_items(programme):
    for note in programme.notes.select_related("author"):
        yield Item(at=note.at, kind="note", title="Case note", by=note.author, lines=[note.text])


def _milestone_items(milestones):
    for milestone in milestones:
        if milestone.status == MilestoneStatus.DONE:
            yield Item(
                at=_start_of(milestone.completed_on),
                kind="milestone",
                title=f"{milestone.label} done",
                lines=[f"It was due on {_day(milestone.due_on)}."],
                date_only=True,
            )
        elif milestone.status == MilestoneStatus.MISSED:
            yield Item(
                at=_start_of(milestone.due_on),
                kind="milestone",
                title=f"{milestone.label} missed",
                lines=["It was due on this day. Why it was missed is in the case notes."],
                date_only=True,
            )


def _assessment_items(programme):
    stages = {}
    for row in programme.assessments.all():
        stages.setdefault(row.stage, []).append(row)
    for stage, rows in stages.items():
        average = sum(r.score for r in rows) / len(rows)
        yield Item(
            at=_start_of(max(r.assessed_on for r in rows)),
            kind="assessment",
            title=f"{AssessmentStage(stage).label} needs assessment",
            lines=[f"Average need {average:.1f} out of 4 across {len(rows)} pathways."],
            date_only=True,
        )


def changes_since(programme, since):
    """Changes saved to the case after `since`, with who and when, for a user whose form is
    out of date. Read from the access log, where every casework write and status change is
    recorded at the moment it was saved (the timeline places some things by the day they
    happened, which can be earlier than when they were recorded)."""
    if since is None:
        return []
    return list(
        AccessLogEntry.objects.filter(
            record_type=Programme._meta.label_lower,
            record_id=programme.pk,
            action__in=[Action.COLLECTION, Action.ALTERATION],
            at__gt=since,
        )
        .select_related("actor")
        .order_by("at", "pk")
    )
