from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from diversion.accounts.roles import Role, roles
from diversion.audit.models import AccessLogEntry
from diversion.audit.tables import AccessLogTable
from diversion.lib.lists import ListPage


@roles(Role.AUDITOR)
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The access log, newest first. It names records by type and number, never by person."""
    listing = ListPage(
        request,
        AccessLogEntry.objects.select_related("actor"),
        table_class=AccessLogTable,
        default_sort="-when",
        noun=("entry", "entries"),
        empty="Nothing has been logged yet.",
    )
    return render(request, "audit/home.html", {"listing": listing})
