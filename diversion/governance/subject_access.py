"""Subject access (DPA 2018 s45): everything the service holds on one person, gathered once
for both the printable page and the file, and its disclosure logged (DPA 2018 s62).

"Everything" is their record and any merged into it, their later offences, referrals,
programmes with each programme's conditions, milestones, appointments, pathway assessments,
case notes and returns for prosecution, the unfinished referrals that name them, the change
history of each (lib.history), and who saw or received them (the access log,
governance.records.log_entries_about).

Each record is read field by field from its model, so a field added to a model later is
in the answer without anyone remembering to add it here; only bookkeeping (the key, the
edit version, the matching keys and tokens the service derives) is left out.

It costs a fixed number of queries, whatever the number of records: one per kind of
record, one per kind of history, one for the access log and one per kind of record the
others name (staff, offence types, custody suites, policy versions).
"""

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst

from diversion.accounts.models import User
from diversion.audit.models import Action
from diversion.audit.services import log_many
from diversion.cases.models import (
    Appointment,
    AppointmentHistory,
    CaseNote,
    CaseNoteHistory,
    Condition,
    ConditionHistory,
    Milestone,
    MilestoneHistory,
    PathwayAssessment,
    PathwayAssessmentHistory,
    Programme,
    ProgrammeHistory,
    ProsecutionReturn,
    ProsecutionReturnHistory,
    Referral,
    ReferralDraft,
    ReferralHistory,
)
from diversion.governance.records import PERSON_RECORDS, log_entries_about
from diversion.lib.history import Change, changes, tracked_fields
from diversion.people.models import LaterOffence, LaterOffenceHistory, Person, PersonHistory
from diversion.reporting.exports import moment_text

# Who answers a subject access request: a manager from the person's page, an auditor (the
# data-protection officer) from their search; neither needs to reach the person otherwise.
REASON = "Subject access request (DPA 2018 s45)"
NOT_RECORDED = "None recorded"
# Not personal data but the service's bookkeeping: a record's key (its title names it) and
# the version that guards against two people editing at once.
BOOKKEEPING = {"id", "version"}

# The history of each kind of record that has one (a draft has none: cases.models.draft).
HISTORIES: dict[type[models.Model], Any] = {
    Person: PersonHistory,
    LaterOffence: LaterOffenceHistory,
    Referral: ReferralHistory,
    Programme: ProgrammeHistory,
    Condition: ConditionHistory,
    Milestone: MilestoneHistory,
    Appointment: AppointmentHistory,
    PathwayAssessment: PathwayAssessmentHistory,
    CaseNote: CaseNoteHistory,
    ProsecutionReturn: ProsecutionReturnHistory,
}
# The records of a programme, each with its section's title, in the order a case runs.
CASE_RECORDS: list[tuple[type[models.Model], str]] = [
    (Condition, "Contract conditions"),
    (Milestone, "Milestones"),
    (Appointment, "Appointments"),
    (PathwayAssessment, "Pathway assessments"),
    (CaseNote, "Case notes"),
    (ProsecutionReturn, "Returns for prosecution"),
]


@dataclass
class Request:
    """The request being answered, as the form took it, and who produced the answer when."""

    recipient: str
    reference: str
    received_on: datetime.date
    produced_by: User
    produced_at: datetime.datetime


@dataclass
class Line:
    """One detail of a record: its label and value in words."""

    label: str
    value: str


@dataclass
class Changed:
    """One detail changed: its label, and the value before and after, in words."""

    label: str
    before: str
    after: str


@dataclass
class Entry:
    """One change to a record: who, when, why and what changed from what to what."""

    what: str
    at: datetime.datetime
    by: str
    reason: str
    lines: list[Changed] = field(default_factory=list)


@dataclass
class Record:
    title: str
    details: list[Line]
    history: list[Entry]


@dataclass
class Section:
    title: str
    records: list[Record]


@dataclass
class Seen:
    """One access log entry about the person: who did what to which record, when."""

    at: datetime.datetime
    staff: str
    action: str
    record: str
    detail: str
    reason: str
    recipient: str


@dataclass
class SubjectAccess:
    person: Person
    sections: list[Section]
    seen: list[Seen]
    # The records the disclosure is logged on: every record included of the kinds the
    # access log names (governance.records.PERSON_RECORDS). A programme's conditions, notes
    # and the rest are logged on the programme, as every other page of the service does.
    records: list[models.Model]


