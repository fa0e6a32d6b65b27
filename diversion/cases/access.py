"""Who may see which referrals and cases: the one place that decides it for each kind of
record. A record outside the user's reach is "not found" (404), never "forbidden"."""

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from diversion.accounts.models import User
from diversion.accounts.roles import Role, roles_of
from diversion.cases.models import Programme, Referral, ReferralStatus


def referrals_visible_to(user: User) -> QuerySet[Referral]:
    """Managers see every referral; custody officers the ones they made; caseworkers those
    that reached their queue (accepted, with a programme unassigned or theirs)."""
    user_roles = roles_of(user)
    if Role.MANAGER in user_roles:
        return Referral.objects.all()
    visible = Referral.objects.none()
    if Role.CUSTODY_OFFICER in user_roles:
        visible = visible | Referral.objects.filter(created_by=user)
    if Role.CASEWORKER in user_roles:
        queue = Referral.objects.filter(status=ReferralStatus.ACCEPTED)
        visible = visible | (
            queue.filter(programme__caseworker__isnull=True)
            | queue.filter(programme__caseworker=user)
        )
    return visible


def get_referral_for(user: User, pk: int | str) -> Referral:
    """The referral, or 404 if it does not exist or is outside the user's reach."""
    referrals = referrals_visible_to(user).select_related(
        "person", "offence_type", "custody_suite", "policy_version", "created_by", "authorised_by"
    )
    return get_object_or_404(referrals, pk=pk)


def cases_visible_to(user: User) -> QuerySet[Programme]:
    """Managers see every case; caseworkers their own and the unassigned queue; nobody
    else sees any."""
    user_roles = roles_of(user)
    if Role.MANAGER in user_roles:
        return Programme.objects.all()
    if Role.CASEWORKER in user_roles:
        return Programme.objects.filter(Q(caseworker=user) | Q(caseworker__isnull=True))
    return Programme.objects.none()


def get_case_for(user: User, pk: int | str, *, write: bool = False) -> Programme:
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
