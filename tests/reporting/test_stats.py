import math
import statistics
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from diversion.reporting.stats import (
    MIN_COUNT,
    UNRELIABLE,
    RateRatio,
    percentile,
    rate_ratio,
    rate_symbol,
    withheld,
)

# Waiting times in days, say: small non-negative integers with many repeats.
values = st.lists(st.integers(min_value=0, max_value=200), min_size=2, max_size=60)


# Percentiles


def test_median_of_two_values_is_halfway_between():
    assert percentile({1: 1, 2: 1}, 0.5) == 1.5


def test_median_of_an_odd_count_is_the_middle_value():
    assert percentile({3: 1, 7: 1, 20: 1}, 0.5) == 7.0


def test_ninetieth_percentile_interpolates_exactly():
    # n = 10, position 0.9 × 9 = 8.1: a tenth of the way from rank 8 (0) to rank 9 (10).
    assert percentile({0: 9, 10: 1}, 0.9) == 1.0


def test_percentile_ignores_values_counted_zero_times():
    assert percentile({1: 1, 2: 1, 50: 0}, 0.5) == 1.5


def test_percentile_of_nothing_is_none():
    assert percentile({}, 0.5) is None
    assert percentile({4: 0}, 0.9) is None


def test_percentile_of_one_value_is_that_value():
    assert percentile({12: 3}, 0.9) == 12.0


def test_percentile_ends_are_the_smallest_and_largest_values():
    histogram = {5: 2, 9: 4, 30: 1}
    assert (percentile(histogram, 0), percentile(histogram, 1)) == (5.0, 30.0)


def test_percentile_fraction_outside_zero_to_one_is_refused():
    with pytest.raises(ValueError):
        percentile({1: 1}, 1.5)


@given(values)
def test_median_matches_the_median_of_the_values_listed_out(data):
    assert percentile(Counter(data), 0.5) == statistics.median(data)


@given(values)
def test_deciles_match_inclusive_quantiles_of_the_values_listed_out(data):
    deciles = statistics.quantiles(data, n=10, method="inclusive")
    assert [percentile(Counter(data), i / 10) for i in range(1, 10)] == deciles


@given(values, st.floats(min_value=0, max_value=1), st.floats(min_value=0, max_value=1))
def test_percentiles_rise_with_the_fraction_within_the_range_of_values(data, one, other):
    low, high = sorted([one, other])
    histogram = Counter(data)
    assert min(data) <= percentile(histogram, low) <= percentile(histogram, high) <= max(data)


# Relative rate index


def test_rate_ratio_with_its_confidence_interval_by_the_log_method():
    # 20 of 100 in the group (20%) against 30 of 300 in the reference group (10%).
    result = rate_ratio(20, 100, 30, 300)
    margin = 1.96 * math.sqrt(1 / 20 - 1 / 100 + 1 / 30 - 1 / 300)  # 1.96 × sqrt(0.07)
    assert result == RateRatio(
        value=2.0,
        low=pytest.approx(math.exp(math.log(2.0) - margin)),
        high=pytest.approx(math.exp(math.log(2.0) + margin)),
    )
    assert (round(result.low, 2), round(result.high, 2)) == (1.19, 3.36)


def test_rate_ratio_below_one_when_the_group_fares_less_often():
    result = rate_ratio(10, 100, 40, 200)
    assert result is not None
    assert result.value == 0.5
    assert result.low < 0.5 < result.high


@pytest.mark.parametrize(
    "a, n1, c, n2",
    [(0, 100, 30, 300), (20, 100, 0, 300), (0, 0, 30, 300), (20, 100, 0, 0)],
)
def test_rate_ratio_is_not_applicable_without_events_or_people(a, n1, c, n2):
    assert rate_ratio(a, n1, c, n2) is None


def test_rate_ratio_refuses_a_numerator_larger_than_its_denominator():
    with pytest.raises(ValueError):
        rate_ratio(20, 10, 30, 300)


# Suppression


def test_a_small_part_and_the_next_smallest_are_withheld():
    counts = {"A": 50, "B": 7, "C": 40, "All": 97}
    assert withheld(counts, [("All", ["A", "B", "C"])]) == {"B", "C"}


def test_nothing_is_withheld_when_every_count_is_large_enough():
    counts = {"A": 50, "B": 10, "C": 40, "All": 100}
    assert withheld(counts, [("All", ["A", "B", "C"])]) == set()


