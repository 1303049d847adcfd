"""How many rows one intake commit takes: the insert budget over the measured cost per
row, bounded, and grown to what the oldest waiting request has waited when behind."""

from __future__ import annotations

import pytest

from orderline.persistence.intake_commits import CommitSizing, RowCost

SIZING = CommitSizing(linger_s=0.002, insert_budget_s=0.004, min_batch=32, max_batch=1024)


@pytest.mark.parametrize(
    ("row_cost_s", "waited_s", "limit"),
    [
        (25e-6, 0.0, 160),  # 4 ms of inserts at 25 µs a row
        (100e-6, 0.0, 40),  # a busy machine: fewer rows in the same 4 ms
        (500e-6, 0.0, 32),  # never below the floor: every commit pays its fsync
        (1e-6, 0.0, 1024),  # never above the cap
        (100e-6, 0.010, 100),  # behind: the oldest waited 10 ms, so 10 ms of inserts
        (100e-6, 0.001, 40),  # waiting less than the budget changes nothing
        (0.0, 0.0, 1024),  # no cost measured: the cap
    ],
)
def test_batch_limit_is_the_budget_over_the_cost_per_row(
    row_cost_s: float, waited_s: float, limit: int
) -> None:
    assert SIZING.batch_limit(row_cost_s, waited_s) == limit


def test_row_cost_moves_a_fifth_of_the_way_to_each_commits_cost_per_row() -> None:
    cost = RowCost(initial_s=30e-6, weight=0.2)

    cost.observe(0.005, 50)  # 100 µs a row
    cost.observe(0.0, 0)  # an empty batch says nothing

    assert cost.seconds == pytest.approx(30e-6 + 0.2 * 70e-6)