def collect(person: Person) -> SubjectAccess:
    """Everything held on `person` (see the module's docstring)."""
    theirs = person.records()
    people = sorted(theirs, key=lambda p: (p.pk != person.pk, p.pk))
    offences = list(PERSON_RECORDS[LaterOffence](theirs).select_related("offence_type"))
    referrals = list(PERSON_RECORDS[Referral](theirs).order_by("created_at", "pk"))
    programmes = list(PERSON_RECORDS[Programme](theirs).order_by("referral"))
    drafts = list(PERSON_RECORDS[ReferralDraft](theirs).order_by("created_at", "pk"))
    references = {r.pk: r.reference for r in referrals}
    of_case = {p.pk: references[p.referral_id] for p in programmes}
    case_records = {
        model: list(
            PERSON_RECORDS[model](theirs)
            if model in PERSON_RECORDS
            else model._default_manager.filter(programme__in=programmes)
        )
        for model, _ in CASE_RECORDS
    }

    def case_title(record: Any) -> str:
        return f"{of_case[record.programme_id]}: {_case_record_title(record)}"

    held: list[tuple[str, list[Any], Callable[[Any], str]]] = [
        ("Their record", people, lambda p: _person_title(p, person)),
        ("Later offences", offences, str),
        ("Referrals", referrals, lambda r: r.reference),
        ("Programmes", programmes, lambda p: f"Programme for {references[p.referral_id]}"),
        *((title, case_records[model], case_title) for model, title in CASE_RECORDS),
        ("Unfinished referrals", drafts, _draft_title),
    ]
    titles = {(type(r), r.pk): title(r) for _, records, title in held for r in records}
    ids: dict[type[models.Model], list[Any]] = defaultdict(list)
    for model, pk in titles:
        ids[model].append(pk)
    # An update of bookkeeping only (a version raised, the matching keys) is no change.
    found = {
        model: changes(
            history.objects.filter(pgh_obj_id__in=ids[model]),
            ignore=set(tracked_fields(history)) - {f.attname for f in _shown(model)},
        )
        for model, history in HISTORIES.items()
        if ids[model]
    }
    entries = list(log_entries_about(person).select_related("actor"))
    names = _names(titles, held, found)
    by_record: dict[tuple[type, Any], list[Change]] = defaultdict(list)
    for model, model_changes in found.items():
        for change in model_changes:
            by_record[(model, change.record_id)].append(change)
    sections = [
        Section(
            title,
            [
                Record(
                    title=titles[(type(r), r.pk)],
                    details=_details(r, names),
                    history=[
                        _entry(type(r), c, names) for c in reversed(by_record[(type(r), r.pk)])
                    ],
                )
                for r in records
            ],
        )
        for title, records, _ in held
    ]
    labels = {(m._meta.label_lower, pk): title for (m, pk), title in titles.items()}
    seen = [
        Seen(
            at=e.at,
            staff=str(e.actor),
            action=e.get_action_display(),
            record=labels.get((e.record_type, e.record_id), f"{e.record_type} {e.record_id}"),
            detail=e.detail,
            reason=e.reason,
            recipient=e.recipient,
        )
        for e in entries
    ]
    return SubjectAccess(
        person=person,
        sections=sections,
        seen=seen,
        records=[r for _, records, _ in held for r in records if type(r) in PERSON_RECORDS],
    )


def log_disclosure(access: SubjectAccess, request: Request, *, produced: str) -> None:
    """DPA 2018 s62: a disclosure is logged, with its recipient; here one entry for each
    record included (SubjectAccess.records), in one insert."""
    received = date_format(request.received_on, "j F Y")
    log_many(
        request.produced_by,
        Action.DISCLOSURE,
        access.records,
        detail=f"subject access request {request.reference} (received {received}): {produced}",
        reason=REASON,
        recipient=request.recipient,
    )


def as_document(access: SubjectAccess, request: Request) -> dict[str, Any]:
    """The same as the page shows, as a JSON document with readable keys: for a
    data-protection officer to keep, redact or send on."""
    return {
        "subject access request": {
            "reference": request.reference,
            "received on": request.received_on.isoformat(),
            "recipient": request.recipient,
            "produced by": str(request.produced_by),
            "produced at": timezone.localtime(request.produced_at).isoformat(),
            "law": "Data Protection Act 2018, section 45",
        },
        "person": str(access.person),
        "records": {
            section.title: [
                {
                    "title": record.title,
                    "details": {line.label: line.value for line in record.details},
                    "history": [
                        {
                            "what": entry.what,
                            "when": timezone.localtime(entry.at).isoformat(),
                            "by": entry.by,
                            "why": entry.reason,
                            "changes": [
                                {"detail": c.label, "from": c.before, "to": c.after}
                                for c in entry.lines
                            ],
                        }
                        for entry in record.history
                    ],
                }
                for record in section.records
            ]
            for section in access.sections
        },
        "who saw or received these records": [
            {
                "when": timezone.localtime(seen.at).isoformat(),
                "staff member": seen.staff,
                "action": seen.action,
                "record": seen.record,
                "detail": seen.detail,
                "reason": seen.reason,
                "recipient": seen.recipient,
            }
            for seen in access.seen
        ],
    }


# --- Titles --------------------------------------------------------------------------------


