"""The auditor's questions of the logs: who viewed, changed or disclosed a person's records,
and what one member of staff did in a period (DPA 2018 s62: logs of consultation and
disclosure must make it possible to establish who did it and when).

Auditors see no case files (people.access gives them nobody), so they find the person
they ask about with a search of their own, which shows only what identifies someone (name,
date of birth, PNC ID) and leads to the person's trail, never to their record.
"""

import datetime
import re
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from crispy_forms_gds.layout import Field, Fluid
from django import forms
from django.conf import settings
from django.db.models import Model, Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format

from diversion.accounts.models import User
from diversion.audit.models import AccessLogEntry, Action, SecurityEvent
from diversion.audit.services import log_many
from diversion.cases.caseload import REFERENCE
from diversion.governance.names import name_of, name_records
from diversion.governance.records import log_entries_about
from diversion.lib.forms import GovukForm
from diversion.lib.lists import ChoicesFilter, DateFilter, ListFilters
from diversion.lib.text import too_long
from diversion.people.forms import SearchForm
from diversion.people.models import Person
from diversion.people.search import Match, Matches, find_people
from diversion.reporting.exports import Line, moment_text, shorten

# --- Filters ------------------------------------------------------------------------------

DATE_HINT = "For example, 27 3 2026"


class PeriodForm(GovukForm):
    """The log filters' form: a period's end may not come before its start."""

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", "The end date must be the same as or after the start date")
        return data


