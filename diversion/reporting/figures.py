"""How a panel's figures are laid out: tables of cells, each a count, a rate, a figure or a
symbol, with small numbers suppressed over the whole table at once (reporting.stats)."""

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from django.utils.safestring import SafeString

from diversion.reporting import stats

T = TypeVar("T")


@dataclass(frozen=True)
class Cell:
    """What a table shows (`text`) and, for a chart, the number behind it (None when it is
    withheld, unreliable or not applicable: the chart then shows `text`, the symbol)."""

    text: str
    value: float | None = None
    numeric: bool = True


def label(text: str) -> Cell:
    return Cell(text, numeric=False)


def number(value: float, places: int = 0) -> Cell:
    return Cell(f"{value:,.{places}f}", float(value))


def symbol(text: str) -> Cell:
    return Cell(text)


@dataclass
class Table:
    caption: str
    head: list[str]
    rows: list[list[Cell]]
    notes: list[str] = field(default_factory=list)


# A panel's chart, drawn only when the page is: the template calls it.
Chart = Callable[[], SafeString] | str


@dataclass
class Panel:
    slug: str
    title: str
    lead: str
    tables: list[Table]
    chart: Chart = ""
    notes: list[str] = field(default_factory=list)
    # Whether small numbers are withheld (the symbols' key is then shown).
    suppressed: bool = True


class Grid:
    """The counts a page shows, with the sums a reader could use to work one out, so that
    suppression (stats.withheld) covers the whole page: the same count in two tables is
    one cell, withheld in both or in neither.

    A page is built twice. The first time, with a collecting grid, only gathers the counts
    and sums (its cells are thrown away); `settled()` then withholds over all of them, and
    the second build, with the settled grid, shows the cells.
    """

    def __init__(self, *, suppress: bool = True, hidden: set[Hashable] | None = None) -> None:
        self.counts: dict[Hashable, int] = {}
        self.sums: list[tuple[Hashable, Sequence[Hashable]]] = []
        self.suppress = suppress
        self._hidden = hidden if suppress else set()

    def add(self, key: Hashable, value: int) -> Hashable:
        """The count `key`; the same key anywhere on the page is the same count."""
        self.counts.setdefault(key, value)
        return key

    def total(self, total: Hashable, parts: Sequence[Hashable]) -> None:
        """`total` is the sum of `parts`, and both are shown."""
        parts = [part for part in parts if part in self.counts]
        if parts:
            self.sums.append((total, parts))

    def settled(self) -> "Grid":
        """A grid that withholds over every count and sum gathered here."""
        return Grid(hidden=stats.withheld(self.counts, self.sums))

    @property
    def hidden(self) -> set[Hashable]:
        # While collecting, nothing is withheld yet: those cells are never shown.
        return self._hidden or set()

    def count(self, key: Hashable) -> Cell:
        if key in self.hidden:
            return symbol(stats.WITHHELD)
        return number(self.counts[key])

    def row(self, words: str, key: Hashable, of: Hashable | None = None) -> list[Cell]:
        """A table row: its heading, the count `key`, and its rate of `of` (if any)."""
        return [label(words), self.count(key), self.rate(key, of) if of else label("")]

    def rate(self, numerator: Hashable, denominator: Hashable) -> Cell:
        """numerator ÷ denominator as a percentage, unless either is withheld or too few."""
        a, n = self.counts[numerator], self.counts[denominator]
        # Suppression first: "not applicable" on a withheld denominator would say it is 0.
        if self.suppress:
            if numerator in self.hidden or denominator in self.hidden:
                return symbol(stats.WITHHELD)
            unreliable = stats.rate_symbol(a, n)
            if unreliable:
                return symbol(unreliable)
        if n == 0:
            return symbol(stats.NOT_APPLICABLE)
        return percent(a / n)

    def per_100(self, events: Hashable, people: Hashable) -> Cell:
        """Events per 100 people, judged as a rate is."""
        cell = self.rate(events, people)
        if cell.value is None:
            return cell
        return number(100 * self.counts[events] / self.counts[people], 1)

    def ratio(self, a: Hashable, n1: Hashable, c: Hashable, n2: Hashable) -> Cell:
        """The relative rate index of a/n1 against the reference c/n2, with its interval."""
        counts = [self.counts[key] for key in (a, n1, c, n2)]
        if self.suppress:
            if any(key in self.hidden for key in (a, n1, c, n2)):
                return symbol(stats.WITHHELD)
            if stats.rate_symbol(counts[0], counts[1]) or stats.rate_symbol(counts[2], counts[3]):
                return symbol(stats.UNRELIABLE)
        if counts[1] == 0 or counts[3] == 0:
            return symbol(stats.NOT_APPLICABLE)
        rri = stats.rate_ratio(*counts)
        if rri is None:
            return symbol(stats.NOT_APPLICABLE)
        return Cell(f"{rri.value:.2f} ({rri.low:.2f} to {rri.high:.2f})", rri.value)

    def interval(self, a: Hashable, n1: Hashable, c: Hashable, n2: Hashable):
        """(low, RRI, high) for a chart, or None where the table shows a symbol."""
        if self.ratio(a, n1, c, n2).value is None:
            return None
        rri = stats.rate_ratio(*(self.counts[key] for key in (a, n1, c, n2)))
        return None if rri is None else (rri.low, rri.value, rri.high)


def withholding(make: Callable[["Grid"], T]) -> T:
    """What `make` builds from a grid, with small numbers withheld over all of it: made once
    to gather every count and sum, then again to show them (see Grid)."""
    collecting = Grid()
    make(collecting)
    return make(collecting.settled())


def percent(fraction: float) -> Cell:
    return Cell(f"{100 * fraction:.1f}%", 100 * fraction)


def days(value: float | None, people: int, *, suppress: bool = True) -> Cell:
    """A median or percentile of days (or hours): unreliable on fewer than the minimum
    denominator, none included (its count is withheld, and "not applicable" would say it is
    0); not applicable on none only where nothing is suppressed."""
    if suppress and people < stats.MIN_DENOMINATOR:
        return symbol(stats.UNRELIABLE)
    if value is None or people == 0:
        return symbol(stats.NOT_APPLICABLE)
    return number(value, 1 if value % 1 else 0)


def mean(total: int, people: int, *, places: int = 2) -> Cell:
    """An average: unreliable on fewer than the minimum denominator, none included, as
    days() is."""
    if people < stats.MIN_DENOMINATOR:
        return symbol(stats.UNRELIABLE)
    return number(total / people, places)
