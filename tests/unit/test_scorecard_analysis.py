"""The failure analysis (exception causes as a Pareto, the slowest lanes, what the service
collected) and the ranking of workflows by risk."""

from __future__ import annotations

from datetime import timedelta

import pytest

from orderline.domain.scorecard.figures import (
    BreachedEscalation,
    DriftIncident,
    FailureAnalysis,
    LaneRow,
    ParetoRow,
    SilentException,
    WorkflowRisk,
)
from orderline.domain.scorecard.records import OrderRecord
from tests.unit.scorecard_records import W20, at, card, order, ticket

NOW = at(2026, 5, 25)
MONDAY = at(2026, 5, 11, 8)


def shipped(order_id: str, hours: float, **fields: object) -> OrderRecord:
    """An order placed on Monday of W20 and shipped `hours` later."""
    done = MONDAY + timedelta(hours=hours)
    return order(order_id, MONDAY, first=done, last=done, **fields)  # type: ignore[arg-type]


def test_pareto_of_problem_causes_with_the_running_share() -> None:
    orders = [
        order("a1", MONDAY, exceptions=("address_invalid", "split_shipment")),
        order("a2", MONDAY, exceptions=("address_invalid",)),
        order("a3", MONDAY, exceptions=("address_invalid", "payment_failed"), cancelled=True),
        order("p1", MONDAY, exceptions=("payment_failed",)),
        order("f1", MONDAY, exceptions=("fulfillment_delayed",)),
        order("f2", MONDAY, exceptions=("fulfillment_delayed", "split_shipment")),
        order("b1", MONDAY, exceptions=("backorder",)),
        order("s1", MONDAY, exceptions=("split_shipment",)),  # informational: not a cause
    ]

    result = card(W20, orders, now=NOW)

    assert result.analysis.pareto == (
        ParetoRow("address_invalid", 3, 37.5),
        ParetoRow("fulfillment_delayed", 2, 62.5),  # ties by name
        ParetoRow("payment_failed", 2, 87.5),
        ParetoRow("backorder", 1, 100.0),
    )


def test_slowest_lanes_need_three_shipped_orders_and_rank_by_p90() -> None:
    orders = [
        # s1 x ups x standard: 10, 30, 30 -> p90 30.
        *(shipped(f"u{i}", hours, carrier="ups") for i, hours in enumerate((10, 30, 30))),
        # s1 x dhl: both multi_item and high_value, 5, 5, 5, 50, 50, 50 -> p90 50.
        *(
            shipped(f"d{i}", hours, carrier="dhl", types=("multi_item", "high_value"))
            for i, hours in enumerate((5, 5, 5, 50, 50, 50))
        ),
        # s2 x no carrier x standard: 1, 2, 3 -> p90 2.8.
        *(shipped(f"n{i}", hours, store_id="s2") for i, hours in enumerate((1, 2, 3))),
        # Two orders are no lane; an unshipped and a cancelled order are not measured.
        shipped("few1", 200, carrier="fedex"),
        shipped("few2", 200, carrier="fedex"),
        order("waiting", MONDAY, carrier="fedex"),
        shipped("gone", 500, carrier="ups", cancelled=True),
    ]

    lanes = card(W20, orders, now=NOW).analysis.slowest_lanes

    assert lanes[:3] == (
        LaneRow("s1", "dhl", "high_value", 6, 50.0),
        LaneRow("s1", "dhl", "multi_item", 6, 50.0),
        LaneRow("s1", "ups", "standard", 3, 30.0),
    )
    assert (lanes[3].store_id, lanes[3].carrier, lanes[3].order_type, lanes[3].orders) == (
        "s2",
        "unknown",
        "standard",
        3,
    )
    assert lanes[3].p90_hours == pytest.approx(2.8, abs=1e-12)
    assert len(lanes) == 4


def test_only_the_ten_slowest_lanes_are_kept() -> None:
    orders = [
        shipped(f"{lane}-{n}", lane + 1, carrier=f"carrier-{lane:02d}")
        for lane in range(12)
        for n in range(3)
    ]

    lanes = card(W20, orders, now=NOW).analysis.slowest_lanes

    assert [(lane.carrier, lane.p90_hours) for lane in lanes] == [
        (f"carrier-{lane:02d}", float(lane + 1)) for lane in range(11, 1, -1)
    ]


def test_what_the_service_collected_is_passed_through() -> None:
    collected = FailureAnalysis(
        breached_escalations=(
            BreachedEscalation("s1", "1001", "address_invalid", "support", MONDAY, 2, False),
        ),
        silent_exceptions=(SilentException("s1", "1002", "fulfillment_delayed", 30.0),),
        drift_incidents=(DriftIncident("s1", "1003", MONDAY, "status", True),),
    )

    result = card(W20, [], now=NOW, analysis=collected, baseline=True)

    assert result.analysis == FailureAnalysis(
        breached_escalations=collected.breached_escalations,
        silent_exceptions=collected.silent_exceptions,
        drift_incidents=collected.drift_incidents,
    )
    assert result.is_baseline is True


def test_workflows_ranked_by_exceptions_cycle_impact_and_tickets() -> None:
    w19 = at(2026, 5, 4, 8)
    orders = [
        # W19
        order("x1", w19, first=w19 + timedelta(hours=10), exceptions=("address_invalid",)),
        order("x2", w19, first=w19 + timedelta(hours=20)),
        order("x3", w19, exceptions=("address_invalid",)),  # not shipped
        order("x4", w19, cancelled=True, exceptions=("payment_failed",)),
        # W20
        shipped("y1", 30, exceptions=("fulfillment_delayed",)),
        shipped("y2", 40),
        shipped("y3", 50, exceptions=("fulfillment_delayed", "split_shipment")),
        # W18 is outside a two-week trend.
        order("z1", at(2026, 4, 27, 8), exceptions=("address_invalid", "backorder")),
    ]
    tickets = [
        ticket("t1", MONDAY, order_id="x3"),
        ticket("t2", MONDAY, order_id="y3"),
        ticket("t3", MONDAY + timedelta(days=1), order_id="y3"),
        ticket("no-store", MONDAY, store_id=None, order_id="y1"),  # cannot be linked
        ticket("other-store", MONDAY, store_id="s2", order_id="y1"),  # another store's 'y1'
        ticket("too-old", at(2026, 4, 28), order_id="x1"),
    ]

    risks = card(W20, orders, tickets, now=NOW, trend_weeks=2).risks

    # Median hours to first shipment of all shipped orders: 30 (of 10, 20, 30, 40, 50).
    assert risks == (
        # Orders with it shipped after 30 and 50 hours: median 40, 10 more than all.
        WorkflowRisk("fulfillment_delayed", exceptions=2, cycle_impact_hours=10.0, tickets=2, score=66.0),
        # Shipped faster than the median: no impact, which must not erase the rest.
        WorkflowRisk("address_invalid", exceptions=2, cycle_impact_hours=0.0, tickets=1, score=4.0),
        WorkflowRisk("payment_failed", exceptions=1, cycle_impact_hours=0.0, tickets=0, score=1.0),
    )
