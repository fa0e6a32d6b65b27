"""Which referrals each user may see: the one place that decides it (style habit 3)."""

from django.shortcuts import get_object_or_404

from diversion.accounts.roles import Role, roles_of

from .models import Referral, ReferralStatus


def referrals_visible_to(user):
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


def get_referral_for(user, pk):
    """The referral, or 404 if it does not exist or is outside the user's reach."""
    referrals = referrals_visible_to(user).select_related(
        "person", "offence_type", "custody_suite", "policy_version", "created_by", "authorised_by"
    )
    return get_object_or_404(referrals, pk=pk)
