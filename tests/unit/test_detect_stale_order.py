"""stale_order: no progress for 72 hours in any status that is not terminal, except a wait
to ship, which is fulfillment_delayed's (one wait raises one exception)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from orderline.domain.order import Order
from orderline.domain.order_exceptions import (
    DEFAULT_POLICY,
    detect_all,
    detect_fulfillment_delayed,
    detect_stale_order,
    merge,
)
from orderline.domain.order_exceptions.detectors.stale_order import is_fulfilment_wait
from orderline.domain.vocabulary import DeliveryStatus, HoldReason, PaymentStatus

from .detector_orders import SHIP_ALL, at, delivery, fold_order, hold, placed, refund_all, shipment, snapshot

NO_DELAY_TYPE = merge(DEFAULT_POLICY, {"fulfillment_delayed": {"enabled": False}})
"""Without fulfillment_delayed, a wait to ship is stale_order's like any other."""


@pytest.mark.parametrize(("age_hours", "is_reported"), [(71, False), (71.99, False), (72, True), (200, True)])
def test_a_ready_order_goes_stale_after_72_hours(age_hours: float, is_reported: bool) -> None:
    findings = detect_stale_order(placed(), NO_DELAY_TYPE, at(age_hours))

    assert [f.key for f in findings] == (["stale_order:ready_to_fulfill"] if is_reported else [])


def test_opened_72_hours_after_the_last_progress() -> None:
    order = fold_order(
        snapshot(0), shipment("S1", 5, *SHIP_ALL), delivery("S1", 10, DeliveryStatus.IN_TRANSIT)
    )

    (finding,) = detect_stale_order(order, DEFAULT_POLICY, at(100))

    assert finding.key == "stale_order:shipped"
    assert finding.opened_at == at(82)
    assert finding.owner == "operations"
    assert finding.hold is None
    assert finding.reason == "No progress for 72 h while shipped"
    assert finding.data == (("last_progress_at", at(10).isoformat()), ("status", "shipped"))


@pytest.mark.parametrize(
    "order",
    [
        fold_order(snapshot(0, payment_status=PaymentStatus.PENDING)),
        fold_order(snapshot(0), hold(1, HoldReason.BACKORDER)),
        fold_order(snapshot(0), shipment("S1", 1, ("L1", 2))),
    ],
    ids=["pending_payment", "on_hold", "partially_shipped"],
)
def test_every_open_status_can_go_stale(order: Order) -> None:
    assert len(detect_stale_order(order, NO_DELAY_TYPE, at(500))) == 1


@pytest.mark.parametrize(
    "order",
    [
        fold_order(snapshot(0, payment_status=PaymentStatus.PENDING)),
        fold_order(snapshot(0), hold(1, HoldReason.BACKORDER)),
    ],
    ids=["pending_payment", "on_hold"],
)
def test_an_order_with_no_wait_to_ship_still_goes_stale(order: Order) -> None:
    assert not is_fulfilment_wait(order, DEFAULT_POLICY)
    assert [f.type for f in detect_all(order, DEFAULT_POLICY, at(500))].count("stale_order") == 1


@pytest.mark.parametrize(
    "order",
    [placed(), fold_order(snapshot(0), shipment("S1", 1, ("L1", 2)))],
    ids=["ready_to_fulfill", "partially_shipped"],
)
@pytest.mark.parametrize("age_hours", [72, 100, 500])
def test_a_wait_to_ship_raises_fulfillment_delayed_alone(order: Order, age_hours: float) -> None:
    """One wait, one exception: past both thresholds, only fulfillment_delayed opens."""
    assert is_fulfilment_wait(order, DEFAULT_POLICY)
    assert detect_stale_order(order, DEFAULT_POLICY, at(age_hours)) == []
    assert [f.type for f in detect_all(order, DEFAULT_POLICY, at(age_hours))] == ["fulfillment_delayed"]
    assert len(detect_fulfillment_delayed(order, DEFAULT_POLICY, at(age_hours))) == 1


def test_a_wait_to_ship_before_the_delay_sla_raises_nothing() -> None:
    """A long fulfilment SLA is the shop's word on when the wait becomes a problem:
    stale_order does not report it earlier."""
    policy = merge(DEFAULT_POLICY, {"fulfillment_delayed": {"sla_business_hours": 200}})

    assert detect_all(placed(), policy, at(100)) == []


@pytest.mark.parametrize(
    "order",
    [
        fold_order(snapshot(0), shipment("S1", 1, *SHIP_ALL), delivery("S1", 5, DeliveryStatus.DELIVERED)),
        fold_order(snapshot(1, cancelled_at=at(1))),
        fold_order(snapshot(0), refund_all(1)),
    ],
    ids=["delivered", "cancelled", "refunded"],
)
def test_terminal_statuses_never_go_stale(order: Order) -> None:
    assert detect_stale_order(order, DEFAULT_POLICY, at(500)) == []


def test_the_threshold_is_a_policy_setting() -> None:
    policy = merge(DEFAULT_POLICY, {"stale_order": {"no_progress_for": timedelta(hours=24)}})

    unpaid = fold_order(snapshot(0, payment_status=PaymentStatus.PENDING))

    (finding,) = detect_stale_order(unpaid, policy, at(24))

    assert finding.opened_at == at(24)


def test_disabled_detector_yields_nothing() -> None:
    policy = merge(DEFAULT_POLICY, {"stale_order": {"enabled": False}})

    assert detect_stale_order(placed(), policy, at(500)) == []
