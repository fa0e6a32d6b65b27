"""The caseload: which cases each list (tab) of the caseload page holds, and its search.
The page itself is a lib.lists list: filters in forms/caseload.py, columns and sorts in
tables.py."""

import re

from django.db import models
from django.db.models import Exists, OuterRef, Q

from diversion.accounts.roles import Role, roles_of
from diversion.cases.access import cases_visible_to
from diversion.cases.models import CLOSED, OPEN
from diversion.cases.offences import with_new_offence_count
from diversion.cases.overdue import overdue_milestones, with_overdue_count
from diversion.cases.queues import unassigned
from diversion.people.models import NameKeys, Person
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


def default_sort(tab):
    """Open cases soonest to end first; closed cases most recent first; the unassigned
    queue longest waiting first."""
    if tab == Tab.UNASSIGNED:
        return "-waiting"
    return "-ends" if tab == Tab.CLOSED else "ends"


EMPTY = {
    Tab.MINE: "There are no open cases assigned to you.",
    Tab.UNASSIGNED: "No cases are waiting for a caseworker.",
    Tab.OVERDUE: "No open cases have overdue milestones.",
    Tab.OPEN: "There are no open cases.",
    Tab.CLOSED: "There are no closed cases.",
}


# What a row of the list shows. Only these are read: PostgreSQL then sorts narrow rows, which
# on 54,000 closed demo cases takes a page from 0.4 s to 0.16 s.
ROW_FIELDS = [
    "status",
    "ends_on",
    "created_at",
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
    matter). Text with nothing to search by (punctuation, say) matches no case.

    The people are found first, in a subquery on their name keys' trigram index
    (people.models.NameKeys), and their cases after: a name is rare among a million cases,
    so this reads a few rows where a join would walk the list's sort index."""
    match = REFERENCE.match(text.strip())
    if match:
        return Q(referral_id=int(match[1]))
    words = normalise_name(text).split()
    if not words:
        return Q(pk__in=[])
    people = Person.objects.alias(name_keys=NameKeys())
    for word in words:
        people = people.filter(name_keys__contains=word)
    return Q(referral__person__in=people.values("pk"))


def caseload(user, tab, on=None):
    """The cases on one tab of `user`'s caseload, before its search and filters, each
    annotated with `overdue` (its number of overdue milestones on the day `on`, today by
    default) and `new_offences` (later offences during its running contract)."""
    cases = cases_visible_to(user)
    managing = Role.MANAGER in roles_of(user)
    if tab == Tab.MINE:
        cases = cases.filter(caseworker=user, status__in=OPEN)
    elif tab == Tab.UNASSIGNED:
        cases = unassigned(user)
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
    cases = cases.select_related("referral__person", "referral__offence_type", "caseworker")
    return with_new_offence_count(with_overdue_count(cases.only(*ROW_FIELDS), on))