def test_zero_is_withheld_as_fewer_than_ten():
    counts = {"A": 0, "B": 20, "C": 30, "All": 50}
    assert withheld(counts, [("All", ["A", "B", "C"])]) == {"A", "B"}


def test_two_small_parts_need_no_secondary_suppression():
    counts = {"A": 3, "B": 8, "C": 40, "All": 51}
    assert withheld(counts, [("All", ["A", "B", "C"])]) == {"A", "B"}


def test_a_tie_for_smallest_part_is_broken_by_order():
    counts = {"A": 20, "B": 20, "C": 5, "All": 45}
    assert withheld(counts, [("All", ["A", "B", "C"])]) == {"A", "C"}
    assert withheld(counts, [("All", ["B", "A", "C"])]) == {"B", "C"}


def test_the_total_is_withheld_when_no_part_is_left_to_withhold():
    # B is withheld to protect A; the second total is B alone, so it gives B away.
    counts = {"A": 5, "B": 20, "T": 25, "U": 20}
    assert withheld(counts, [("T", ["A", "B"]), ("U", ["B"])]) == {"A", "B", "U"}


def test_secondary_suppression_in_a_column_carries_into_rows():
    #         p    q   All
    #   X     5   40    45
    #   Y    30   25    55
    #   Z    50   60   110
    #   All  85  125   210
    # X/p is primary. Column p then withholds Y/p, its smallest part; row X withholds X/q;
    # row Y, left with only Y/p withheld, withholds Y/q; column q then has two withheld.
    table = {"X": {"p": 5, "q": 40}, "Y": {"p": 30, "q": 25}, "Z": {"p": 50, "q": 60}}
    counts, sums = two_way(table)
    assert withheld(counts, sums) == {("X", "p"), ("X", "q"), ("Y", "p"), ("Y", "q")}


def test_an_equation_without_parts_is_refused():
    with pytest.raises(ValueError):
        withheld({"All": 0}, [("All", [])])


def two_way(table):
    """Cells, row and column totals and the grand total of {row: {column: count}}, with the
    equations a reader of the table has."""
    rows = list(table)
    columns = list(table[rows[0]])
    counts = {(row, column): table[row][column] for row in rows for column in columns}
    for row in rows:
        counts[(row, "All")] = sum(table[row].values())
    for column in columns:
        counts[("All", column)] = sum(table[row][column] for row in rows)
    counts[("All", "All")] = sum(counts[(row, "All")] for row in rows)
    sums = [(("All", column), [(row, column) for row in rows]) for column in columns]
    sums += [((row, "All"), [(row, column) for column in columns]) for row in rows]
    sums.append((("All", "All"), [("All", column) for column in columns]))
    sums.append((("All", "All"), [(row, "All") for row in rows]))
    return counts, sums


# Counts of each group at each stage, skewed small so that suppression has work to do.
tables = st.integers(min_value=1, max_value=6).flatmap(
    lambda width: st.dictionaries(
        st.sampled_from("ABCDEFGH"),
        st.lists(st.integers(min_value=0, max_value=40), min_size=width, max_size=width).map(
            lambda row: dict(enumerate(row))
        ),
        min_size=1,
    )
)


@given(tables)
def test_after_suppression_no_count_shown_is_small_or_can_be_worked_out(table):
    counts, sums = two_way(table)
    hidden = withheld(counts, sums)
    assert all(count >= MIN_COUNT for cell, count in counts.items() if cell not in hidden)
    for total, parts in sums:
        assert sum(cell in hidden for cell in (total, *parts)) != 1


@given(tables)
def test_suppression_is_deterministic_whatever_order_the_counts_come_in(table):
    counts, sums = two_way(table)
    reordered = dict(reversed(list(counts.items())))
    assert withheld(counts, sums) == withheld(reordered, sums) == withheld(counts, sums)


# Rates on too few to be reliable


@pytest.mark.parametrize(
    "numerator, denominator, symbol",
    [(4, 100, UNRELIABLE), (5, 9, UNRELIABLE), (5, 10, None), (0, 0, UNRELIABLE), (50, 80, None)],
)
def test_a_rate_on_few_events_or_people_is_unreliable(numerator, denominator, symbol):
    assert rate_symbol(numerator, denominator) == symbol
