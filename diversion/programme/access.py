"""Which cases each user may see and change: the one place that decides it (style habit 3)."""

from django.db.models import Q
from django.shortcuts import get_object_or_404

from diversion.accounts.roles import Role, roles_of

from .models import Programme


def cases_visible_to(user):
    """Managers see every case; caseworkers their own and the unassigned queue; nobody
    else sees any."""
    user_roles = roles_of(user)
    if Role.MANAGER in user_roles:
        return Programme.objects.all()
    if Role.CASEWORKER in user_roles:
        return Programme.objects.filter(Q(caseworker=user) | Q(caseworker__isnull=True))
    return Programme.objects.none()


def get_case_for(user, pk, *, write=False):
    """The case, or 404 outside the user's reach. With `write`, only a case the user may
    change: their own, or any for a manager (an unassigned case must be taken first)."""
    cases = cases_visible_to(user)
    if write and Role.MANAGER not in roles_of(user):
        cases = cases.filter(caseworker=user)
    return get_object_or_404(
        cases.select_related(
            "referral__person",
            "referral__offence_type",
            "referral__custody_suite",
            "referral__policy_version",
            "referral__created_by",
            "caseworker",
        ),
        pk=pk,
    )
