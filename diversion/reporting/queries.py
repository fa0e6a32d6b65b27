"""The dashboard's reads. Each reads the tallies of one cell over a range of months, through
the tallies' unique index, so it costs the same for ten referrals or ten million."""

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import BigIntegerField, Q, QuerySet, Sum
from django.db.models.functions import Cast

from diversion.accounts.models import User
from diversion.reporting.forms import Filters
from diversion.reporting.models import (
    ALL_GROUPS,
    ALL_MONTHS,
    ALL_SUITES,
    Refresh,
    RefreshStatus,
    Tally,
)


class Counts:
    """Summed tallies: `counts[measure]` for a measure with no key, `counts.keyed(measure)`
    for {key: value}. A measure never counted is 0."""

    def __init__(self, rows: Iterable[tuple[str, str, int]]) -> None:
        self._values: dict[str, dict[str, int]] = defaultdict(dict)
        for measure, key, value in rows:
            self._values[measure][key] = value

    def __getitem__(self, measure: str) -> int:
        return self._values.get(measure, {}).get("", 0)

    def keyed(self, measure: str) -> dict[str, int]:
        return dict(self._values.get(measure, {}))

    def histogram(self, measure: str) -> dict[int, int]:
        return {int(key): value for key, value in self.keyed(measure).items()}


def _cell(
    refreshed: Refresh, filters: Filters, *, every_version: bool = False, by_month: bool = False
) -> Q:
    q = Q(refresh=refreshed)
    q &= Q(suite=filters.suite.pk if filters.suite else ALL_SUITES)
    q &= Q(offence_group=filters.group or ALL_GROUPS)
    if filters.version and not every_version:
        q &= Q(policy_version=filters.version)
    if not (by_month or filters.start or filters.end):
        return q & Q(month=ALL_MONTHS)
    q &= Q(month__gt=ALL_MONTHS)
    if filters.start:
        q &= Q(month__gte=filters.start)
    if filters.end:
        q &= Q(month__lte=filters.end)
    return q


def _summed(queryset: QuerySet[Tally], *fields: str):
    return queryset.values_list(*fields).annotate(total=Sum("value")).order_by()


def counts(refreshed: Refresh, filters: Filters) -> Counts:
    """Every measure of the cell, summed over its months: the dashboard's main query."""
    return Counts(_summed(Tally.objects.filter(_cell(refreshed, filters)), "measure", "key"))


def counts_by_version(
    refreshed: Refresh, filters: Filters, measures: list[str]
) -> dict[int, Counts]:
    """`measures` for each policy version in turn, under the other filters."""
    rows = _summed(
        Tally.objects.filter(_cell(refreshed, filters, every_version=True), measure__in=measures),
        "policy_version",
        "measure",
        "key",
    )
    by_version: dict[int, list[tuple[str, str, int]]] = defaultdict(list)
    for version, measure, key, value in rows:
        by_version[version].append((measure, key, value))
    return {version: Counts(rows) for version, rows in by_version.items()}


def monthly(
    refreshed: Refresh, filters: Filters, measure: str
) -> dict[datetime.date, dict[str, int]]:
    """{month: {key: value}} of one measure, for a chart over time."""
    rows = _summed(
        Tally.objects.filter(_cell(refreshed, filters, by_month=True), measure=measure),
        "month",
        "key",
    )
    by_month: dict[datetime.date, dict[str, int]] = defaultdict(dict)
    for month, key, value in rows:
        by_month[month][key] = value
    return dict(sorted(by_month.items()))


def caseworkers(refreshed: Refresh, filters: Filters) -> dict[int, User]:
    """The caseworkers with open cases in the cell, by id, for the workload table: found
    from the tallies themselves, so it is one query whether there are none or many."""
    ids = Tally.objects.filter(_cell(refreshed, filters), measure="caseload").values(
        caseworker=Cast("key", BigIntegerField())
    )
    return {user.pk: user for user in User.objects.filter(pk__in=ids)}


def latest_refresh() -> Refresh | None:
    """The refresh the figures come from: the latest finished."""
    return Refresh.objects.filter(status=RefreshStatus.DONE).order_by("-finished_at").first()
