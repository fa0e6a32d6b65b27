"""A person's record read back from its change history (lib.history): when it was added,
each correction and merge, with who, when, what changed from what to what, and why.

The person page lists it, with the history of every record merged into the person, and a
correction opened before someone else's change lists what that change was."""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.formats import date_format
from django.utils.text import capfirst

from diversion.lib.history import Change, changes, with_actors
from diversion.people.forms import DETAILS
from diversion.people.models import Person, PersonHistory

NOT_RECORDED = "None recorded"


@dataclass
class Line:
    """One detail changed: its label, and the value before and after, in words."""

    label: str
    before: str
    after: str


@dataclass
class Entry:
    """One change to one person's record."""

    record: Person
    title: str
    at: datetime.datetime
    actor: Any
    reason: str
    version: int
    lines: list[Line] = field(default_factory=list)


def person_history(person: Person) -> list[Entry]:
    """The changes to the person's record and to every record merged into it, newest
    first (two queries)."""
    # The keys first: an OR across the join would read the whole history table.
    rows = PersonHistory.objects.filter(pgh_obj__in=person.records()).select_related("pgh_obj")
    # Sorted oldest first, then turned round: changes at the same moment stay in the order
    # they were made, and so come newest first too.
    return sorted(_entries(rows, person), key=lambda e: e.at)[::-1]


def changes_since(person: Person, seen_version: int) -> list[Entry]:
    """What was saved to the person's record after the version a form was opened on,
    oldest first: for someone whose form is out of date (lib.concurrency.StaleEdit)."""
    # Read whole: each change is told from the copy before it.
    return _entries(PersonHistory.objects.filter(pgh_obj=person), person, since=seen_version)


def _entries(rows: Any, person: Person, since: int = 0) -> list[Entry]:
    rows = list(rows)
    # The person's own rows name them; a merged record's rows were read with their record.
    records = {
        row.pgh_obj_id: person if row.pgh_obj_id == person.pk else row.pgh_obj for row in rows
    }
    found = [
        change
        for change in changes(rows)
        if change.after["version"] > since and (change.kind != "update" or _shown(change))
    ]
    with_actors(found)
    return [
        Entry(
            record=records[change.record_id],
            title=_title(change, person),
            at=change.at,
            actor=change.actor,
            reason=change.reason,
            version=change.after["version"],
            lines=_lines(change) if change.kind == "update" else [],
        )
        for change in found
    ]


def _shown(change: Change) -> bool:
    """Whether the change is to a detail or a merge, not only to bookkeeping (the version)."""
    return any(change.moved(name) for name in (*DETAILS, "merged_into_id"))


def _title(change: Change, person: Person) -> str:
    if change.kind == "insert":
        return "Record added"
    if change.moved("merged_into_id"):
        into = change.after["merged_into_id"]
        return "Merged into this record" if into == person.pk else "Merged into another record"
    return "Details changed"


def _lines(change: Change) -> list[Line]:
    assert change.before is not None  # an update has the copy before it
    return [
        Line(
            label=str(capfirst(_field(name).verbose_name)),
            before=_words(name, change.before[name]),
            after=_words(name, change.after[name]),
        )
        for name in DETAILS
        if change.moved(name)
    ]


def _words(name: str, value: Any) -> str:
    """A detail's value as the person page shows it."""
    if value in (None, ""):
        return NOT_RECORDED
    choices = dict(_field(name).choices or ())
    if value in choices:
        return f"{choices[value]} ({value})"
    if isinstance(value, datetime.date):
        return date_format(value, "j F Y")
    return str(value)


def _field(name: str) -> "models.Field[Any, Any]":
    found = Person._meta.get_field(name)
    assert isinstance(found, models.Field)
    return found
