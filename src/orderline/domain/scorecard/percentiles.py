"""Percentiles by linear interpolation between closest ranks (Hyndman and Fan's type 7).

The method of numpy's default and DuckDB's `quantile_cont`: over n sorted values the q-th
quantile sits at rank (n - 1) * q, between the values at its floor and its ceiling.
Rounded as DuckDB rounds it, so the two agree exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from fractions import Fraction
from math import floor

from orderline.domain.scorecard.figures import Percentiles


def quantile(ordered: Sequence[float], q: float) -> float | None:
    """The q-th quantile (0 <= q <= 1) of `ordered`, which must be sorted; None when empty."""
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"a quantile lies between 0 and 1, got {q}")
    if not ordered:
        return None
    rank = (len(ordered) - 1) * q
    below = floor(rank)
    low = ordered[below]
    if below == rank:
        return float(low)
    fraction = rank - below
    high_part = ordered[below + 1] * fraction
    # low * (1 - fraction) + high_part, added exactly and rounded once: DuckDB's
    # arithmetic (its build fuses that multiply-add), so the independent check in
    # tests/scorecard_duckdb.py agrees to the last bit rather than to 1e-15.
    return float(Fraction(low) * Fraction(1.0 - fraction) + Fraction(high_part))


def percentiles(values: Iterable[float]) -> Percentiles:
    """p50 and p90 of `values`, in any order."""
    ordered = sorted(values)
    return percentiles_of_sorted(ordered)


def percentiles_of_sorted(ordered: Sequence[float]) -> Percentiles:
    return Percentiles(count=len(ordered), p50=quantile(ordered, 0.5), p90=quantile(ordered, 0.9))


def median(values: Iterable[float]) -> float | None:
    return quantile(sorted(values), 0.5)
