"""Server-rendered SVG charts for the dashboards.

Each function returns an ``<svg role="img">`` named by its ``<title>`` and ``<desc>``. The markup
holds geometry and class names only: no script and no inline style, which the content security
policy forbids. Colours and type come from ``static/scss/_charts.scss``. Every piece of text goes
through ``format_html``, so labels from the data are escaped. The page shows the same numbers in a
table beside the chart, so a chart never holds the only copy of a figure.

Sizes are in viewBox units, and the stylesheet makes the SVG as wide as its column. Charts are
``WIDTH`` units wide with ``FONT_SIZE``-unit text. That keeps the text at 14px or more in the
345px column of a 375px screen, which is why long labels sit above their bars, wrapped.

A value of ``None`` is a figure the chart must not show: withheld (small numbers) or not
applicable. Nothing is drawn for it, and its symbol is written where the bar or point would be,
from the same key as the table's ("!" withheld, "N/A" not applicable).
"""

import math
import re
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH = 380
FONT_SIZE = 16  # the .app-chart font size in static/scss/_charts.scss
LINE = 20  # height of a line of text
BAR = 20  # thickness of a bar, and the height of an interval chart's row
GAP = 4  # between a label and its bar, between bars of a group, before a value label
GROUP_GAP = 16  # between one category and the next
PLOT_HEIGHT = 200  # a column chart's plot area
SERIES_COLOURS = 6  # the .app-chart__bar--N classes in static/scss/_charts.scss
DEFAULT_SYMBOL = "N/A"

# Characters to a wrapped line: WIDTH at the 0.6em-per-character average of _text_width.
_WRAP = int(WIDTH / (FONT_SIZE * 0.6))
_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
# Month labels read best at a step that divides a year: every quarter, half year, year.
_LABEL_STEPS = (1, 2, 3, 4, 6, 12, 24, 36, 48, 60)


@dataclass(frozen=True)
class Series:
    """One series of values, one for each of the chart's categories, in the same order.

    ``symbols`` gives, at the index of a ``None`` value, the symbol to write instead (for example
    "!" for withheld). Where it has none, the chart's ``symbol`` argument is written.
    """

    label: str
    values: Sequence[float | None]
    symbols: Sequence[str | None] = ()

    def symbol_at(self, index: int, default: str) -> str:
        return _symbol_at(self.symbols, index, default)


def format_value(value: float, unit: str = "") -> str:
    """A bar's value label: whole numbers with thousands separators ("12,345"), others to one
    decimal place, and a percentage always to one decimal place ("45.0%"). ``unit`` is written
    straight after the number, so pass " days" with its space.

    Halves round up (12.25 is "12.3"), as Django's ``floatformat`` rounds them in the table
    beside the chart; Python's own formatting would round 12.25 to the even "12.2".
    """
    number = Decimal(repr(float(value)))
    whole = unit != "%" and number == number.to_integral_value()
    return f"{number.quantize(Decimal(1 if whole else '0.1'), ROUND_HALF_UP):,}{unit}"


def bar_chart(
    id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    unit: str = "",
    maximum: float | None = None,
    symbol: str = DEFAULT_SYMBOL,
) -> SafeString:
    """Horizontal bars: for each category its label, then one bar for each series, with the value
    written at the bar's end. Two or more series are grouped, with a legend above.

    The longest bar fills the plot unless ``maximum`` (100 for percentages) sets the scale.
    A zero draws no bar, only its label "0".
    """
    _check_id(id)
    _check_series(categories, series)
    largest = max(_known(series), default=0.0)
    if maximum is None:
        maximum = largest
    elif maximum < largest:
        raise ValueError(f"A value of {largest} is above the chart's maximum of {maximum}.")
    labels = [
        [
            item.symbol_at(index, symbol) if value is None else format_value(value, unit)
            for index, value in enumerate(item.values)
        ]
        for item in series
    ]
    widest_label = max((_text_width(label) for row in labels for label in row), default=0.0)
    plot_width = WIDTH - GAP - widest_label

    parts, y = _legend(series)
    for index, category in enumerate(categories):
        y = _label_lines(parts, category, y) + GAP
        group_top = y
        for number, item in enumerate(series, start=1):
            value = item.values[index]
            baseline = _baseline(y, BAR)
            if value is None:
                parts.append(_text(GAP, baseline, labels[number - 1][index], "app-chart__symbol"))
            else:
                length = value / maximum * plot_width if maximum else 0.0
                if length > 0:
                    parts.append(_rect(0, y, length, BAR, _bar_class(number)))
                parts.append(
                    _text(length + GAP, baseline, labels[number - 1][index], "app-chart__value")
                )
            y += BAR + GAP
        # The zero line, so that a zero or a missing bar is seen to start where the others do.
        parts.append(_line(0, group_top, 0, y - GAP, "app-chart__axis"))
        y += GROUP_GAP - GAP
    return _svg(id, title, description, y, parts)


