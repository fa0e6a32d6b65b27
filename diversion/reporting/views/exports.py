"""Downloads for managers: a dashboard panel's figures. Each download names its recipient
and is logged as a disclosure."""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from diversion.accounts.roles import Role, roles
from diversion.reporting import exports
from diversion.reporting.forms import DisclosureForm
from diversion.reporting.views.dashboard import SYMBOL_KEY, build, filters_from


@roles(Role.MANAGER)
@require_http_methods(["GET", "POST"])
def export(request, slug: str) -> HttpResponse:
    """One panel as a CSV file, under the dashboard's filters (kept in the address): the
    page asks who it is for, and the download is logged as a disclosure."""
    _, filters = filters_from(request)
    dashboard = build(filters)
    if dashboard.refreshed is None or dashboard.refreshed.as_of is None:
        return render(request, "reporting/export.html", {"filters": filters, "panel": None})
    panel = next((panel for panel in dashboard.panels if panel.slug == slug), None)
    if panel is None:
        raise Http404("No such panel")
    form = DisclosureForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        exports.disclose_panel(
            request.user,
            dashboard.refreshed,
            panel,
            filters,
            recipient=form.cleaned_data["recipient"],
            reason=form.cleaned_data["reason"],
        )
        as_of = dashboard.refreshed.as_of
        return exports.attachment(
            exports.panel_lines(panel, filters, as_of, SYMBOL_KEY),
            exports.panel_file_name(panel, filters, as_of),
        )
    return render(
        request,
        "reporting/export.html",
        {"form": form, "filters": filters, "panel": panel, "dashboard": dashboard},
    )
