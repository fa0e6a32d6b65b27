from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from diversion.accounts.roles import Role, has_role, roles
from diversion.audit.models import Action
from diversion.audit.services import log_many
from diversion.lib.pagination import paginate

from ..models import CLOSED, Programme


@roles(Role.CASEWORKER, Role.MANAGER)
@require_GET
def home(request):
    """Open cases: a caseworker's own, or every open case for a manager."""
    programmes = (
        Programme.objects.exclude(status__in=CLOSED)
        .select_related("referral__person", "referral__offence_type", "caseworker")
        .order_by("ends_on", "pk")
    )
    if not has_role(request.user, Role.MANAGER):
        programmes = programmes.filter(caseworker=request.user)
    page = paginate(request, programmes)
    log_many(request.user, Action.CONSULTATION, page.object_list, detail="caseload")
    return render(request, "programme/home.html", {"page": page})


# Being written: allocation.
@roles(Role.CASEWORKER)
def take(request, pk):
    raise Http404


@roles(Role.MANAGER)
def assign(request, pk):
    raise Http404


@roles(Role.MANAGER)
def reassign(request):
    raise Http404