def column_chart(
    id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    stacked: bool = True,
    label_every: int | None = None,
    symbol: str = DEFAULT_SYMBOL,
) -> SafeString:
    """Vertical columns over time (categories such as "Jan 2025"), one segment for each series,
    stacked in series order from the bottom, or side by side when ``stacked`` is False.

    Two or more series get a legend, listed top to bottom in the order the segments are stacked.
    Every ``label_every``-th category is labelled, by default as often as the labels fit.
    A column with a missing value has the value's symbol written above it.
    """
    _check_id(id)
    _check_series(categories, series)
    if label_every is not None and label_every < 1:
        raise ValueError("label_every must be 1 or more.")
    if stacked:
        heights = [
            sum(value for item in series if (value := item.values[index]) is not None)
            for index in range(len(categories))
        ]
    else:
        heights = list(_known(series))
    ticks = _ticks(0, max(heights, default=0.0), whole=True)
    scale = ticks[-1]
    tick_labels = [_format_number(tick) for tick in ticks]
    gutter = max(_text_width(label) for label in tick_labels) + 2 * GAP
    band = (WIDTH - gutter) / len(categories) if categories else 0.0

    parts, y = _legend(list(reversed(series)) if stacked else series, numbers_reversed=stacked)
    plot_top = y + LINE  # room above the tallest column for a symbol
    plot_bottom = plot_top + PLOT_HEIGHT

    for tick, label in zip(ticks, tick_labels, strict=True):
        tick_y = plot_bottom - tick / scale * PLOT_HEIGHT
        parts.append(_line(gutter, tick_y, WIDTH, tick_y, "app-chart__gridline"))
        parts.append(
            _text(gutter - GAP, _baseline(tick_y, 0), label, "app-chart__tick-label", "end")
        )
    draw = _stack if stacked else _side_by_side
    for index in range(len(categories)):
        parts += draw(series, index, gutter + index * band, band, plot_bottom, scale, symbol)
    parts.append(_line(gutter, plot_bottom, WIDTH, plot_bottom, "app-chart__axis"))

    every = label_every or _label_step(categories, band)
    for index in range(0, len(categories), every):
        centre = gutter + index * band + band / 2
        half = _text_width(categories[index]) / 2
        parts.append(_line(centre, plot_bottom, centre, plot_bottom + GAP, "app-chart__axis"))
        # Kept whole inside the chart: the first and last labels shift inwards.
        x = min(max(centre, half), WIDTH - half)
        parts.append(
            _text(
                x,
                _baseline(plot_bottom + GAP, LINE),
                categories[index],
                "app-chart__tick-label",
                "middle",
            )
        )
    return _svg(id, title, description, plot_bottom + GAP + LINE + GAP, parts)


