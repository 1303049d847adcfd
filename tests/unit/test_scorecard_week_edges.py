"""Which week an order or a ticket is in: its store's ISO week, in its store's zone, also in
weeks that are 167 or 169 hours long (a DST change)."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from orderline.domain.scorecard.figures import Dimension
from orderline.domain.scorecard.weeks import IsoWeek, week_of
from tests.unit.scorecard_records import BERLIN, NEW_YORK, at, card, order, ticket

W12, W13, W14 = IsoWeek(2026, 12), IsoWeek(2026, 13), IsoWeek(2026, 14)
ZONES = {"ber": BERLIN, "utc": ZoneInfo("UTC")}
# Berlin moves to summer time in the night of Sunday 29 March 2026: W13 lasts 167 hours.
BERLIN_ORDERS = [
    order("ber-w12-last", at(2026, 3, 22, 23, 59, zone=BERLIN), store_id="ber"),
    order("ber-w13-first", at(2026, 3, 23, 0, 0, zone=BERLIN), store_id="ber"),
    order("ber-w13-last", at(2026, 3, 29, 23, 59, zone=BERLIN), store_id="ber"),
    order("ber-w14-first", at(2026, 3, 30, 0, 0, zone=BERLIN), store_id="ber"),
    # Sunday evening in London's winter time is Monday in Berlin: each in its own week.
    order("utc-w13-sunday", at(2026, 3, 29, 22, 30), store_id="utc"),
    order("utc-w12-sunday", at(2026, 3, 22, 23, 30), store_id="utc"),
]
NOW = at(2026, 4, 20)


def stores_of(week: IsoWeek, store_id: str | None = None) -> dict[str, int]:
    result = card(week, BERLIN_ORDERS, now=NOW, zones=ZONES, store_id=store_id)
    return {row.key: row.orders for row in result.cycle_time if row.dimension is Dimension.STORE}


def test_the_berlin_week_with_the_change_to_summer_time_is_167_hours() -> None:
    start, end = W13.bounds(BERLIN)

    assert (start, end) == (at(2026, 3, 22, 23), at(2026, 3, 29, 22))
    assert end - start == timedelta(hours=167)


def test_orders_at_the_edges_of_the_berlin_week_land_in_their_own_store_week() -> None:
    assert stores_of(W12) == {"ber": 1, "utc": 1}
    assert stores_of(W13) == {"ber": 2, "utc": 1}
    assert stores_of(W14) == {"ber": 1}
    assert card(W13, BERLIN_ORDERS, now=NOW, zones=ZONES).orders == 3


def test_the_weeks_agree_with_week_of_in_each_store_zone() -> None:
    expected = {"ber-w12-last": W12, "ber-w13-first": W13, "ber-w13-last": W13, "ber-w14-first": W14}
    expected |= {"utc-w13-sunday": W13, "utc-w12-sunday": W12}

    assert {o.order_id: week_of(o.placed_at, ZONES[o.store_id]) for o in BERLIN_ORDERS} == expected


def test_one_store_view_counts_only_that_store() -> None:
    assert stores_of(W13, store_id="ber") == {"ber": 2}
    assert card(W13, BERLIN_ORDERS, now=NOW, zones=ZONES, store_id="utc").orders == 1


def test_a_store_with_no_zone_counts_in_the_default_zone() -> None:
    # 23:30 UTC on Sunday 22 March is W12 in UTC (the default), W13 in Berlin.
    orders = [order("lost", at(2026, 3, 22, 23, 30), store_id="nowhere")]

    assert card(W12, orders, now=NOW, zones=ZONES).orders == 1
    assert card(W13, orders, now=NOW, zones=ZONES).orders == 0


def test_tickets_count_in_their_store_zone_and_storeless_ones_in_the_default_zone() -> None:
    tickets = [
        ticket("ber-monday", at(2026, 3, 29, 22, 30), store_id="ber"),  # Monday 00:30 in Berlin
        ticket("no-store-sunday", at(2026, 3, 29, 22, 30), store_id=None),
        ticket("unknown-store-sunday", at(2026, 3, 22, 23, 30), store_id="nowhere"),
        ticket("ber-first-minute", at(2026, 3, 23, 0, 0, zone=BERLIN), store_id="ber"),
    ]

    def total(week: IsoWeek) -> int:
        return card(week, BERLIN_ORDERS, tickets, now=NOW, zones=ZONES).tickets.total.tickets

    assert (total(W12), total(W13), total(W14)) == (1, 2, 1)


def test_the_new_york_week_with_the_change_to_winter_time_is_169_hours() -> None:
    # Clocks go back on Sunday 1 November 2026, the last day of W44.
    w44 = IsoWeek(2026, 44)
    start, end = w44.bounds(NEW_YORK)
    orders = [
        order("first-minute", at(2026, 10, 26, 0, 0, zone=NEW_YORK), store_id="nyc"),
        order("last-minute", at(2026, 11, 1, 23, 59, zone=NEW_YORK), store_id="nyc"),
        order("monday-in-utc", at(2026, 11, 2, 4, 30), store_id="nyc"),  # 23:30 EST on Sunday
        order("next-week", at(2026, 11, 2, 0, 0, zone=NEW_YORK), store_id="nyc"),
        order("week-before", at(2026, 10, 25, 23, 59, zone=NEW_YORK), store_id="nyc"),
    ]

    result = card(w44, orders, now=at(2026, 12, 1), zones={"nyc": NEW_YORK})

    assert end - start == timedelta(hours=169)
    assert (start, end) == (at(2026, 10, 26, 4), at(2026, 11, 2, 5))
    assert result.orders == 3
    assert result.trend[-2].week == IsoWeek(2026, 43)


def test_cycle_time_across_the_night_clocks_go_back_is_real_elapsed_time() -> None:
    # Saturday noon EDT to Sunday noon EST: 25 hours, none of them on a weekday.
    placed = at(2026, 10, 31, 12, 0, zone=NEW_YORK)
    shipped = at(2026, 11, 1, 12, 0, zone=NEW_YORK)
    orders = [order("weekend", placed, store_id="nyc", first=shipped, last=shipped)]

    result = card(IsoWeek(2026, 44), orders, now=at(2026, 12, 1), zones={"nyc": NEW_YORK})
    row = result.cycle_time[0]

    assert shipped - placed == timedelta(hours=25)
    assert (row.first_hours.p50, row.first_business_hours.p50) == (25.0, 0.0)
