"""Weighted random choices for the demo data."""

import bisect
import itertools


def weighted(pairs):
    """A table for pick(): values and their cumulative weights."""
    pairs = list(pairs)
    values = [value for value, _ in pairs]
    return values, list(itertools.accumulate(weight for _, weight in pairs))


def over(values, weights):
    """A table for pick() over exactly the domain's `values`, with the demo's `weights`
    (a mapping): a value the domain adds or drops is an error here, not silently skipped."""
    if set(weights) != set(values):
        raise ValueError(f"Demo weights {sorted(weights)} do not match {sorted(values)}")
    return weighted((value, weights[value]) for value in values)


def pick(rng, table):
    values, cumulative = table
    return values[bisect.bisect_right(cumulative, rng.random() * cumulative[-1])]


def chance(rng, p):
    return rng.random() < p
