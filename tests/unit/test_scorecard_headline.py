"""Headline figures: the week, the week before computed the same way, the change, the
rating against each target, and the trend."""

from __future__ import annotations

import pytest

from orderline.domain.scorecard.figures import Figure, Kpi, Rating, Target, TrendPoint
from orderline.domain.scorecard.weeks import IsoWeek
from tests.unit.scorecard_records import W20, at, card, order, ticket

W18, W19 = IsoWeek(2026, 18), IsoWeek(2026, 19)
NOW = at(2026, 5, 25)
ORDERS = [
    # W19 (Monday 4 May): first shipments after 10 and 30 hours, one exception of two.
    order(
        "p1", at(2026, 5, 4, 9), first=at(2026, 5, 4, 19), last=at(2026, 5, 4, 19), exceptions=("backorder",)
    ),
    order("p2", at(2026, 5, 5, 9), first=at(2026, 5, 6, 15), last=at(2026, 5, 6, 15)),
    # W20: 6 hours, one order of four with a problem, one ticket.
    order("w1", at(2026, 5, 11, 9), first=at(2026, 5, 11, 15), last=at(2026, 5, 11, 15)),
    order("w2", at(2026, 5, 12, 9), exceptions=("address_invalid",)),
    order("w3", at(2026, 5, 13, 9), cancelled=True),
    order("w4", at(2026, 5, 14, 9), exceptions=("split_shipment",)),
]
TICKETS = [ticket("t1", at(2026, 5, 12, 10), order_id="w2")]


def test_every_kpi_in_order_with_the_previous_week_and_the_change() -> None:
    result = card(W20, ORDERS, TICKETS, now=NOW)
    figures = {figure.kpi: figure for figure in result.headline}

    assert [figure.kpi for figure in result.headline] == list(Kpi)
    assert figures[Kpi.SHIP_FIRST_P50_HOURS] == Figure(Kpi.SHIP_FIRST_P50_HOURS, 6.0, 20.0)
    assert figures[Kpi.SHIP_FIRST_P50_HOURS].change == -14.0
    assert figures[Kpi.SHIP_FIRST_P90_HOURS] == Figure(Kpi.SHIP_FIRST_P90_HOURS, 6.0, 28.0)
    assert figures[Kpi.EXCEPTION_RATE_PCT] == Figure(Kpi.EXCEPTION_RATE_PCT, 50.0, 50.0)
    assert figures[Kpi.EXCEPTION_RATE_PCT].change == 0.0
    assert figures[Kpi.PROBLEM_EXCEPTION_RATE_PCT] == Figure(Kpi.PROBLEM_EXCEPTION_RATE_PCT, 25.0, 50.0)
    assert figures[Kpi.TICKETS_PER_100_ORDERS] == Figure(Kpi.TICKETS_PER_100_ORDERS, 25.0, 0.0)


def test_the_previous_week_is_what_that_week_own_scorecard_says() -> None:
    this_week = card(W20, ORDERS, TICKETS, now=NOW)
    week_before = card(W19, ORDERS, TICKETS, now=NOW)

    assert [f.previous for f in this_week.headline] == [f.value for f in week_before.headline]


def test_a_figure_with_nothing_to_compare_has_no_change() -> None:
    result = card(W19, ORDERS, TICKETS, now=NOW)
    first_p50 = next(figure for figure in result.headline if figure.kpi is Kpi.SHIP_FIRST_P50_HOURS)

    assert (first_p50.value, first_p50.previous, first_p50.change) == (20.0, None, None)


def test_targets_rate_each_figure_green_amber_or_red() -> None:
    targets = {
        Kpi.SHIP_FIRST_P50_HOURS: Target(green=6.0, amber=12.0),  # 6: green up to and at 6
        Kpi.SHIP_FIRST_P90_HOURS: Target(green=4.0, amber=6.0),  # 6: amber at its limit
        Kpi.PROBLEM_EXCEPTION_RATE_PCT: Target(green=10.0, amber=20.0),  # 25: red
    }

    result = card(W20, ORDERS, TICKETS, now=NOW, targets=targets)
    ratings = {figure.kpi: (figure.target, figure.rating) for figure in result.headline}

    assert ratings[Kpi.SHIP_FIRST_P50_HOURS] == (targets[Kpi.SHIP_FIRST_P50_HOURS], Rating.GREEN)
    assert ratings[Kpi.SHIP_FIRST_P90_HOURS] == (targets[Kpi.SHIP_FIRST_P90_HOURS], Rating.AMBER)
    assert ratings[Kpi.PROBLEM_EXCEPTION_RATE_PCT] == (targets[Kpi.PROBLEM_EXCEPTION_RATE_PCT], Rating.RED)
    assert ratings[Kpi.TICKETS_PER_100_ORDERS] == (None, None)


def test_a_target_where_higher_is_better_rates_the_other_way() -> None:
    target = Target(green=95.0, amber=90.0, higher_is_better=True)

    assert [target.rate(value) for value in (99.0, 95.0, 92.0, 90.0, 89.9)] == [
        Rating.GREEN,
        Rating.GREEN,
        Rating.AMBER,
        Rating.AMBER,
        Rating.RED,
    ]
    assert Figure(Kpi.EXCEPTION_RATE_PCT, None, 3.0, target).rating is None
    with pytest.raises(ValueError, match="amber"):
        Target(green=95.0, amber=99.0, higher_is_better=True)


def test_lower_is_better_targets_refuse_an_amber_below_green() -> None:
    with pytest.raises(ValueError, match="amber"):
        Target(green=24.0, amber=12.0)


def test_the_trend_holds_every_kpi_of_each_week_oldest_first() -> None:
    result = card(W20, ORDERS, TICKETS, now=NOW, trend_weeks=3)

    assert [point.week for point in result.trend] == [W18, W19, W20]
    assert result.trend[0] == TrendPoint(W18, dict.fromkeys(Kpi))
    assert result.trend[1].values == {f.kpi: f.previous for f in result.headline}
    assert result.trend[2].values == {f.kpi: f.value for f in result.headline}


def test_a_one_week_trend_still_has_the_previous_week() -> None:
    result = card(W20, ORDERS, TICKETS, now=NOW, trend_weeks=1)

    assert [point.week for point in result.trend] == [W20]
    assert result.headline[0].previous == 20.0
    with pytest.raises(ValueError, match="at least one week"):
        card(W20, ORDERS, TICKETS, now=NOW, trend_weeks=0)


def test_the_scorecard_says_when_and_for_what_it_was_built() -> None:
    result = card(W20, ORDERS, TICKETS, now=NOW, store_id="s1")

    assert (result.week, result.store_id, result.generated_at, result.is_baseline) == (W20, "s1", NOW, False)
    assert len(result.trend) == 8
