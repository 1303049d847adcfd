"""Hand-made scorecards for the renderers' tests: a full week across two stores (one
named in Chinese, one with a comma and quotes in its id), figures rated green, amber and
red, figures with nothing to measure (None), eight trend weeks with a gap, merchant text
that needs escaping; and the scorecard of a week without a single order."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from orderline.domain.scorecard.figures import (
    BreachedEscalation,
    CycleTimeRow,
    Dimension,
    DriftIncident,
    FailureAnalysis,
    Figure,
    HistogramBin,
    Kpi,
    LaneRow,
    ParetoRow,
    Percentiles,
    RateRow,
    Scorecard,
    SilentException,
    Target,
    TicketRow,
    TicketSummary,
    TrendPoint,
    Unshipped,
    WorkflowRisk,
)
from orderline.domain.scorecard.weeks import IsoWeek

WEEK = IsoWeek(2026, 48)
CHINESE_STORE = "北京-商店"
QUOTED_STORE = 'shop "north", eu'
GENERATED_AT = datetime(2026, 11, 30, 7, 0, tzinfo=ZoneInfo("Europe/Berlin"))
"""06:00 UTC."""
DRIFT_REASON = '<b>status "shipped" & tracking missing</b>'
TICKET_REASON = "where's my <order>?"

TARGETS = {
    Kpi.SHIP_FIRST_P50_HOURS: Target(24, 36),
    Kpi.SHIP_FIRST_P90_HOURS: Target(36, 48),
    Kpi.SHIP_LAST_P90_HOURS: Target(48, 72),
    Kpi.EXCEPTION_RATE_PCT: Target(10, 15),
    Kpi.PROBLEM_EXCEPTION_RATE_PCT: Target(5, 10),
    Kpi.TICKETS_PER_100_ORDERS: Target(5, 8),
}

HEADLINE = (
    Figure(Kpi.SHIP_FIRST_P50_HOURS, 18.254, 20.5, TARGETS[Kpi.SHIP_FIRST_P50_HOURS]),  # green, better
    Figure(Kpi.SHIP_FIRST_P90_HOURS, 40.126, 38.0, TARGETS[Kpi.SHIP_FIRST_P90_HOURS]),  # amber, worse
    Figure(Kpi.SHIP_LAST_P50_HOURS, 30.0, None),  # no week before, no target
    Figure(Kpi.SHIP_LAST_P90_HOURS, 80.456, 70.0, TARGETS[Kpi.SHIP_LAST_P90_HOURS]),  # red
    Figure(Kpi.SHIP_FIRST_P50_BUSINESS_HOURS, 9.5, 10.0),
    Figure(Kpi.SHIP_FIRST_P90_BUSINESS_HOURS, None, 22.0),  # nothing measured this week
    Figure(Kpi.EXCEPTION_RATE_PCT, 12.5, 10.0, TARGETS[Kpi.EXCEPTION_RATE_PCT]),  # amber
    Figure(Kpi.PROBLEM_EXCEPTION_RATE_PCT, 100 / 12, 9.0, TARGETS[Kpi.PROBLEM_EXCEPTION_RATE_PCT]),
    Figure(Kpi.TICKETS_PER_100_ORDERS, 3.2, 3.2, TARGETS[Kpi.TICKETS_PER_100_ORDERS]),  # green, same
    Figure(Kpi.DRIFT_PER_1000_ORDERS, 16.0, 24.0),  # 2 incidents in 125 orders
    Figure(Kpi.DRIFT_DETECT_P50_HOURS, 1.5, None),
)


def _cycle(dimension: Dimension, key: str, orders: int, p50: float | None, p90: float | None) -> CycleTimeRow:
    first = Percentiles(orders, p50, p90)
    last = Percentiles(orders, None if p50 is None else p50 + 6, None if p90 is None else p90 + 12)
    business = Percentiles(orders, None if p50 is None else p50 / 2, None if p90 is None else p90 / 2)
    return CycleTimeRow(dimension, key, orders, first, last, business, business, unshipped=1)


CYCLE_TIME = (
    _cycle(Dimension.ALL, "all", 120, 18.254, 40.126),
    _cycle(Dimension.STORE, CHINESE_STORE, 80, 16.0, 36.5),
    _cycle(Dimension.STORE, QUOTED_STORE, 40, 22.75, 48.0),
    _cycle(Dimension.PLATFORM, "shopify", 80, 16.0, 36.5),
    _cycle(Dimension.PLATFORM, "woocommerce", 40, 22.75, 48.0),
    _cycle(Dimension.ORDER_TYPE, "standard", 90, 15.0, 30.0),
    _cycle(Dimension.ORDER_TYPE, "international", 30, 40.0, 96.0),
    _cycle(Dimension.CARRIER, "DHL Express", 70, 17.0, 38.0),
    _cycle(Dimension.CARRIER, "none", 5, None, None),
)

UNSHIPPED = Unshipped(5, 30.5, 120.25, (("<24h", 1), ("24-48h", 2), ("48-96h", 1), (">96h", 1)))

EXCEPTION_RATES = (
    RateRow(Dimension.ALL, "all", 120, 15),
    RateRow(Dimension.ORDER_TYPE, "standard", 90, 7),
    RateRow(Dimension.ORDER_TYPE, "international", 30, 8),
    RateRow(Dimension.EXCEPTION_TYPE, "address_invalid", 120, 6),
    RateRow(Dimension.EXCEPTION_TYPE, "fulfillment_delayed", 120, 5),
    RateRow(Dimension.EXCEPTION_TYPE, "split_shipment", 120, 4, informational=True),
)

TICKETS = TicketSummary(
    total=TicketRow("all", 4, 125, 3),
    by_store=(TicketRow(CHINESE_STORE, 3, 84, 3), TicketRow(QUOTED_STORE, 0, 41, 0)),
    top_reasons=((TICKET_REASON, 2), ("damaged", 1), ("other", 1)),
)

DISTRIBUTION = (
    HistogramBin(0, 12, 30),
    HistogramBin(12, 24, 45),
    HistogramBin(24, 48, 25),
    HistogramBin(48, 96, 12),
    HistogramBin(96, None, 3),
)

TREND_VALUES: dict[Kpi, list[float | None]] = {
    Kpi.SHIP_FIRST_P50_HOURS: [26.0, 25.5, 24.0, 22.0, 21.0, 20.0, 20.5, 18.254],
    Kpi.SHIP_FIRST_P90_HOURS: [50.0, 49.0, 47.5, 45.0, 41.0, 39.0, 38.0, 40.126],
    Kpi.SHIP_LAST_P50_HOURS: [None, None, 33.0, 32.0, None, 31.0, None, 30.0],
    Kpi.SHIP_LAST_P90_HOURS: [90.0, 88.0, 86.0, 84.0, 80.0, 75.0, 70.0, 80.456],
    Kpi.SHIP_FIRST_P50_BUSINESS_HOURS: [12.0, 12.0, 11.5, 11.0, 10.5, 10.0, 10.0, 9.5],
    Kpi.SHIP_FIRST_P90_BUSINESS_HOURS: [None] * 8,
    Kpi.EXCEPTION_RATE_PCT: [14.0, 13.0, 13.5, 12.0, 11.0, 10.5, 10.0, 12.5],
    Kpi.PROBLEM_EXCEPTION_RATE_PCT: [11.0, 10.0, 10.0, 9.5, 9.0, 9.0, 9.0, 100 / 12],
    Kpi.TICKETS_PER_100_ORDERS: [4.0, 3.8, 3.9, 3.5, 3.4, 3.3, 3.2, 3.2],
    Kpi.DRIFT_PER_1000_ORDERS: [None, None, None, None, None, 8.0, 24.0, 16.0],
    Kpi.DRIFT_DETECT_P50_HOURS: [None, None, None, None, None, 0.5, None, 1.5],
}
TREND = tuple(
    TrendPoint(WEEK.shifted(index - 7), {kpi: values[index] for kpi, values in TREND_VALUES.items()})
    for index in range(8)
)

ANALYSIS = FailureAnalysis(
    pareto=(
        ParetoRow("address_invalid", 6, 40.0),
        ParetoRow("fulfillment_delayed", 5, 73.333333),
        ParetoRow("payment_failed", 3, 93.333333),
        ParetoRow("fraud_review", 1, 100.0),
    ),
    slowest_lanes=(
        LaneRow(QUOTED_STORE, "DHL Express", "international", 12, 96.5),
        LaneRow(CHINESE_STORE, "顺丰速运", "standard", 40, 36.0),
    ),
    breached_escalations=(
        BreachedEscalation(
            CHINESE_STORE,
            "1001",
            "address_invalid",
            "support",
            datetime(2026, 11, 24, 9, 15, tzinfo=UTC),
            2,
            False,
        ),
    ),
    silent_exceptions=(SilentException(QUOTED_STORE, "2002", "fulfillment_delayed", 50.123),),
    drift_incidents=(
        DriftIncident(QUOTED_STORE, "2003", datetime(2026, 11, 26, 14, 0, tzinfo=UTC), DRIFT_REASON, True),
    ),
)

RISKS = (
    WorkflowRisk("address_invalid", 6, 20.5, 2, 246.0),
    WorkflowRisk("fulfillment_delayed", 5, 30.25, 1, 151.25),
    WorkflowRisk("payment_failed", 3, -1.5, 0, 0.0),
)


def full_card(store_id: str | None = None) -> Scorecard:
    """Week 2026-W48 over two stores: 125 orders, 5 cancelled."""
    return Scorecard(
        week=WEEK,
        store_id=store_id,
        generated_at=GENERATED_AT,
        orders=125,
        cancelled=5,
        headline=HEADLINE,
        cycle_time=CYCLE_TIME,
        unshipped=UNSHIPPED,
        exception_rates=EXCEPTION_RATES,
        tickets=TICKETS,
        distribution=DISTRIBUTION,
        trend=TREND,
        analysis=ANALYSIS,
        risks=RISKS,
    )


def empty_card() -> Scorecard:
    """A week with no order and no ticket: nothing to measure anywhere."""
    empty = Percentiles(0, None, None)
    return Scorecard(
        week=WEEK,
        store_id=None,
        generated_at=GENERATED_AT,
        orders=0,
        cancelled=0,
        headline=tuple(Figure(kpi, None, None, TARGETS.get(kpi)) for kpi in Kpi),
        cycle_time=(CycleTimeRow(Dimension.ALL, "all", 0, empty, empty, empty, empty, 0),),
        unshipped=Unshipped(0, None, None, (("<24h", 0), ("24-48h", 0), ("48-96h", 0), (">96h", 0))),
        exception_rates=(RateRow(Dimension.ALL, "all", 0, 0),),
        tickets=TicketSummary(TicketRow("all", 0, 0, 0), (), ()),
        distribution=tuple(HistogramBin(bin_.low_hours, bin_.high_hours, 0) for bin_ in DISTRIBUTION),
        trend=tuple(TrendPoint(WEEK.shifted(index - 7), dict.fromkeys(Kpi)) for index in range(8)),
    )
