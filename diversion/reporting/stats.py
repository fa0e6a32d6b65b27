"""The dashboard's statistics, as plain arithmetic on counts the queries have already made.

Each rule here is one from "Reporting: how each measure is defined" in the domain notes: the
percentiles of a waiting time, the relative rate index with its confidence interval, and the
small-number suppression with its symbols.
"""

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TypeVar

K = TypeVar("K", bound=Hashable)

# The symbols and their key, in the style of GOV.UK's Ethnicity facts and figures: a cell is
# never left empty.
WITHHELD = "!"  # fewer than 10, or would let a withheld figure be worked out
UNRELIABLE = "?"  # too few to be reliable
NOT_COLLECTED = "–"
NOT_APPLICABLE = "N/A"

MIN_COUNT = 10  # a count below this is withheld
MIN_NUMERATOR = 5  # a rate or RRI on fewer events than this is unreliable
MIN_DENOMINATOR = 10  # ... and so is one on fewer people than this

Z_95 = 1.96


def percentile(histogram: Mapping[int, int], fraction: float) -> float | None:
    """The percentile of the values counted in `histogram` ({value: how many}), or None if empty.

    The same as PostgreSQL's percentile_cont: linear interpolation between the closest ranks, at
    position fraction × (n − 1). The fraction is taken as the decimal it is written as (0.9 as
    9/10, not the nearest binary float) and the arithmetic is exact, so the median and the 90th
    percentile come out exactly, where floating point would give 0.9999999999999964 for 1.0.
    """
    if not 0 <= fraction <= 1:
        raise ValueError(f"A percentile's fraction is between 0 and 1, not {fraction}.")
    values = sorted(histogram.items())  # a value counted 0 times takes no rank
    total = sum(count for _, count in values)
    if total == 0:
        return None
    position = Fraction(repr(fraction)) * (total - 1)
    below, above = math.floor(position), math.ceil(position)
    ranked: dict[int, int] = {}  # rank (from 0) -> value, for the two ranks needed
    seen = 0
    for value, count in values:
        for rank in (below, above):
            if seen <= rank < seen + count:
                ranked[rank] = value
        seen += count
    return float(ranked[below] + (ranked[above] - ranked[below]) * (position - below))


@dataclass(frozen=True)
class RateRatio:
    """A relative rate index and its 95% confidence interval."""

    value: float
    low: float
    high: float


def rate_ratio(a: int, n1: int, c: int, n2: int) -> RateRatio | None:
    """The relative rate index of a group's rate a/n1 against the reference group's c/n2.

    The domain notes' rule: RRI = (a/n1) ÷ (c/n2), with the 95% confidence interval by the log
    method, exp(ln(RRI) ± 1.96 × sqrt(1/a − 1/n1 + 1/c − 1/n2)). Undefined (None, shown as
    NOT_APPLICABLE and never as 0) when a or c is 0 or either group is empty.
    """
    if not (0 <= a <= n1 and 0 <= c <= n2):
        raise ValueError("Each rate's numerator is between 0 and its denominator.")
    if a == 0 or c == 0:
        return None
    value = (a * n2) / (n1 * c)
    margin = Z_95 * math.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n2)
    return RateRatio(value, math.exp(math.log(value) - margin), math.exp(math.log(value) + margin))


def withheld(counts: Mapping[K, int], sums: Iterable[tuple[K, Sequence[K]]]) -> set[K]:
    """The cells of `counts` to show as WITHHELD.

    The domain notes' small-number rule. Primary suppression: every count below MIN_COUNT, 0
    included. Secondary: `sums` lists the equations total = sum(parts) a reader has (a column of
    groups and its "All" row, say); wherever exactly one cell of an equation is withheld it could
    be worked out, so the smallest part still shown is withheld too (the first in `parts` on a
    tie), or the total if no part is left, until no equation has exactly one. This is the usual
    rule of thumb, not a proof against every combination of equations.
    """
    equations = [(total, tuple(parts)) for total, parts in sums]
    if any(not parts for _, parts in equations):
        raise ValueError("A total is the sum of at least one part.")
    hidden = {cell for cell, count in counts.items() if count < MIN_COUNT}
    changed = True
    while changed:
        changed = False
        for total, parts in equations:
            if sum(cell in hidden for cell in (total, *parts)) == 1:
                shown = [part for part in parts if part not in hidden]
                hidden.add(min(shown, key=lambda part: counts[part]) if shown else total)
                changed = True
    return hidden


def rate_symbol(numerator: int, denominator: int) -> str | None:
    """UNRELIABLE for a rate (or an RRI's group rate) on too few to be reliable, else None.

    The domain notes' rule: a numerator below MIN_NUMERATOR or a denominator below
    MIN_DENOMINATOR. This does not cover withholding: the caller shows a rate as WITHHELD
    whenever its numerator or its denominator is withheld, since a rate times its denominator
    gives its numerator back.
    """
    if numerator < MIN_NUMERATOR or denominator < MIN_DENOMINATOR:
        return UNRELIABLE
    return None
