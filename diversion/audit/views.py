from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from diversion.accounts.roles import Role, roles
from diversion.audit.models import AccessLogEntry
from diversion.lib.pagination import paginate


@roles(Role.AUDITOR)
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The access log, newest first. It names records by type and number, never by person."""
    entries = AccessLogEntry.objects.select_related("actor")
    return render(request, "audit/home.html", {"page": paginate(request, entries)})