def interval_chart(
    id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    points: Sequence[tuple[float, float, float] | None],
    *,
    reference: float = 1.0,
    reference_label: str = "",
    symbols: Sequence[str | None] = (),
    symbol: str = DEFAULT_SYMBOL,
) -> SafeString:
    """A point with its interval for each category: ``(low, estimate, high)``, such as a relative
    rate index with its 95% confidence interval, on a linear scale.

    The scale always includes ``reference``, drawn as a dashed line through every row and
    labelled above them, beside the line, with ``reference_label`` (for example "1 = same rate as
    the White group"). A point of None writes its symbol: from ``symbols`` at its index, or else
    ``symbol``.
    """
    _check_id(id)
    if len(points) != len(categories):
        raise ValueError(f"{len(points)} points for {len(categories)} categories.")
    known = [point for point in points if point is not None]
    for low, estimate, high in known:
        if not all(map(math.isfinite, (low, estimate, high))) or not low <= estimate <= high:
            raise ValueError(f"({low}, {estimate}, {high}) is not a low, estimate and high.")
    ticks = _ticks(
        min([reference, *(low for low, _, _ in known)]),
        max([reference, *(high for _, _, high in known)]),
    )
    tick_labels = [_format_number(tick) for tick in ticks]
    # Half the widest tick label each side, so the end labels fit under their ticks.
    margin = max(_text_width(label) for label in tick_labels) / 2

    def x_of(value: float) -> float:
        return margin + (value - ticks[0]) / (ticks[-1] - ticks[0]) * (WIDTH - 2 * margin)

    parts: list[SafeString] = []
    # The reference line's label sits beside its top, on whichever side has more room.
    line_x = x_of(reference)
    on_right = line_x <= WIDTH / 2
    room = (WIDTH - line_x if on_right else line_x) - 2 * GAP
    label = reference_label or f"Reference: {_format_number(reference)}"
    y = 0.0
    for line in textwrap.wrap(label, max(int(room / (FONT_SIZE * 0.6)), 1)) or [label]:
        x = line_x + 2 * GAP if on_right else line_x - 2 * GAP
        anchor = "start" if on_right else "end"
        parts.append(_text(x, _baseline(y, LINE), line, "app-chart__reference-label", anchor))
        y += LINE
    parts.append(_line(line_x, 0, line_x, y + GAP, "app-chart__reference"))
    y += GAP
    for index, category in enumerate(categories):
        y = _label_lines(parts, category, y) + GAP
        # Gridlines and the reference line run through each row, not across the labels.
        for tick in ticks:
            parts.append(_line(x_of(tick), y, x_of(tick), y + BAR, "app-chart__gridline"))
        parts.append(_line(line_x, y, line_x, y + BAR, "app-chart__reference"))
        point = points[index]
        middle = y + BAR / 2
        if point is None:
            text = _symbol_at(symbols, index, symbol)
            parts.append(_text(margin + GAP, _baseline(y, BAR), text, "app-chart__symbol"))
        else:
            low, estimate, high = (x_of(value) for value in point)
            parts.append(_line(low, middle, high, middle, "app-chart__whisker"))
            for end in (low, high):
                parts.append(
                    _line(end, middle - BAR / 4, end, middle + BAR / 4, "app-chart__whisker")
                )
            parts.append(
                format_html(
                    '<circle class="app-chart__point" cx="{}" cy="{}" r="{}"/>',
                    _number(estimate),
                    _number(middle),
                    _number(BAR / 4),
                )
            )
        y += BAR + GROUP_GAP
    axis_y = y - GROUP_GAP + GAP
    parts.append(_line(margin, axis_y, WIDTH - margin, axis_y, "app-chart__axis"))
    for tick, label in zip(ticks, tick_labels, strict=True):
        parts.append(_line(x_of(tick), axis_y, x_of(tick), axis_y + GAP, "app-chart__axis"))
        parts.append(
            _text(
                x_of(tick), _baseline(axis_y + GAP, LINE), label, "app-chart__tick-label", "middle"
            )
        )
    return _svg(id, title, description, axis_y + GAP + LINE + GAP, parts)


def _stack(
    series: Sequence[Series],
    index: int,
    left: float,
    band: float,
    bottom: float,
    scale: float,
    symbol: str,
) -> list[SafeString]:
    """One stacked column: a segment for each series' value, the first at the bottom."""
    parts = []
    top = bottom
    missing = []
    for number, item in enumerate(series, start=1):
        value = item.values[index]
        if value is None:
            missing.append(item.symbol_at(index, symbol))
        elif value > 0:
            height = value / scale * PLOT_HEIGHT
            top -= height
            parts.append(_rect(left + band * 0.15, top, band * 0.7, height, _bar_class(number)))
    if missing:
        # One symbol for each kind of missing value, above what is known of the column.
        text = " ".join(dict.fromkeys(missing))
        parts.append(_text(left + band / 2, top - GAP, text, "app-chart__symbol", "middle"))
    return parts


def _side_by_side(
    series: Sequence[Series],
    index: int,
    left: float,
    band: float,
    bottom: float,
    scale: float,
    symbol: str,
) -> list[SafeString]:
    """One category's columns, one for each series, side by side."""
    parts = []
    width = band * 0.8 / len(series)
    for number, item in enumerate(series, start=1):
        x = left + band * 0.1 + (number - 1) * width
        value = item.values[index]
        if value is None:
            text = item.symbol_at(index, symbol)
            parts.append(_text(x + width / 2, bottom - GAP, text, "app-chart__symbol", "middle"))
        elif value > 0:
            height = value / scale * PLOT_HEIGHT
            parts.append(_rect(x, bottom - height, width, height, _bar_class(number)))
    return parts


def _symbol_at(symbols: Sequence[str | None], index: int, default: str) -> str:
    given = symbols[index] if index < len(symbols) else None
    return default if given is None else given


def _check_id(id: str) -> None:
    if not _ID.fullmatch(id):
        raise ValueError(f"{id!r} is not a usable id: a letter, then letters, digits, - or _.")


def _check_series(categories: Sequence[str], series: Sequence[Series]) -> None:
    if not 1 <= len(series) <= SERIES_COLOURS:
        raise ValueError(f"A chart shows 1 to {SERIES_COLOURS} series, not {len(series)}.")
    for item in series:
        if len(item.values) != len(categories):
            raise ValueError(
                f"{item.label!r} has {len(item.values)} values for {len(categories)} categories."
            )
    for value in _known(series):
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"{value} cannot be drawn: values are counts or rates, 0 or more.")


