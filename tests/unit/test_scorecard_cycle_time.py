"""Order-to-ship cycle time of a hand-built week: hours and business hours, the breakdown
rows, orders not shipped yet with their ages, and the distribution."""

from __future__ import annotations

from datetime import time, timedelta
from zoneinfo import ZoneInfo

import pytest

from orderline.domain.order_exceptions.business_calendar import BusinessCalendar
from orderline.domain.scorecard.figures import (
    CycleTimeRow,
    Dimension,
    HistogramBin,
    Kpi,
    Percentiles,
    Scorecard,
    Unshipped,
)
from tests.unit.scorecard_records import W20, at, card, order

NOW = at(2026, 5, 19, 8)  # Tuesday after W20
OFFICE_HOURS = {"s2": BusinessCalendar("UTC", opens_at=time(9), closes_at=time(17))}
# s1 has no calendar: whole weekdays in its zone (UTC). Monday 11 May 2026 opens W20.
WEEK = [
    order("o1", at(2026, 5, 11, 10), first=at(2026, 5, 11, 16), last=at(2026, 5, 12, 10), carrier="ups"),
    order(
        "o2",
        at(2026, 5, 12, 8),
        platform="woocommerce",
        first=at(2026, 5, 13, 8),
        last=at(2026, 5, 13, 8),
        carrier="dhl",
        types=("multi_item", "high_value"),
    ),
    # Friday noon to Monday noon: 72 hours, 24 of them on weekdays; only partly shipped.
    order("o3", at(2026, 5, 15, 12), first=at(2026, 5, 18, 12), types=("multi_item",)),
    order("o4", at(2026, 5, 13, 9), types=("multi_item",)),  # never shipped
    order("o5", at(2026, 5, 14, 9), first=at(2026, 5, 14, 10), cancelled=True, carrier="ups"),
    order(
        "o6",
        at(2026, 5, 14, 0),
        first=at(2026, 5, 14, 3),
        last=at(2026, 5, 14, 3),
        carrier="ups",
        refunded=True,
    ),
    order("o7", at(2026, 5, 17, 20), first=at(2026, 5, 20, 9), carrier="dhl"),  # ships after now
    # Bad data: shipped an hour before it was placed.
    order("o8", at(2026, 5, 16, 10), first=at(2026, 5, 16, 9), last=at(2026, 5, 16, 9), carrier="ups"),
    # Office hours 9-17: Friday 16-17 and Monday 9-10 are two business hours of 66.
    order(
        "o9",
        at(2026, 5, 15, 16),
        store_id="s2",
        platform="bigcommerce",
        first=at(2026, 5, 18, 10),
        last=at(2026, 5, 18, 10),
        carrier="dhl",
    ),
]


def week_card() -> Scorecard:
    return card(W20, WEEK, now=NOW, calendars=OFFICE_HOURS)


def row(dimension: Dimension, key: str) -> CycleTimeRow:
    return next(r for r in week_card().cycle_time if (r.dimension, r.key) == (dimension, key))


def test_the_week_counts_cancelled_orders_apart() -> None:
    result = week_card()

    assert (result.orders, result.cancelled) == (9, 1)
    assert (row(Dimension.ALL, "all").orders, row(Dimension.ALL, "all").unshipped) == (8, 2)


def test_hours_to_first_and_last_shipment_of_every_order_not_cancelled() -> None:
    # First: 0 (o8), 3, 6, 24, 66, 72. Last: 0, 3, 24, 24, 66 (o3 is only partly shipped).
    everything = row(Dimension.ALL, "all")

    assert everything.first_hours == Percentiles(count=6, p50=15.0, p90=69.0)
    assert everything.last_hours.count == 5
    assert everything.last_hours.p50 == 24.0
    assert everything.last_hours.p90 == pytest.approx(49.2, abs=1e-9)  # 24 + 0.6 * (66 - 24)


def test_business_hours_skip_the_weekend_and_follow_each_store_calendar() -> None:
    # First: o8 0, o9 2, o6 3, o1 6, o2 24, o3 24 (Friday noon to Monday noon).
    everything = row(Dimension.ALL, "all")

    assert everything.first_business_hours == Percentiles(count=6, p50=4.5, p90=24.0)
    assert everything.last_business_hours == Percentiles(count=5, p50=3.0, p90=24.0)
    assert row(Dimension.STORE, "s2").first_business_hours == Percentiles(count=1, p50=2.0, p90=2.0)
    assert row(Dimension.STORE, "s2").first_hours == Percentiles(count=1, p50=66.0, p90=66.0)


