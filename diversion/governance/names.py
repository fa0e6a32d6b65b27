"""The access log's records named as people read them ("Case CP-000191 of Jane Smith"),
for the auditor's pages and exports.

The log holds a record's type and number only (audit.models.AccessLogEntry), so each page
names its rows in one query per kind of record on it, never one per row. A name says what
the record is and whom it is about, and nothing of its contents: auditors may see who a
record is about, not the case file.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db.models import Model
from django.utils.html import format_html
from django.utils.safestring import SafeString

from diversion.accounts.models import User
from diversion.audit.models import AccessLogEntry
from diversion.cases.models import Programme, ProsecutionReturn, Referral, ReferralDraft
from diversion.lib.text import isolated
from diversion.people.models import LaterOffence, Person

# The person's name, and no more of them, for each kind of record about a person.
PERSON_NAME = ("given_names", "family_name")


@dataclass(frozen=True)
class RecordName:
    """A record as the auditor reads it: what it is, and whom it is about (if anyone)."""

    record: str
    person: str = ""
    # The record named, when it is about a person: naming it shows whom it is about, which
    # is a consultation of it (DPA 2018 s62).
    source: Model | None = field(default=None, compare=False, repr=False)

    def __str__(self) -> str:
        return f"{self.record} of {self.person}" if self.person else self.record

    def html(self) -> SafeString:
        """The name for a page, the person's name isolated from the text around it."""
        if not self.person:
            return format_html("{}", self.record)
        return format_html("{} of {}", self.record, isolated(self.person))


def _named(
    model: type[Model], person: str, describe: Callable[[Any], str], *fields: str
) -> Callable[[list[int]], dict[int, RecordName]]:
    """A namer of `model`'s records, reading only `fields` and the person's name: `describe`
    says what each is, and the person is found at `person` (a path from the record such as
    "referral.person", "" for a person record itself)."""
    steps = person.split(".") if person else []
    # Every relation on the way to the person, joined in the one query.
    joins = ["__".join(steps[: n + 1]) for n in range(len(steps))]
    name_fields = ["__".join([*steps, field]) for field in PERSON_NAME]

    def name(ids: list[int]) -> dict[int, RecordName]:
        records = model._default_manager.filter(pk__in=ids)
        if joins:
            records = records.select_related(joins[-1])
        named = {}
        for record in records.only(*fields, *joins, *name_fields):
            subject = record
            for step in steps:
                subject = getattr(subject, step)
            named[record.pk] = RecordName(describe(record), str(subject), record)
        return named

    return name


def _staff(ids: list[int]) -> dict[int, RecordName]:
    return {
        user.pk: RecordName(f"Staff account {user}")
        for user in User.objects.filter(pk__in=ids).only("username", "first_name", "last_name")
    }


# Each kind of record the service logs, named as the auditor reads it.
NAMERS: dict[str, Callable[[list[int]], dict[int, RecordName]]] = {
    "people.person": _named(Person, "", lambda p: "Person record"),
    "people.lateroffence": _named(LaterOffence, "person", lambda o: "Later offence"),
    "cases.referral": _named(
        Referral,
        "person",
        lambda r: f"Referral {r.reference} (crime reference {r.crime_reference})",
        "crime_reference",
    ),
    "cases.referraldraft": _named(ReferralDraft, "person", lambda d: "Referral draft"),
    "cases.programme": _named(
        Programme, "referral.person", lambda c: f"Case {c.referral.reference}"
    ),
    "cases.prosecutionreturn": _named(
        ProsecutionReturn,
        "programme.referral.person",
        lambda r: f"Prosecution return of case {r.programme.referral.reference}",
    ),
    "accounts.user": _staff,
}


def _kind(record_type: str) -> str:
    """What a kind of record is called ("Dashboard figures"), or its label if unknown."""
    try:
        return str(apps.get_model(record_type)._meta.verbose_name).capitalize()
    except (LookupError, ValueError):
        return record_type


def name_records(entries: Iterable[AccessLogEntry]) -> dict[tuple[str, int | None], RecordName]:
    """Each entry's record named, by (record type, record number): one query for each
    kind of record among `entries` that is about a person. A record no longer held (a
    draft discarded, say) is named by its kind and number."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for entry in entries:
        if entry.record_id is not None:
            wanted[entry.record_type].add(entry.record_id)
    names: dict[tuple[str, int | None], RecordName] = {}
    for record_type, ids in wanted.items():
        namer = NAMERS.get(record_type)
        named = namer(sorted(ids)) if namer else {}
        kind = _kind(record_type)
        for pk in ids:
            names[record_type, pk] = named.get(pk) or RecordName(
                f"{kind} {pk}" + (" (no longer held)" if namer else "")
            )
    return names


def name_of(names: dict[tuple[str, int | None], RecordName], entry: AccessLogEntry) -> RecordName:
    """The entry's record's name, from name_records."""
    return names.get((entry.record_type, entry.record_id)) or RecordName(_kind(entry.record_type))
