"""Which records are about a person: the one place that says so, for the auditor's trail
and for subject access (DPA 2018 s45 and s62).

The access log names records by type and number, never by person, so a person's trail is
found through the records that belong to them. A record merged into the person's record
(people.Person.merged_into) is theirs too.
"""

from collections import defaultdict
from collections.abc import Callable

from django.db.models import Model, Q, QuerySet, Value

from diversion.accounts.models import User
from diversion.audit.consultation import consulted, fetch
from diversion.audit.models import AccessLogEntry
from diversion.cases.models import Programme, ProsecutionReturn, Referral, ReferralDraft
from diversion.people.models import LaterOffence, Person

# For each kind of record the service logs, its records about any of `people`.
PERSON_RECORDS: dict[type[Model], Callable[[QuerySet[Person]], QuerySet]] = {
    Person: lambda people: people,
    LaterOffence: lambda people: LaterOffence.objects.filter(person__in=people),
    Referral: lambda people: Referral.objects.filter(person__in=people),
    ReferralDraft: lambda people: ReferralDraft.objects.filter(person__in=people),
    Programme: lambda people: Programme.objects.filter(referral__person__in=people),
    ProsecutionReturn: lambda people: ProsecutionReturn.objects.filter(
        programme__referral__person__in=people
    ),
}


def get_subject_for(user: User, pk: object, *, merged: bool = False) -> Person:
    """The person a governance page is about (an auditor's trail, a subject access request),
    their look at them logged; or not found, the attempt logged (audit.consultation). These
    pages' roles answer for the whole force's records, so anyone may be asked for. A record
    merged into another is found only with `merged` (its trail sends you to the record
    kept, which answers a subject access request for it)."""
    people = Person.objects.all() if merged else Person.objects.filter(merged_into__isnull=True)
    person = fetch(people, pk)
    consulted(user, person)
    return person


def records_about(person: Person) -> dict[str, list[int]]:
    """The keys of every record about the person, by kind (its access-log record type), in
    one query."""
    people = person.records()
    kinds = [
        of(people).annotate(kind=Value(model._meta.label_lower)).values_list("kind", "pk")
        for model, of in PERSON_RECORDS.items()
    ]
    found: dict[str, list[int]] = defaultdict(list)
    for kind, pk in kinds[0].union(*kinds[1:], all=True):
        found[kind].append(pk)
    return found


def log_entries_about(person: Person) -> QuerySet[AccessLogEntry]:
    """Every access log entry on any record about the person. The records' keys are read
    first (records_about), so the log is asked for exactly those, through its index of
    records: asked with a subquery for each kind, the planner could not tell how few they
    are, and walked the whole log by date (0.3 s at a million entries, against 1 ms)."""
    about = Q(pk__in=[])
    for kind, keys in records_about(person).items():
        about |= Q(record_type=kind, record_id__in=keys)
    return AccessLogEntry.objects.filter(about)
