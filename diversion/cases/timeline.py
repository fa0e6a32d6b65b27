"""A case's history read back for people: the case timeline, the referral page's status
history, and what changed since a form was opened.

All of it comes from the change history (lib.history), never from the access log. Each is
built from a fixed number of queries (one per kind of record, and one for the people who
made the changes) merged in Python, so a case with 300 changes costs the same number of
queries as one with three.

The timeline runs in the order things happened. A change is placed at the moment it was
recorded, and an appointment at its time; but what the record dates (a contract's
signing, an outcome, a milestone done, a needs assessment) happened on that day, whenever
it was recorded, so it is a date-only item placed on its day (Item.placed) and says who
recorded it and, if on a later day, when.
"""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.formats import date_format

from diversion.cases.models import (
    AppointmentHistory,
    AssessmentStage,
    CaseNoteHistory,
    Condition,
    ConditionHistory,
    ConditionKind,
    Milestone,
    MilestoneHistory,
    MilestoneStatus,
    PathwayAssessmentHistory,
    Programme,
    ProgrammeHistory,
    ProgrammeStatus,
    Referral,
    ReferralHistory,
)
from diversion.cases.services.programme import SIGNED_REASON
from diversion.lib.history import Change, changes, with_actors
from diversion.lib.workflow import label, moves

# Raised by every change to the case (lib.concurrency); not a change in itself.
BOOKKEEPING = ("version", "updated_at")
REOPENED_FROM = {ProgrammeStatus.COMPLETED, ProgrammeStatus.BREACHED, ProgrammeStatus.WITHDRAWN}


@dataclass
class Item:
    """One thing on the timeline: `at` is when it happened, or for a date-only item the
    start of its day; `by` who did it, or for a date-only item who recorded it, at
    `recorded_at`."""

    at: datetime.datetime
    kind: str
    title: str
    by: object = None
    lines: list = field(default_factory=list)
    conditions: list = field(default_factory=list)
    date_only: bool = False
    recorded_at: datetime.datetime | None = None

    @property
    def placed(self):
        """Where the item sits in time. A date-only item happened on its day no later than
        it was recorded: so at the moment it was recorded if that was on its day, or else
        at the end of its day, after everything timed that day. Date-only items of one day
        recorded later keep the order they were recorded in (sort_key)."""
        if not self.date_only:
            return self.at
        end_of_day = _end_of(timezone.localdate(self.at))
        return min(self.recorded_at, end_of_day) if self.recorded_at else end_of_day

    def sort_key(self):
        return (self.placed, self.recorded_at or self.at)

    @property
    def recorded_later(self):
        """A date-only item recorded after its day: the timeline says when."""
        return (
            self.date_only
            and self.recorded_at is not None
            and timezone.localdate(self.recorded_at) > timezone.localdate(self.at)
        )


def on_day(day, *, recorded_at, **fields):
    """A date-only item: something that happened on `day`, recorded at `recorded_at`."""
    return Item(at=_start_of(day), date_only=True, recorded_at=recorded_at, **fields)


def _start_of(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _end_of(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.max))


def _day(value):
    return date_format(value, "j F Y")


def _when(value):
    return date_format(timezone.localtime(value), "j F Y, H:i")


def _choice(choices, value):
    """The words for a recorded choice other than a status (a condition's kind, say)."""
    return choices(value).label if value in choices.values else value


# --- The referral's status history ---------------------------------------------------------


def referral_moves(referral):
    """The referral's status moves, oldest first, each with `from_status`, `to_status`,
    `actor`, `at` and `reason` (two queries)."""
    found = moves(changes(ReferralHistory.objects.filter(pgh_obj=referral)))
    with_actors(found)
    for move in found:
        move.from_label = label(Referral, move.from_status) if move.from_status else ""
        move.to_label = label(Referral, move.to_status)
    return found


# --- The case's changes --------------------------------------------------------------------


def _case_changes(programme):
    """The changes to the case itself and to its conditions, milestones and needs
    assessments (four queries)."""
    return (
        changes(ProgrammeHistory.objects.filter(pgh_obj=programme), ignore=BOOKKEEPING),
        changes(ConditionHistory.objects.filter(programme=programme)),
        changes(MilestoneHistory.objects.filter(programme=programme)),
        changes(PathwayAssessmentHistory.objects.filter(programme=programme)),
    )


def late_entry_line(recorded_at, reason):
    """When an event dated earlier (an answer, a signing) was recorded, and why so late."""
    return f"Recorded late, on {_day(timezone.localdate(recorded_at))}: {reason}"


