"""Percentiles by linear interpolation between closest ranks (type 7), on known arrays."""

from __future__ import annotations

import pytest

from orderline.domain.scorecard.figures import Percentiles
from orderline.domain.scorecard.percentiles import median, percentiles, quantile


def test_four_values_interpolate_between_ranks() -> None:
    # Sorted 2, 3, 4, 10. rank(p50) = 3 * 0.5 = 1.5: halfway from 3 to 4; rank(p90) = 2.7: 4 + 0.7 * (10 - 4).
    result = percentiles([10.0, 2.0, 4.0, 3.0])

    assert result.count == 4
    assert result.p50 == 3.5
    assert result.p90 == pytest.approx(8.2, abs=1e-12)


def test_eleven_values_land_on_ranks_exactly() -> None:
    values = [float(v) for v in (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 100)]

    assert percentiles(reversed(values)) == Percentiles(count=11, p50=5.0, p90=9.0)


def test_six_values_give_halfway_points() -> None:
    # rank(p50) = 2.5, rank(p90) = 4.5.
    assert percentiles([1.0, 2.0, 4.0, 8.0, 16.0, 32.0]) == Percentiles(count=6, p50=6.0, p90=24.0)


def test_one_value_is_every_percentile() -> None:
    assert percentiles([7.25]) == Percentiles(count=1, p50=7.25, p90=7.25)


def test_no_values_give_no_percentiles() -> None:
    assert percentiles([]) == Percentiles(count=0, p50=None, p90=None)
    assert median([]) is None


def test_quantile_bounds_and_extremes() -> None:
    ordered = [1.0, 5.0, 9.0]

    assert quantile(ordered, 0.0) == 1.0
    assert quantile(ordered, 1.0) == 9.0
    assert quantile(ordered, 0.25) == 3.0
    with pytest.raises(ValueError, match="between 0 and 1"):
        quantile(ordered, 1.5)


def test_ties_and_the_median_of_an_even_count() -> None:
    assert median([3.0, 1.0, 3.0, 2.0]) == 2.5
    assert percentiles([4.0, 4.0, 4.0]) == Percentiles(count=3, p50=4.0, p90=4.0)


def test_interpolation_is_rounded_as_duckdb_rounds_it() -> None:
    # DuckDB 2.0's quantile_cont gives 52.7574259298748 here; low + (high - low) * 0.9
    # would give 52.757425929874806, one unit in the last place away.
    low, high = 24.049415068894962, 55.94720491442812

    assert quantile([low, high], 0.9) == 52.7574259298748
