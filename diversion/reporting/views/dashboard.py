"""The manager's dashboard, its methodology and the request for new figures."""

from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from diversion.accounts.roles import Role, roles
from diversion.cases.queues import AUTHORISATIONS, UNASSIGNED
from diversion.policy.models import PolicyVersion
from diversion.reporting import groups, panels, queries, refresh, replica, sample, stats
from diversion.reporting.figures import Grid, Panel, withholding
from diversion.reporting.forms import DashboardFilterForm, Filters
from diversion.reporting.models import Refresh, RefreshStatus


@dataclass
class Dashboard:
    filters: Filters
    refreshed: Refresh | None
    panels: list[Panel]
    referred: int = 0
    # How far behind the main database the reporting copy was as the figures were read
    # from it; None without a copy (the figures are the main database's).
    lag: replica.Lag | None = None


def build(filters: Filters) -> Dashboard:
    """Every panel under `filters`, from the latest figures, read from the reporting copy
    if there is one: a fixed number of queries."""
    with replica.reading_reports():
        return _build(filters, replica.lag())


def _build(filters: Filters, lag: replica.Lag | None) -> Dashboard:
    refreshed = queries.latest_refresh()
    if refreshed is None:
        return Dashboard(filters, None, [], lag=lag)
    counts = queries.counts(refreshed, filters)
    as_of = timezone.localdate(refreshed.as_of)
    monthly = queries.monthly(refreshed, filters, "referred_by_group")
    caseworkers = queries.caseworkers(refreshed, filters)
    by_version = queries.counts_by_version(refreshed, filters, panels.VERSION_MEASURES)
    versions = list(PolicyVersion.objects.order_by("effective_from"))

    def every_panel(grid: Grid) -> list[Panel]:
        return [
            panels.funnel(counts, grid),
            panels.volumes(counts, monthly, grid),
            panels.outcomes(counts, grid),
            panels.timeliness(counts, caseworkers, grid),
            panels.authorisations(counts, grid),
            panels.needs(counts, grid),
            panels.victims(counts, grid),
            panels.reoffending(counts, as_of, grid),
            panels.versions(by_version, versions, filters.version, grid),
            panels.fairness(counts, grid),
            panels.data_quality(counts, grid),
        ]

    # Small numbers are withheld across the whole page at once (figures.Grid).
    built = withholding(every_panel)
    return Dashboard(filters, refreshed, built, counts["referred"], lag)


def filters_from(request: HttpRequest) -> tuple[DashboardFilterForm, Filters]:
    form = DashboardFilterForm(request.GET or None)
    return form, form.filters() if form.is_bound else Filters()


@roles(Role.MANAGER)
@require_GET
def home(request):
    """The manager's home: the work waiting now, then the evidence, every panel under the
    filters in the address. Aggregates only."""
    form, filters = filters_from(request)
    dashboard = build(filters)
    return render(
        request,
        "reporting/home.html",
        {
            "form": form,
            "queues": [queue.summary(request.user) for queue in (AUTHORISATIONS, UNASSIGNED)],
            "dashboard": dashboard,
            "pending": refresh.in_progress(),
            "symbols": SYMBOL_KEY,
            "query": request.GET.urlencode(),
        },
    )


SYMBOL_KEY = [
    (stats.WITHHELD, "withheld: fewer than 10, or it would let a withheld figure be worked out"),
    (stats.UNRELIABLE, "too few to be reliable: a rate on fewer than 5 events or 10 people"),
    (stats.NOT_COLLECTED, "not collected"),
    (stats.NOT_APPLICABLE, "not applicable"),
]


@roles(Role.MANAGER)
@require_POST
def request_refresh(request):
    """A manager asks for new figures; they are worked out in the background."""
    run, started = refresh.request(request.user)
    if run.status == RefreshStatus.FAILED:
        messages.error(
            request,
            "New figures could not be started. Try again in a few minutes; the figures "
            "below are unchanged.",
        )
    elif started:
        messages.success(
            request,
            "New figures are being worked out. This takes up to a minute; "
            "reload the page to see them.",
        )
    else:
        messages.info(request, "New figures are already being worked out. Reload the page soon.")
    query = request.POST.get("query", "")
    return redirect(reverse("dashboards:home") + (f"?{query}" if query else ""))


@roles(Role.MANAGER)
@require_GET
def methodology(request: HttpRequest) -> HttpResponse:
    """How each measure is defined: its denominator, window and suppression rule."""
    return render(
        request,
        "reporting/methodology.html",
        {
            "groups": groups,
            "observed": groups.OBSERVED_GROUPS,
            "self_defined": groups.SELF_DEFINED_GROUPS,
            "age_bands": groups.AGE_BANDS,
            "symbols": SYMBOL_KEY,
            "stats": stats,
            "versions": PolicyVersion.objects.order_by("effective_from"),
            "grades": sample.GRADES,
        },
    )
