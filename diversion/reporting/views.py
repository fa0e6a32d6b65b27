from django.shortcuts import render
from django.views.decorators.http import require_GET

from diversion.accounts.roles import Role, roles
from diversion.reporting import queries


@roles(Role.MANAGER)
@require_GET
def home(request):
    """The manager's overview: volumes and outcomes, in aggregate only (no personal data)."""
    return render(
        request,
        "reporting/home.html",
        {
            "referrals_by_status": queries.referrals_by_status(),
            "programmes_by_status": queries.programmes_by_status(),
            "by_policy_version": queries.outcomes_by_policy_version(),
        },
    )