def _programme_items(found, conditions, referral):
    for change in found:
        if change.kind == "insert":
            lines = ["The offer was accepted and the case joined the unassigned queue."]
            if referral.decision_late_reason:
                accepted_on = _day(timezone.localdate(referral.decided_at))
                lines.append(f"The person accepted on {accepted_on}.")
                lines.append(
                    late_entry_line(referral.decision_recorded_at, referral.decision_late_reason)
                )
            yield Item(
                at=change.at, kind="status", title="Case opened", by=change.actor, lines=lines
            )
            continue
        if change.moved("status"):
            yield _status_item(change, conditions)
        if change.moved("caseworker_id"):
            yield _allocation_item(change)


def _status_item(change, conditions):
    """A status move: on the day the record gives it (a contract's signing, an outcome),
    or else when it was made (a reopening)."""
    before, after = change.before["status"], change.after["status"]
    signing = before == ProgrammeStatus.AWAITING_CONTRACT and after == ProgrammeStatus.ACTIVE
    day = change.after["signed_on"] if signing else change.after["outcome_on"]
    fields = {"kind": "status", "title": "", "by": change.actor}
    item = on_day(day, recorded_at=change.at, **fields) if day else Item(at=change.at, **fields)
    if signing:
        # Signing is the only way from awaiting a contract to active.
        item.title = "Contract signed"
        signed_on, ends_on = change.after["signed_on"], change.after["ends_on"]
        if signed_on:
            item.lines.append(f"Signed on {_day(signed_on)}; it ends on {_day(ends_on)}.")
        if change.after["signing_late_reason"]:
            item.lines.append(
                late_entry_line(
                    change.after["signing_recorded_at"], change.after["signing_late_reason"]
                )
            )
        item.conditions = conditions
    else:
        item.title = "Reopened" if before in REOPENED_FROM else label(Programme, after)
        item.lines.append(
            f"From {label(Programme, before).lower()} to {label(Programme, after).lower()}."
        )
    if change.reason and change.reason != SIGNED_REASON:
        item.lines.append(change.reason)
    return item


def _allocation_title(change, users):
    to, before = change.after["caseworker_id"], change.before["caseworker_id"]
    if to is None:
        return f"Taken from {users.get(before, 'a caseworker')}: back to the unassigned queue"
    if before is None and change.user_id == to:
        return f"Taken by {users.get(to)}"
    if before is None:
        return f"Given to {users.get(to)}"
    return f"Moved from {users.get(before)} to {users.get(to)}"


def _allocation_item(change):
    lines = [change.reason] if change.reason else []
    title = _allocation_title(change, change.users)
    return Item(at=change.at, kind="allocation", title=title, by=change.actor, lines=lines)


def _condition_items(found):
    """A condition's result recorded or changed (conditions agreed at signing are listed
    with the contract)."""
    for change in found:
        if change.kind != "update" or not change.moved("status"):
            continue
        after = change.after
        kind = _choice(ConditionKind, after["kind"]).lower()
        lines = [
            f"From {label(Condition, change.before['status']).lower()} "
            f"to {label(Condition, after['status']).lower()}."
        ]
        if after["status_reason"]:
            lines.append(after["status_reason"])
        if after["evidence"]:
            lines.append(f"Evidence: {after['evidence']}")
        yield Item(
            at=change.at,
            kind="condition",
            title=f"Condition {after['number']} ({kind}): "
            f"{label(Condition, after['status']).lower()}",
            by=change.actor,
            lines=lines,
        )


def _milestone_items(found):
    """A milestone marked done or missed (milestones scheduled at signing are on the
    contract tab)."""
    for change in found:
        if change.kind != "update" or not change.moved("status"):
            continue
        after = change.after
        status = label(Milestone, after["status"])
        lines = [
            f"From {label(Milestone, change.before['status']).lower()} "
            f"to {status.lower()}. It was due on {_day(after['due_on'])}."
        ]
        title = f"{after['label']} {status.lower()}"
        fields = {"kind": "milestone", "title": title, "by": change.actor, "lines": lines}
        if after["status"] == MilestoneStatus.DONE:
            lines.append(f"Done on {_day(after['completed_on'])}.")
            # Done on its day, whenever that was recorded.
            yield on_day(after["completed_on"], recorded_at=change.at, **fields)
            continue
        if after["missed_reason"]:
            lines.append(after["missed_reason"])
        yield Item(at=change.at, **fields)


def _resolve(groups):
    """The people who made the changes, and the caseworkers the case's changes name, in one
    query. `groups[0]` are the changes to the case itself."""
    named = {
        change.after["caseworker_id"] if side else change.before["caseworker_id"]
        for change in groups[0]
        if change.kind == "update" and change.moved("caseworker_id")
        for side in (0, 1)
    }
    users = with_actors([change for group in groups for change in group], also=named)
    for change in groups[0]:
        change.users = users


# --- The timeline --------------------------------------------------------------------------


