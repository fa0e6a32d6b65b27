from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from diversion.accounts.roles import Role, has_role, roles
from diversion.audit.models import Action
from diversion.audit.services import log_many
from diversion.lib.pagination import paginate

from .models import Referral


@roles(Role.CUSTODY_OFFICER, Role.MANAGER)
@require_GET
def home(request):
    if has_role(request.user, Role.CUSTODY_OFFICER):
        return redirect("referrals:mine")
    return redirect("referrals:authorisations")


@roles(Role.CUSTODY_OFFICER)
@require_GET
def mine(request):
    """The custody officer's referrals, newest first."""
    referrals = Referral.objects.filter(created_by=request.user).select_related(
        "person", "offence_type", "custody_suite"
    )
    page = paginate(request, referrals)
    log_many(
        request.user, Action.CONSULTATION, page.object_list, detail="custody officer's referrals"
    )
    return render(request, "referrals/mine.html", {"page": page})


# Being written: the pages below.
@roles(Role.MANAGER)
def authorisations(request):
    raise Http404


@roles(Role.CUSTODY_OFFICER, Role.MANAGER, Role.CASEWORKER)
def detail(request, pk):
    raise Http404


@roles(Role.CUSTODY_OFFICER, Role.MANAGER, Role.CASEWORKER)
def print_offer(request, pk):
    raise Http404


@roles(Role.CUSTODY_OFFICER)
def record_decision(request, pk):
    raise Http404


@roles(Role.MANAGER)
def authorisation(request, pk):
    raise Http404
