"""The caseload: which cases each list of the caseload page holds, searched, filtered and
sorted in SQL, so that a page costs the same few queries for ten cases or a hundred thousand.
"""

import re

from django.db import models
from django.db.models import Case, Count, Exists, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce

from diversion.accounts.roles import Role, roles_of
from diversion.cases.access import cases_visible_to
from diversion.cases.models import CLOSED, OPEN, ProgrammeStatus
from diversion.cases.overdue import overdue_milestones
from diversion.people.names import normalise_name


class Tab(models.TextChoices):
    MINE = "mine", "My cases"
    UNASSIGNED = "unassigned", "Unassigned"
    OVERDUE = "overdue", "Overdue"
    OPEN = "open", "All open"
    CLOSED = "closed", "Closed"


def tabs_for(user):
    """The lists a user may choose between, in the order shown. "My cases" belongs to
    caseworkers; "All open" to managers, who see every case."""
    user_roles = roles_of(user)
    tabs = []
    if Role.CASEWORKER in user_roles:
        tabs.append(Tab.MINE)
    if Role.MANAGER in user_roles:
        tabs.append(Tab.OPEN)
    return tabs + [Tab.UNASSIGNED, Tab.OVERDUE, Tab.CLOSED]


def default_tab(user):
    return Tab.OPEN if Role.MANAGER in roles_of(user) else Tab.MINE


def statuses_in(tab):
    return CLOSED if tab == Tab.CLOSED else OPEN


# Workflow order, so sorting by status reads like the case's progress, not the alphabet.
STATUS_ORDER = Case(
    *(When(status=status, then=Value(n)) for n, status in enumerate(ProgrammeStatus)),
    output_field=models.IntegerField(),
)
SORTS: dict[str, list[str | Case]] = {
    "reference": ["referral_id"],
    "name": ["referral__person__family_name_key", "referral__person__given_names_key"],
    "ends": ["ends_on"],
    "status": [STATUS_ORDER],
    "caseworker": ["caseworker__last_name", "caseworker__first_name"],
}


def default_sort(tab):
    """Open cases soonest to end first; closed cases most recent first."""
    return "-ends" if tab == Tab.CLOSED else "ends"


def ordering(sort):
    """ORDER BY for a `sort` value such as "name" or "-ends". Cases without a value (not yet
    signed, unassigned) come last either way, and the primary key breaks ties so pages never
    overlap."""
    descending = sort.startswith("-")
    columns = [F(c) if isinstance(c, str) else c for c in SORTS[sort.lstrip("-")]]
    columns.append(F("pk"))
    if descending:
        return [c.desc(nulls_last=True) for c in columns]
    return [c.asc(nulls_last=True) for c in columns]


# What a row of the list shows. Only these are read: PostgreSQL then sorts narrow rows, which
# on 54,000 closed demo cases takes a page from 0.4 s to 0.16 s.
ROW_FIELDS = [
    "status",
    "ends_on",
    "version",
    "caseworker_id",
    "referral_id",
    "referral__person__given_names",
    "referral__person__family_name",
    "referral__offence_type__name",
    "caseworker__username",
    "caseworker__first_name",
    "caseworker__last_name",
]

# A case reference as shown (CP-000123), or just its number.
REFERENCE = re.compile(r"^(?:cp\s*-?\s*)?0*(\d{1,9})$", re.IGNORECASE)


def search_filter(text):
    """A case by its reference, or by the person's name: every word typed must appear in
    their given names or family name (on the normalised keys, so case and accents do not
    matter). Text with nothing to search by (punctuation, say) matches no case."""
    match = REFERENCE.match(text.strip())
    if match:
        return Q(referral_id=int(match[1]))
    words = normalise_name(text).split()
    if not words:
        return Q(pk__in=[])
    condition = Q()
    for word in words:
        condition &= Q(referral__person__given_names_key__contains=word) | Q(
            referral__person__family_name_key__contains=word
        )
    return condition


def caseload(
    user,
    *,
    tab,
    search="",
    statuses=(),
    caseworkers=(),
    suites=(),
    offence_groups=(),
    sort=None,
    on=None,
):
    """The cases on one tab of `user`'s caseload, each annotated with `overdue` (its number of
    overdue milestones on the day `on`, today by default)."""
    cases = cases_visible_to(user)
    managing = Role.MANAGER in roles_of(user)
    if tab == Tab.MINE:
        cases = cases.filter(caseworker=user, status__in=OPEN)
    elif tab == Tab.UNASSIGNED:
        cases = cases.filter(caseworker__isnull=True, status__in=OPEN)
    elif tab == Tab.OVERDUE:
        cases = cases.filter(
            Exists(overdue_milestones(on).filter(programme=OuterRef("pk"))), status__in=OPEN
        )
        if not managing:
            cases = cases.filter(caseworker=user)
    elif tab == Tab.OPEN:
        cases = cases.filter(status__in=OPEN)
    elif tab == Tab.CLOSED:
        cases = cases.filter(status__in=CLOSED)
        if not managing:
            cases = cases.filter(caseworker=user)
    else:
        raise ValueError(f"Unknown caseload tab {tab!r}")

    if search:
        cases = cases.filter(search_filter(search))
    if statuses:
        cases = cases.filter(status__in=statuses)
    if caseworkers:
        cases = cases.filter(caseworker__in=caseworkers)
    if suites:
        cases = cases.filter(referral__custody_suite__in=suites)
    if offence_groups:
        cases = cases.filter(referral__offence_type__group__in=offence_groups)
    cases = (
        cases.select_related("referral__person", "referral__offence_type", "caseworker")
        .only(*ROW_FIELDS)
        .order_by(*ordering(sort or default_sort(tab)))
    )
    return with_overdue(cases, on)


def with_overdue(cases, on=None):
    """Annotate each case with `overdue`, as overdue.with_overdue_count does, but as a
    correlated subquery: PostgreSQL then counts only for the rows of the page, after sorting
    and cutting, where with_overdue_count's join and GROUP BY count for every case in the
    list first (on 54,000 closed demo cases, 1.1 s against 0.3 s for a page)."""
    counts = (
        overdue_milestones(on)
        .filter(programme=OuterRef("pk"))
        .values("programme")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return cases.annotate(overdue=Coalesce(Subquery(counts, output_field=models.IntegerField()), 0))
