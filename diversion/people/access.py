"""Which people each user may see: the one place that decides it. get_person_for logs the
consultation of the person it returns, or the refusal (DPA 2018 s62, audit.consultation)."""

from django.db.models import Q, QuerySet

from diversion.accounts.models import User
from diversion.accounts.roles import Role, roles_of
from diversion.audit.consultation import consulted, fetch
from diversion.people.models import Person


def people_visible_to(user: User) -> QuerySet[Person]:
    """Custody officers and managers may find anyone (the custody desk must find the person
    in front of it); caseworkers see the people whose cases are in their queue or theirs.

    A record merged into another is out of everyone's reach, and so out of search: the
    record kept holds its referrals and later offences now, and its page sends you there."""
    return _within_reach(user).filter(merged_into__isnull=True)


def _within_reach(user: User) -> QuerySet[Person]:
    user_roles = roles_of(user)
    if user_roles & {Role.CUSTODY_OFFICER, Role.MANAGER}:
        return Person.objects.all()
    if Role.CASEWORKER in user_roles:
        return Person.objects.filter(
            Q(referrals__programme__caseworker=user)
            | Q(referrals__programme__isnull=False, referrals__programme__caseworker__isnull=True)
        ).distinct()
    return Person.objects.none()


def get_person_for(user: User, pk: int | str, *, merged: bool = False) -> Person:
    """The person, or 404 if they do not exist or are outside the user's reach.

    With `merged`, a record merged into another is found too: for the pages that send you on
    to the record kept, or explain why a merge cannot be made."""
    people = _within_reach(user) if merged else people_visible_to(user)
    person = fetch(people, pk)
    consulted(user, person)
    return person
