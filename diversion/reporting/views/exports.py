"""Downloads for managers: a dashboard panel's figures, and a scrutiny panel's anonymised
sample of closed cases. Each download names its recipient and is logged as a disclosure."""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from diversion.accounts.roles import Role, roles
from diversion.reporting import exports, replica, sample
from diversion.reporting.forms import DisclosureForm, SampleForm
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


@roles(Role.MANAGER)
@require_http_methods(["GET", "POST"])
def sample_form(request) -> HttpResponse:
    """Draw a scrutiny panel's sample: choose it, see what was drawn and its seed, then
    download it. The download (a POST with `download`) is logged as a disclosure of each
    case in it."""
    form = SampleForm(request.POST if request.method == "POST" else None)
    if "change" in request.POST or not form.is_valid():
        return render(request, "reporting/sample.html", {"form": form})
    data = form.cleaned_data
    asked = sample.Asked.from_choices(data)
    ready = "download" not in request.POST
    with replica.reading_reports():
        lag = replica.lag() if ready else None
        drawn = sample.draw(asked)
    if not drawn.ids:
        form.add_error("closed_from", sample.none_closed(asked))
        return render(request, "reporting/sample.html", {"form": form})
    if ready:
        return render(
            request,
            "reporting/sample_ready.html",
            {"form": form, "sample": drawn, "resubmit": form.resubmission(asked.seed), "lag": lag},
        )
    with replica.reading_reports():
        referrals = sample.cases(drawn)
    sample.disclose(request.user, referrals, recipient=data["recipient"], reason=data["reason"])
    now = timezone.now()
    return exports.attachment(
        sample.lines(
            drawn, referrals, drawn_at=now, drawn_by=request.user, recipient=data["recipient"]
        ),
        sample.file_name(drawn, now),
    )