def _known(series: Iterable[Series]) -> Iterable[float]:
    return (value for item in series for value in item.values if value is not None)


def _bar_class(number: int) -> str:
    return f"app-chart__bar app-chart__bar--{number}"


def _text_width(text: str) -> float:
    """A generous guess at the width of text in Arial at FONT_SIZE: the server cannot measure
    text, so the layout leaves room for the guess."""
    narrow, wide = ",.:;!'|il ", "%MWmw@"
    return sum(
        FONT_SIZE * (0.3 if char in narrow else 0.9 if char in wide else 0.6) for char in text
    )


def _baseline(top: float, height: float) -> float:
    """The baseline that centres a line of text vertically in a box."""
    return top + height / 2 + FONT_SIZE * 0.35


def _format_number(value: float) -> str:
    """A scale's tick label: up to two decimal places, no trailing zeros."""
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _number(value: float) -> str:
    """A coordinate, to two decimal places at most."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _ticks(low: float, high: float, *, whole: bool = False) -> list[float]:
    """About four round steps covering low to high ("nice numbers"), whole ones for counts."""
    if high <= low:
        high = low + 1
    rough = (high - low) / 4
    magnitude = 10 ** math.floor(math.log10(rough))
    multiples = (1, 2, 5, 10) if whole else (1, 2, 2.5, 5, 10)
    step = next(m * magnitude for m in multiples if m * magnitude >= rough)
    if whole:
        step = max(1, round(step))
    start = math.floor(round(low / step, 9)) * step
    end = math.ceil(round(high / step, 9)) * step
    return [round(start + k * step, 9) for k in range(round((end - start) / step) + 1)]


def _label_step(categories: Sequence[str], band: float) -> int:
    widest = max((_text_width(category) for category in categories), default=0.0)
    needed = math.ceil((widest + 2 * GAP) / band) if band else 1
    return next((step for step in _LABEL_STEPS if step >= needed), needed)


def _legend(
    series: Sequence[Series], *, numbers_reversed: bool = False
) -> tuple[list[SafeString], float]:
    """A swatch and label for each series, one to a line, when there is more than one series.
    Returns the parts and the height they take."""
    parts: list[SafeString] = []
    if len(series) < 2:
        return parts, 0.0
    y = 0.0
    for position, item in enumerate(series):
        number = len(series) - position if numbers_reversed else position + 1
        parts.append(
            _rect(
                0,
                y + (LINE - FONT_SIZE) / 2,
                FONT_SIZE,
                FONT_SIZE,
                f"app-chart__swatch app-chart__swatch--{number}",
            )
        )
        y = _label_lines(parts, item.label, y, indent=FONT_SIZE + 2 * GAP, css="app-chart__legend")
    return parts, y + GROUP_GAP


def _label_lines(
    parts: list[SafeString],
    label: str,
    top: float,
    *,
    indent: float = 0,
    css: str = "app-chart__label",
) -> float:
    """Write a label wrapped to the chart's width, from ``top``; return where it ends."""
    characters = _WRAP - math.ceil(indent / (FONT_SIZE * 0.6))
    for line in textwrap.wrap(label, characters) or [label]:
        parts.append(_text(indent, _baseline(top, LINE), line, css))
        top += LINE
    return top


def _text(x: float, y: float, text: str, css: str, anchor: str = "start") -> SafeString:
    return format_html(
        '<text class="{}" x="{}" y="{}" text-anchor="{}">{}</text>',
        css,
        _number(x),
        _number(y),
        anchor,
        text,
    )


def _rect(x: float, y: float, width: float, height: float, css: str) -> SafeString:
    return format_html(
        '<rect class="{}" x="{}" y="{}" width="{}" height="{}"/>',
        css,
        _number(x),
        _number(y),
        _number(width),
        _number(height),
    )


def _line(x1: float, y1: float, x2: float, y2: float, css: str) -> SafeString:
    return format_html(
        '<line class="{}" x1="{}" y1="{}" x2="{}" y2="{}"/>',
        css,
        _number(x1),
        _number(y1),
        _number(x2),
        _number(y2),
    )


def _svg(
    id: str, title: str, description: str, height: float, parts: list[SafeString]
) -> SafeString:
    return format_html(
        '<svg class="app-chart" viewBox="0 0 {} {}" role="img" aria-labelledby="{}-title {}-desc">'
        '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>{}</svg>',
        WIDTH,
        _number(max(height, LINE)),
        id,
        id,
        id,
        title,
        id,
        description,
        format_html_join("", "{}", ((part,) for part in parts)),
    )
