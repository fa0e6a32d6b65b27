"""The dashboards' SVG charts: what each draws, how it labels values and gaps, and that the
markup stays escaped, accessible and free of script and inline style."""

import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from diversion.reporting import charts
from diversion.reporting.charts import (
    GAP,
    WIDTH,
    Series,
    bar_chart,
    column_chart,
    format_value,
    interval_chart,
)

MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTHS = [f"{month} {year}" for year in range(2021, 2026) for month in MONTH_NAMES]


def parse(svg):
    """The chart as an element tree: this also proves the markup is well formed."""
    return ET.fromstring(str(svg))  # noqa: S314 - our own markup, not untrusted input


def bars(root, number=None):
    css = "app-chart__bar" if number is None else f"app-chart__bar--{number}"
    return [rect for rect in root.iter("rect") if css in rect.get("class", "").split()]


def texts(root, css):
    return [text.text for text in root.iter("text") if css in text.get("class", "").split()]


def funnel(values, **kwargs):
    categories = [f"Stage {number}" for number in range(1, len(values) + 1)]
    return parse(
        bar_chart(
            "funnel", "Funnel", "Each stage", categories, [Series("People", values)], **kwargs
        )
    )


def needs(**kwargs):
    return parse(
        bar_chart(
            "needs",
            "Needs at entry and exit",
            "Share of people with each need",
            ["Housing", "Mental health", "Drugs"],
            [Series("At entry", [40, 30, 20]), Series("At exit", [20, 10, 5])],
            unit="%",
            maximum=100,
            **kwargs,
        )
    )


# Bar charts


def test_one_series_draws_a_bar_for_each_category_and_no_legend():
    root = funnel([1200, 900, 600])
    assert len(bars(root, 1)) == 3
    assert [rect for rect in root.iter("rect") if "app-chart__swatch" in rect.get("class")] == []
    assert texts(root, "app-chart__legend") == []
    assert texts(root, "app-chart__label") == ["Stage 1", "Stage 2", "Stage 3"]


def test_grouped_bars_draw_one_bar_per_series_in_each_category_with_a_legend():
    root = needs()
    assert len(bars(root, 1)) == 3
    assert len(bars(root, 2)) == 3
    assert texts(root, "app-chart__legend") == ["At entry", "At exit"]
    swatches = [rect.get("class") for rect in root.iter("rect") if "swatch" in rect.get("class")]
    assert swatches == [
        "app-chart__swatch app-chart__swatch--1",
        "app-chart__swatch app-chart__swatch--2",
    ]


def test_the_bars_of_a_group_sit_in_series_order_under_their_label():
    root = needs()
    first, second = bars(root, 1)[0], bars(root, 2)[0]
    assert float(first.get("y")) < float(second.get("y")) < float(bars(root, 1)[1].get("y"))


def test_value_labels_are_written_at_the_end_of_each_bar():
    root = funnel([12345, 1000, 7])
    assert texts(root, "app-chart__value") == ["12,345", "1,000", "7"]
    values = [text for text in root.iter("text") if text.get("class") == "app-chart__value"]
    for rect, text in zip(bars(root), values, strict=True):
        assert float(text.get("x")) == pytest.approx(float(rect.get("width")) + GAP, abs=0.01)


def test_percentages_are_labelled_to_one_decimal_place():
    assert texts(needs(), "app-chart__value") == [
        "40.0%",
        "20.0%",
        "30.0%",
        "10.0%",
        "20.0%",
        "5.0%",
    ]


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (0, "", "0"),
        (7, "", "7"),
        (1234567, "", "1,234,567"),
        (12.0, "", "12"),
        (2.46, " per 100", "2.5 per 100"),
        (45, "%", "45.0%"),
        (12.25, "%", "12.3%"),
        (99.95, "%", "100.0%"),
        (0.04, "%", "0.0%"),
        (1500.5, "%", "1,500.5%"),
    ],
)
def test_format_value(value, unit, expected):
    assert format_value(value, unit) == expected


def test_the_longest_bar_fills_the_plot_and_others_are_in_proportion():
    root = funnel([1200, 600, 300])
    widths = [float(rect.get("width")) for rect in bars(root)]
    # The plot is the chart's width less room for the widest value label.
    assert widths[0] == pytest.approx(WIDTH - GAP - charts._text_width("1,200"), abs=0.01)
    assert widths[1] == pytest.approx(widths[0] / 2, abs=0.01)
    assert widths[2] == pytest.approx(widths[0] / 4, abs=0.01)


