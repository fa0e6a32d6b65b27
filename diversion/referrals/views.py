from django.shortcuts import render
from django.views.decorators.http import require_GET

from diversion.accounts.roles import Role, roles
from diversion.audit.models import Action
from diversion.audit.services import log_many
from diversion.lib.pagination import paginate

from .models import Referral


@roles(Role.CUSTODY_OFFICER)
@require_GET
def home(request):
    """The custody officer's start page: the referrals they have made, newest first."""
    referrals = Referral.objects.filter(created_by=request.user).select_related(
        "person", "offence_type", "custody_suite"
    )
    page = paginate(request, referrals)
    log_many(
        request.user, Action.CONSULTATION, page.object_list, detail="custody officer's referrals"
    )
    return render(request, "referrals/home.html", {"page": page})