def test_rows_by_store_platform_order_type_and_carrier_in_that_order() -> None:
    keys = [(r.dimension, r.key, r.orders, r.unshipped) for r in week_card().cycle_time]

    assert keys == [
        (Dimension.ALL, "all", 8, 2),
        (Dimension.STORE, "s1", 7, 2),
        (Dimension.STORE, "s2", 1, 0),
        (Dimension.PLATFORM, "bigcommerce", 1, 0),
        (Dimension.PLATFORM, "shopify", 6, 2),
        (Dimension.PLATFORM, "woocommerce", 1, 0),
        (Dimension.ORDER_TYPE, "high_value", 1, 0),
        (Dimension.ORDER_TYPE, "multi_item", 3, 1),  # o2, o3 and o4: o2 counts in two types
        (Dimension.ORDER_TYPE, "standard", 5, 1),
        # Shipped orders only, by their first shipment's carrier.
        (Dimension.CARRIER, "dhl", 2, 0),
        (Dimension.CARRIER, "unknown", 1, 0),
        (Dimension.CARRIER, "ups", 3, 0),
    ]
    assert row(Dimension.CARRIER, "ups").first_hours == Percentiles(count=3, p50=3.0, p90=5.4)


def test_orders_not_shipped_are_counted_with_their_age_at_now() -> None:
    # o4 placed Wednesday 09:00 (143 hours before now), o7 Sunday 20:00 (36 hours).
    assert week_card().unshipped == Unshipped(
        count=2,
        median_age_hours=89.5,
        oldest_age_hours=143.0,
        by_age=(("<24h", 0), ("24-48h", 1), ("48-96h", 0), (">96h", 1)),
    )


def test_age_bands_include_their_lower_bound() -> None:
    now = at(2026, 5, 18, 0)  # the end of W20
    ages = [1, 23, 24, 47, 48, 95, 96, 120, 167]
    orders = [order(f"aged-{age}", now - timedelta(hours=age)) for age in ages]

    result = card(W20, orders, now=now)

    assert result.unshipped == Unshipped(
        count=9,
        median_age_hours=48.0,
        oldest_age_hours=167.0,
        by_age=(("<24h", 2), ("24-48h", 2), ("48-96h", 2), (">96h", 3)),
    )


def test_a_week_with_no_orders_reports_nothing_measured() -> None:
    result = card(W20, [], now=NOW)

    assert result.cycle_time == (
        CycleTimeRow(Dimension.ALL, "all", 0, *(Percentiles(0, None, None),) * 4, unshipped=0),
    )
    assert result.unshipped == Unshipped(
        0, None, None, (("<24h", 0), ("24-48h", 0), ("48-96h", 0), (">96h", 0))
    )
    assert [figure.value for figure in result.headline] == [None] * len(Kpi)


def test_distribution_of_hours_to_first_shipment() -> None:
    assert week_card().distribution == (
        HistogramBin(0.0, 6.0, 2),  # 0, 3
        HistogramBin(6.0, 12.0, 1),  # 6 (the lower bound counts)
        HistogramBin(12.0, 24.0, 0),
        HistogramBin(24.0, 48.0, 1),
        HistogramBin(48.0, 72.0, 1),
        HistogramBin(72.0, 120.0, 1),
        HistogramBin(120.0, None, 0),
    )


def test_headline_cycle_figures_are_the_all_row() -> None:
    values = {figure.kpi: figure.value for figure in week_card().headline}

    assert values[Kpi.SHIP_FIRST_P50_HOURS] == 15.0
    assert values[Kpi.SHIP_FIRST_P90_HOURS] == 69.0
    assert values[Kpi.SHIP_LAST_P50_HOURS] == 24.0
    assert values[Kpi.SHIP_LAST_P90_HOURS] == pytest.approx(49.2, abs=1e-9)
    assert values[Kpi.SHIP_FIRST_P50_BUSINESS_HOURS] == 4.5
    assert values[Kpi.SHIP_FIRST_P90_BUSINESS_HOURS] == 24.0


def test_a_store_calendar_in_its_own_zone() -> None:
    # Berlin, 9-17: placed Friday 16:30 local, shipped Monday 09:30 local (after a weekend).
    berlin = ZoneInfo("Europe/Berlin")
    calendar = {"ber": BusinessCalendar("Europe/Berlin", opens_at=time(9), closes_at=time(17))}
    placed, shipped = at(2026, 5, 15, 16, 30, zone=berlin), at(2026, 5, 18, 9, 30, zone=berlin)
    orders = [order("b1", placed, store_id="ber", first=shipped, last=shipped)]

    result = card(W20, orders, now=NOW, zones={"ber": berlin}, calendars=calendar)

    assert result.cycle_time[0].first_business_hours.p50 == 1.0
    assert result.cycle_time[0].first_hours.p50 == 65.0