def test_a_maximum_sets_the_scale():
    root = funnel([100.0, 50.0], unit="%", maximum=200)
    full, half = (float(rect.get("width")) for rect in bars(root))
    plot = WIDTH - GAP - charts._text_width("100.0%")
    assert (full, half) == (pytest.approx(plot / 2, abs=0.01), pytest.approx(plot / 4, abs=0.01))


def test_a_value_above_the_maximum_is_refused():
    with pytest.raises(ValueError, match="above the chart's maximum"):
        funnel([120], unit="%", maximum=100)


def test_a_zero_draws_no_bar_but_is_labelled():
    root = funnel([10, 0])
    assert len(bars(root)) == 1
    assert texts(root, "app-chart__value") == ["10", "0"]


def test_all_zeros_draw_no_bars():
    root = funnel([0, 0])
    assert bars(root) == []
    assert texts(root, "app-chart__value") == ["0", "0"]


def test_a_missing_value_draws_no_bar_and_writes_its_symbol():
    chart = bar_chart(
        "outcomes",
        "Outcomes",
        "Outcomes by policy version",
        ["Completed", "Breached", "Withdrawn"],
        [
            Series("Pilot", [40, None, None], symbols=[None, "!", None]),
            Series("Roll-out", [None, 12, 3]),
        ],
        symbol="N/A",
    )
    root = parse(chart)
    assert len(bars(root, 1)) == 1
    assert len(bars(root, 2)) == 2
    assert texts(root, "app-chart__symbol") == ["N/A", "!", "N/A"]
    assert texts(root, "app-chart__value") == ["40", "12", "3"]


def test_long_labels_wrap_onto_lines_that_fit_the_chart():
    label = "Drug and alcohol misuse, including prescription and over-the-counter medicines"
    root = parse(bar_chart("long", "Needs", "Needs", [label], [Series("People", [3])]))
    lines = texts(root, "app-chart__label")
    assert len(lines) > 1
    assert " ".join(lines) == label
    assert all(charts._text_width(line) <= WIDTH for line in lines)


def test_series_must_match_the_categories():
    with pytest.raises(ValueError, match="2 values for 3 categories"):
        bar_chart("x", "T", "D", ["a", "b", "c"], [Series("S", [1, 2])])


def test_negative_values_are_refused():
    with pytest.raises(ValueError, match="0 or more"):
        bar_chart("x", "T", "D", ["a"], [Series("S", [-1])])


def test_more_series_than_colours_are_refused():
    many = [Series(f"S{number}", [1]) for number in range(charts.SERIES_COLOURS + 1)]
    with pytest.raises(ValueError, match="1 to 6 series"):
        bar_chart("x", "T", "D", ["a"], many)


@given(
    st.lists(
        st.one_of(st.none(), st.floats(min_value=0, max_value=1e9, allow_nan=False)),
        min_size=1,
        max_size=12,
    )
)
def test_bars_and_their_labels_stay_inside_the_chart(values):
    root = funnel(values)
    for rect in bars(root):
        assert float(rect.get("x")) + float(rect.get("width")) <= WIDTH
    for text in root.iter("text"):
        if text.get("text-anchor") == "start":
            assert float(text.get("x")) + charts._text_width(text.text) <= WIDTH + 0.01


# Column charts


def test_stacked_columns_draw_a_segment_for_each_value_stacked_from_the_bottom():
    root = parse(
        column_chart(
            "monthly",
            "Referrals per month",
            "Referrals each month by offence group",
            ["Jan 2025", "Feb 2025", "Mar 2025"],
            [Series("Cannabis", [10, 20, 30]), Series("Class A", [5, 0, 15])],
        )
    )
    first, second = bars(root, 1), bars(root, 2)
    assert (len(first), len(second)) == (3, 2)  # a zero draws no segment
    bottom = float(first[0].get("y")) + float(first[0].get("height"))
    assert all(
        float(rect.get("y")) + float(rect.get("height")) == pytest.approx(bottom) for rect in first
    )
    # March's class A segment sits on top of its cannabis one, in the same column.
    march_cannabis, march_class_a = first[2], second[1]
    assert float(march_class_a.get("y")) + float(march_class_a.get("height")) == pytest.approx(
        float(march_cannabis.get("y"))
    )
    assert march_class_a.get("x") == march_cannabis.get("x")
    assert float(march_cannabis.get("height")) == pytest.approx(
        2 * float(march_class_a.get("height"))
    )