class LogFilters(ListFilters):
    """The auditor's filters of the access log: the kinds of processing, and a period
    (from the start of its first day to the end of its last, in the service's time zone).
    A date in error is shown next to its field and left out; the rest still apply."""

    action = ChoicesFilter(label="Action", choices=Action.choices)
    start = DateFilter(field_name="at", label="From", name="start date", help_text=DATE_HINT)
    end = DateFilter(field_name="at", label="To", name="end date", until=True, help_text=DATE_HINT)

    class Meta:
        form = PeriodForm

    def period(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """`queryset` (of anything logged `at` a moment) narrowed to the period chosen."""
        data = self._cleaned()
        for name in ("start", "end"):
            queryset = self.filters[name].filter(queryset, data.get(name))
        return queryset

    def _cleaned(self) -> dict[str, Any]:
        """The values of the filters not in error (the list is always bound to its GET)."""
        self.form.is_valid()
        return self.form.cleaned_data

    def describe(self) -> list[tuple[str, str]]:
        """The filters in use, in words, for an export's header and its log entry."""
        data = self._cleaned()
        described = []
        if data.get("action"):
            labels = dict(Action.choices)
            described.append(("Action", ", ".join(labels[a] for a in data["action"])))
        for name in ("start", "end"):
            if data.get(name):
                described.append(
                    (str(self.form.fields[name].label), date_format(data[name], "j F Y"))
                )
        return described


# --- Finding the person asked about ---------------------------------------------------------

REFERENCE_REASONS = {"crime": "Crime reference matches", "referral": "Referral reference matches"}


def reference_in(text: str) -> tuple[str, str] | None:
    """("crime", the crime reference) or ("referral", its number) if `text` is one, else
    None: the references a referral has beside its custody record number, which the custody
    desk's search (people.search) already reads."""
    typed = text.strip().upper()
    if re.match(settings.CRIME_REFERENCE_PATTERN, typed):
        return "crime", typed
    # Only with its CP- prefix: bare digits may be a force's custody record number.
    match = REFERENCE.match(typed)
    if match and typed.startswith("CP"):
        return "referral", match[1]
    return None


class SubjectSearchForm(SearchForm):
    """The custody desk's search (people.forms.SearchForm), reading a crime reference or a
    referral reference too."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].label = "Name, PNC ID or reference"
        self.fields["q"].help_text = (
            "For example, John Smith, a PNC ID such as 12/34567E, a custody record number, "
            "a crime reference such as CR-1234567-26, or a referral reference such as CP-000123"
        )

    def clean_q(self) -> str:
        self.reference = reference_in(self.cleaned_data["q"])
        if self.reference:
            return self.cleaned_data["q"].strip()
        return super().clean_q()


def find_subjects(
    text: str, date_of_birth: datetime.date | None, reference: tuple[str, str] | None
) -> Matches:
    """The people a search names, best match first, merged records too (their trail is the
    record they were merged into): by a referral's reference, or as the custody desk's
    search finds them (people.search.find_people), among everyone."""
    if reference is None:
        return find_people(Person.objects.all(), text=text, date_of_birth=date_of_birth)
    kind, value = reference
    referrals = Q(referrals__crime_reference=value) if kind == "crime" else Q(referrals=int(value))
    limit = 20
    people = list(Person.objects.filter(referrals).distinct().order_by("pk")[: limit + 1])
    matches = Matches(Match(p, 100.0, [REFERENCE_REASONS[kind]]) for p in people[:limit])
    matches.more = len(people) > limit
    return matches


STAFF_QUERY_MAX_LENGTH = 100


class StaffSearchForm(GovukForm):
    """A member of staff by name or username: any text is a search, within its length."""

    q = forms.CharField(
        label="Name or username",
        help_text="For example, Sam Patel, or spatel",
        required=False,
        max_length=STAFF_QUERY_MAX_LENGTH,
        error_messages={"max_length": too_long("The name or username", STAFF_QUERY_MAX_LENGTH)},
    )
    layout = (Field.text("q", field_width=Fluid.TWO_THIRDS, spellcheck="false"),)


def find_staff(text: str, limit: int = 20) -> list[User]:
    """Staff whose username or name holds every word typed, by name. A force has hundreds
    of staff, not millions, so this reads the whole table."""
    staff = User.objects.all()
    for word in text.split():
        staff = staff.filter(
            Q(username__icontains=word)
            | Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
        )
    return list(staff.order_by("last_name", "first_name", "pk")[:limit])


# --- The logs, and their exports --------------------------------------------------------------


def general_log() -> QuerySet[AccessLogEntry]:
    return AccessLogEntry.objects.select_related("actor")


def trail_of(person: Person) -> QuerySet[AccessLogEntry]:
    """Every access log entry on the person's records (governance.records)."""
    return log_entries_about(person).select_related("actor")


def activity_of(user: User) -> QuerySet[AccessLogEntry]:
    """What `user` did to records (the access_log_actor index)."""
    return AccessLogEntry.objects.filter(actor=user).select_related("actor")


def security_events_of(user: User) -> QuerySet[SecurityEvent]:
    """`user`'s sign-ins, failures, lockouts and sign-outs (the security_event_user index)."""
    return SecurityEvent.objects.filter(user=user)


def named(entries: Iterable[AccessLogEntry]) -> list[AccessLogEntry]:
    """`entries`, each with `name`, its record's RecordName (names.name_records)."""
    entries = list(entries)
    names = name_records(entries)
    for entry in entries:
        entry.name = name_of(names, entry)  # type: ignore[attr-defined]
    return entries


# The records an export names as about a person, once each, by (record type, record key).
Named = dict[tuple[str, int | None], Model]

EXPORT_BATCH = 500
ENTRY_HEAD = ["When", "Who", "Action", "Record", "About", "Detail", "Reason", "Recipient"]
EVENT_HEAD = ["When", "Event", "Address", "Detail"]


def entry_lines(entries: QuerySet[AccessLogEntry], named_records: Named) -> Iterator[Line]:
    """The entries as CSV lines, newest first, named a batch at a time; each record named
    as about a person is kept in `named_records`, whose disclosure the export logs."""
    rows = entries.order_by("-at", "-pk").iterator(chunk_size=EXPORT_BATCH)
    while batch := named(islice(rows, EXPORT_BATCH)):
        for entry in batch:
            name = entry.name  # type: ignore[attr-defined]
            if name.source is not None:
                named_records[entry.record_type, entry.record_id] = name.source
            yield [
                moment_text(entry.at),
                str(entry.actor),
                entry.get_action_display(),
                name.record,
                name.person,
                entry.detail,
                entry.reason,
                entry.recipient,
            ]


def event_lines(events: QuerySet[SecurityEvent]) -> Iterator[Line]:
    for event in events.order_by("-at", "-pk").iterator(chunk_size=EXPORT_BATCH):
        yield [moment_text(event.at), event.get_kind_display(), event.address or "", event.detail]


def header_lines(title: str, filters: LogFilters, *, actor: User, recipient: str) -> list[Line]:
    """What an export covers, who made it and for whom."""
    lines: list[Line] = [
        [title],
        ["Exported", moment_text(timezone.now())],
        ["Exported by", str(actor)],
        ["For", recipient],
    ]
    return lines + [[label, value] for label, value in filters.describe()]


def disclose(
    actor: User,
    record: Model,
    what: str,
    filters: LogFilters,
    *,
    named_records: Named,
    recipient: str,
    reason: str,
) -> None:
    """Log an export as a disclosure of `record` (the person, or the member of staff) and
    of every record it names as about a person (whom each is about goes out with it), with
    what it covered and its recipient, in one insert."""
    detail = "; ".join([what, *(f"{label}: {value}" for label, value in filters.describe())])
    disclosed = {(record._meta.label_lower, record.pk): record, **named_records}
    log_many(
        actor,
        Action.DISCLOSURE,
        disclosed.values(),
        detail=shorten(detail),
        reason=reason,
        recipient=recipient,
    )