def case_timeline(programme, *, milestones, conditions):
    """The case's history, newest first, in the order things happened (Item.placed).
    `milestones` and `conditions` are the case's rows, which the case page has already
    fetched for its tables."""
    groups = _case_changes(programme)
    programme_changes, condition_changes, milestone_changes, assessment_changes = groups
    _resolve(groups)
    items = [
        *_programme_items(programme_changes, conditions, programme.referral),
        *_condition_items(condition_changes),
        *_milestone_items(milestone_changes),
        *_appointment_items(programme),
        *_note_items(programme),
        *_assessment_items(assessment_changes),
    ]
    # Newest first; Python's sort is stable, so items that tie keep the order above.
    return sorted(items, key=Item.sort_key, reverse=True)


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


def _assessment_items(found):
    """Each stage's needs assessment as it stands, from its history: on its assessment
    date, recorded by whoever last recorded it (recording a stage again replaces it)."""
    latest: dict[object, Change] = {}
    for change in found:
        if change.kind == "delete":
            latest.pop(change.record_id, None)
        else:
            latest[change.record_id] = change
    stages: dict[str, list] = {}
    for change in latest.values():
        stages.setdefault(change.after["stage"], []).append(change)
    for stage, rows in stages.items():
        average = sum(row.after["score"] for row in rows) / len(rows)
        last = max(rows, key=lambda row: row.at)
        yield on_day(
            max(row.after["assessed_on"] for row in rows),
            recorded_at=last.at,
            by=last.actor,
            kind="assessment",
            title=f"{_choice(AssessmentStage, stage)} needs assessment",
            lines=[f"Average need {average:.1f} out of 4 across {len(rows)} pathways."],
        )


# --- What changed since a form was opened --------------------------------------------------


@dataclass
class Changed:
    at: datetime.datetime
    actor: object
    detail: str


def _describe_programme(change):
    if change.kind == "insert":
        yield "case opened"
    if change.kind != "update":
        return
    if change.moved("status"):
        before, after = change.before["status"], change.after["status"]
        if before == ProgrammeStatus.AWAITING_CONTRACT and after == ProgrammeStatus.ACTIVE:
            yield "contract signed"
            return
        yield (
            f"status changed from {label(Programme, before).lower()} "
            f"to {label(Programme, after).lower()}"
        )
    if change.moved("caseworker_id"):
        title = _allocation_title(change, change.users)
        yield title[0].lower() + title[1:]


def _describe_condition(change):
    # Conditions agreed at signing come with "contract signed".
    number = change.after["number"]
    if change.kind == "update" and change.moved("status"):
        yield f"condition {number} marked {label(Condition, change.after['status']).lower()}"
    elif change.kind == "update":
        yield f"condition {number} evidence or reason changed"


def _describe_milestone(change):
    if change.kind == "update":
        status = label(Milestone, change.after["status"]).lower()
        yield f"{change.after['label']} marked {status}"


def _describe_appointment(change):
    if change.kind == "insert":
        yield "appointment added"
    elif change.kind == "update" and change.moved("rescheduled_to_id"):
        yield "appointment rescheduled"
    elif change.kind == "update":
        yield "appointment attendance recorded"


def _describe_assessment(change):
    stage = _choice(AssessmentStage, change.after["stage"]).lower()
    yield f"{stage} needs assessment {'recorded' if change.kind == 'insert' else 'changed'}"


def _describe_note(change):
    if change.kind == "insert":
        yield "case note added"


def changes_since(programme, seen_version):
    """What was saved to the case after the version a form was opened on, oldest first,
    with who and when: for a user whose form is out of date (lib.concurrency.StaleEdit).

    The case's history records each version the case reached, so the changes are those
    recorded from the moment it left `seen_version`. Seven queries, whatever the case's
    size."""
    if seen_version is None:
        return []
    programme_rows = list(ProgrammeHistory.objects.filter(pgh_obj=programme))
    left_at = min(
        (row.pgh_created_at for row in programme_rows if row.version > int(seen_version)),
        default=None,
    )
    if left_at is None:
        return []
    sources = [
        (changes(programme_rows, ignore=BOOKKEEPING), _describe_programme),
        (changes(ConditionHistory.objects.filter(programme=programme)), _describe_condition),
        (changes(MilestoneHistory.objects.filter(programme=programme)), _describe_milestone),
        (changes(AppointmentHistory.objects.filter(programme=programme)), _describe_appointment),
        (
            changes(PathwayAssessmentHistory.objects.filter(programme=programme)),
            _describe_assessment,
        ),
        (changes(CaseNoteHistory.objects.filter(programme=programme)), _describe_note),
    ]
    _resolve([found for found, _describe in sources])
    listed, seen = [], set()
    for found, describe in sources:
        for change in found:
            if change.at < left_at:
                continue
            for detail in describe(change):
                # One line for a change made to several rows at once (an assessment's
                # pathways, a contract's conditions).
                key = (change.context_id or change.at, detail)
                if key not in seen:
                    seen.add(key)
                    listed.append(Changed(at=change.at, actor=change.actor, detail=detail))
    return sorted(listed, key=lambda c: c.at)