def test_a_stacked_legend_lists_the_series_in_the_order_they_are_stacked():
    root = parse(
        column_chart(
            "monthly",
            "T",
            "D",
            ["Jan 2025"],
            [Series("Cannabis", [1]), Series("Class A", [2]), Series("Other", [3])],
        )
    )
    assert texts(root, "app-chart__legend") == ["Other", "Class A", "Cannabis"]
    swatches = [rect.get("class") for rect in root.iter("rect") if "swatch" in rect.get("class")]
    assert swatches[0].endswith("--3")


def test_a_single_series_of_columns_has_no_legend():
    root = parse(column_chart("monthly", "T", "D", MONTHS[:3], [Series("Referrals", [1, 2, 3])]))
    assert texts(root, "app-chart__legend") == []
    assert len(bars(root, 1)) == 3


def test_unstacked_columns_stand_side_by_side():
    root = parse(
        column_chart(
            "monthly",
            "T",
            "D",
            ["Jan 2025", "Feb 2025"],
            [Series("Cannabis", [10, 20]), Series("Class A", [5, 15])],
            stacked=False,
        )
    )
    first, second = bars(root, 1), bars(root, 2)
    assert float(first[0].get("x")) < float(second[0].get("x")) < float(first[1].get("x"))
    assert texts(root, "app-chart__legend") == ["Cannabis", "Class A"]


def test_five_years_of_months_are_labelled_at_whole_year_steps():
    root = parse(column_chart("monthly", "T", "D", MONTHS, [Series("Referrals", [5] * 60)]))
    labels = [label for label in texts(root, "app-chart__tick-label") if " " in label]
    assert 2 <= len(labels) < 60
    assert all(label.startswith("Jan ") for label in labels)
    assert labels[0] == "Jan 2021"
    assert len(bars(root)) == 60


def test_label_every_chooses_which_months_are_labelled():
    root = parse(
        column_chart("monthly", "T", "D", MONTHS, [Series("Referrals", [5] * 60)], label_every=6)
    )
    labels = [label for label in texts(root, "app-chart__tick-label") if " " in label]
    assert labels == [month for month in MONTHS if month[:3] in {"Jan", "Jul"}]


def test_a_few_months_are_all_labelled():
    root = parse(column_chart("monthly", "T", "D", MONTHS[:4], [Series("Referrals", [1] * 4)]))
    assert [label for label in texts(root, "app-chart__tick-label") if " " in label] == MONTHS[:4]


def test_the_count_scale_has_round_steps_with_separators():
    root = parse(column_chart("monthly", "T", "D", ["Jan 2025"], [Series("Referrals", [12000])]))
    ticks = [label for label in texts(root, "app-chart__tick-label") if " " not in label]
    assert ticks == ["0", "5,000", "10,000", "15,000"]


def test_a_missing_month_writes_its_symbol_above_the_column():
    root = parse(
        column_chart(
            "monthly",
            "T",
            "D",
            ["Jan 2025", "Feb 2025"],
            [Series("Cannabis", [10, 12]), Series("Class A", [None, 4], symbols=["!"])],
        )
    )
    assert len(bars(root, 2)) == 1
    assert texts(root, "app-chart__symbol") == ["!"]


def test_a_column_chart_of_zeros_draws_no_columns():
    root = parse(column_chart("monthly", "T", "D", MONTHS[:2], [Series("Referrals", [0, 0])]))
    assert bars(root) == []


# Interval charts


def rri(points, **kwargs):
    return parse(
        interval_chart(
            "rri",
            "Relative rate of offers",
            "Each group's rate of offers against the White group's",
            ["Asian", "Black", "Mixed"],
            points,
            reference_label="1 = same rate as the White group",
            **kwargs,
        )
    )


def test_each_point_draws_a_dot_on_its_interval():
    root = rri([(0.7, 0.9, 1.2), (1.1, 1.4, 1.8), (0.5, 1.0, 2.0)])
    dots = list(root.iter("circle"))
    assert len(dots) == 3
    whiskers = [line for line in root.iter("line") if line.get("class") == "app-chart__whisker"]
    assert len(whiskers) == 3 * 3  # the interval and a cap at each end
    interval = whiskers[0]
    assert float(interval.get("x1")) < float(dots[0].get("cx")) < float(interval.get("x2"))