def _person_title(record: Person, person: Person) -> str:
    if record.pk == person.pk:
        return f"{record} (record {record.pk})"
    return f"{record} (record {record.pk}, merged into theirs)"


def _case_record_title(record: Any) -> str:
    if isinstance(record, Condition):
        return f"condition {record.number}"
    if isinstance(record, CaseNote):
        return f"note of {moment_text(record.at)}"
    if isinstance(record, ProsecutionReturn):
        return f"returned for prosecution on {date_format(record.returned_on, 'j F Y')}"
    return str(record)


def _draft_title(draft: ReferralDraft) -> str:
    return f"Unfinished referral started {moment_text(draft.created_at)}"


# --- Details and changes in words ----------------------------------------------------------


def _shown(model: type[models.Model]) -> list[models.Field]:
    """The fields of `model` that hold what was recorded: those a person enters or the
    service decides, not the keys and tokens it derives (not editable) or its bookkeeping."""
    return [f for f in model._meta.concrete_fields if f.editable and f.name not in BOOKKEEPING]


def _label(f: models.Field) -> str:
    return str(capfirst(f.verbose_name))


def _details(record: models.Model, names: dict[type, dict[Any, str]]) -> list[Line]:
    """Each detail recorded, in words; those left empty are left out."""
    return [
        Line(_label(f), _words(f, value, names))
        for f in _shown(type(record))
        if not _empty(value := getattr(record, f.attname))
    ]


def _entry(model: type[models.Model], change: Change, names: dict[type, dict[Any, str]]) -> Entry:
    what = {"insert": "Added", "update": "Changed", "delete": "Deleted"}.get(change.kind, "")
    lines = []
    if change.kind == "update":
        assert change.before is not None  # an update has the copy before it
        lines = [
            Changed(
                _label(f),
                _words(f, change.before[f.attname], names),
                _words(f, change.after[f.attname], names),
            )
            for f in _shown(model)
            if change.moved(f.attname)
        ]
    by = names[User].get(change.user_id) if change.user_id is not None else None
    return Entry(
        what=what,
        at=change.at,
        by=by or "someone outside the service",
        reason=change.reason,
        lines=lines,
    )


def _names(
    titles: dict[tuple[type, Any], str],
    held: Iterable[tuple[str, list[Any], Any]],
    found: dict[type[models.Model], list[Change]],
) -> dict[type, dict[Any, str]]:
    """The words for every record the records and their changes name (a caseworker, an
    offence type, a record merged into another): those held by their titles, the rest read
    with one query for each kind."""
    names: dict[type, dict[Any, str]] = defaultdict(dict)
    for (model, pk), title in titles.items():
        names[model][pk] = title
    wanted: dict[type, set[Any]] = defaultdict(set)

    def want(model: type[models.Model], values: Iterable[dict[str, Any]]) -> None:
        for f in _shown(model):
            # A model once loaded ("self" is resolved to the class).
            if f.is_relation and isinstance(f.related_model, type):
                wanted[f.related_model] |= {v[f.attname] for v in values} - {None}

    for _, records, _ in held:
        for record in records:
            want(
                type(record),
                [{f.attname: getattr(record, f.attname) for f in _shown(type(record))}],
            )
    for model, model_changes in found.items():
        want(
            model, [c.after for c in model_changes] + [c.before for c in model_changes if c.before]
        )
        wanted[User] |= {c.user_id for c in model_changes} - {None}
    for model, ids in wanted.items():
        missing = ids - names[model].keys()
        if missing:
            found_records = model._default_manager.in_bulk(missing)  # type: ignore[attr-defined]
            names[model] |= {pk: str(r) for pk, r in found_records.items()}
    names.setdefault(User, {})
    return names


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _words(f: Any, value: Any, names: dict[type, dict[Any, str]]) -> str:
    """A recorded value as a person reads it: a choice by its label, a date in words,
    another record by its name."""
    if _empty(value):
        return NOT_RECORDED
    if f.is_relation:
        return names.get(f.related_model, {}).get(value, f"record {value}")
    if isinstance(f, ArrayField):
        return ", ".join(_words(f.base_field, item, names) for item in value)
    choices = dict(f.flatchoices or ())
    if not isinstance(value, list | dict) and value in choices:
        return str(choices[value])
    return _plain(value)


def _plain(value: Any) -> str:
    """A value with no field to explain it: inside structured data (the eligibility rules
    checked, a draft's answers)."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime.datetime):
        return moment_text(value)
    if isinstance(value, datetime.date):
        return date_format(value, "j F Y")
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_plain(item)}" for key, item in value.items())
    if isinstance(value, list):
        # Records in a list (each rule checked) are read one to a line.
        joiner = "\n" if any(isinstance(item, dict | list) for item in value) else ", "
        return joiner.join(_plain(item) for item in value)
    if value is None:
        return NOT_RECORDED
    return str(value)