def test_the_scale_includes_the_reference_line_and_labels_it():
    root = rri([(1.5, 2.0, 3.0), (1.2, 1.5, 2.1), (2.5, 3.0, 3.5)])
    reference = [line for line in root.iter("line") if line.get("class") == "app-chart__reference"]
    axis = next(
        line
        for line in root.iter("line")
        if line.get("class") == "app-chart__axis" and line.get("y1") == line.get("y2")
    )
    assert reference
    x = float(reference[0].get("x1"))
    assert float(axis.get("x1")) <= x <= float(axis.get("x2"))
    assert "1" in texts(root, "app-chart__tick-label")
    assert " ".join(texts(root, "app-chart__reference-label")) == "1 = same rate as the White group"
    # Every dot is to the right of the line: all three groups have a higher rate.
    assert all(float(circle.get("cx")) > x for circle in root.iter("circle"))


def test_a_point_that_cannot_be_calculated_writes_its_symbol():
    root = rri([(0.7, 0.9, 1.2), None, None], symbols=[None, "!"])
    assert len(list(root.iter("circle"))) == 1
    assert texts(root, "app-chart__symbol") == ["!", "N/A"]


def test_an_interval_that_does_not_hold_its_estimate_is_refused():
    with pytest.raises(ValueError, match="not a low, estimate and high"):
        rri([(1.2, 0.9, 1.5), None, None])


def test_points_must_match_the_categories():
    with pytest.raises(ValueError, match="2 points for 3 categories"):
        rri([None, None])


def test_an_interval_chart_with_nothing_to_show_still_draws_its_scale():
    root = rri([None, None, None])
    assert texts(root, "app-chart__symbol") == ["N/A"] * 3
    assert "1" in texts(root, "app-chart__tick-label")


# Every chart


def every_kind(label="Housing", title="Title", description="Description", id="chart"):
    return [
        bar_chart(id, title, description, [label], [Series(label, [3]), Series("B", [None])]),
        column_chart(id, title, description, [label], [Series(label, [3]), Series("B", [None])]),
        interval_chart(id, title, description, [label], [(0.5, 1, 2)], reference_label=label),
    ]


@pytest.mark.parametrize("chart", every_kind(), ids=["bar", "column", "interval"])
def test_a_chart_is_an_image_named_by_its_title_and_description(chart):
    root = parse(chart)
    assert root.tag == "svg"
    assert root.get("role") == "img"
    assert root.get("class") == "app-chart"
    assert root.get("viewBox").startswith(f"0 0 {WIDTH} ")
    assert root.get("aria-labelledby") == "chart-title chart-desc"
    assert root.find("title").get("id") == "chart-title"
    assert root.find("title").text == "Title"
    assert root.find("desc").get("id") == "chart-desc"
    assert root.find("desc").text == "Description"


@pytest.mark.parametrize("chart", every_kind(), ids=["bar", "column", "interval"])
def test_a_chart_has_no_script_and_no_inline_style(chart):
    markup = str(chart)
    assert "style=" not in markup
    assert "<script" not in markup
    elements = list(parse(chart).iter())
    assert not {"script", "style", "foreignObject"} & {element.tag for element in elements}
    attributes = {name for element in elements for name in element.attrib}
    assert not [name for name in attributes if name == "style" or name.startswith("on")]


def test_labels_from_the_data_are_escaped():
    nasty = '<script>alert("x")</script>'
    for chart in every_kind(label=nasty, title=nasty, description=nasty):
        markup = str(chart)
        assert "<script" not in markup
        assert "&lt;script&gt;" in markup
        assert nasty in [element.text for element in parse(chart).iter()]


def test_symbols_are_escaped():
    chart = bar_chart("x", "T", "D", ["a"], [Series("S", [None], symbols=["<b>"])])
    assert "&lt;b&gt;" in str(chart)
    assert "<b>" not in str(chart)


def test_charts_on_one_page_share_no_element_id():
    charts_on_a_page = [every_kind(id=id)[kind] for kind, id in enumerate(["a", "b", "c"])]
    ids = [
        element.get("id")
        for chart in charts_on_a_page
        for element in parse(chart).iter()
        if element.get("id")
    ]
    assert ids == ["a-title", "a-desc", "b-title", "b-desc", "c-title", "c-desc"]


@pytest.mark.parametrize("bad", ["", "1chart", "two words", 'x" onload="alert(1)', "a<b"])
def test_an_id_that_is_not_a_plain_name_is_refused(bad):
    with pytest.raises(ValueError, match="not a usable id"):
        bar_chart(bad, "T", "D", ["a"], [Series("S", [1])])
