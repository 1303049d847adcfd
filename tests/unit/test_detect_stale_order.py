"""stale_order: no progress for 72 hours in any status that is not terminal."""

from __future__ import annotations

from datetime import timedelta

import pytest

from orderline.domain.order import Order
from orderline.domain.order_exceptions import DEFAULT_POLICY, detect_stale_order, merge
from orderline.domain.vocabulary import DeliveryStatus, HoldReason, PaymentStatus

from .detector_orders import SHIP_ALL, at, delivery, fold_order, hold, placed, refund_all, shipment, snapshot


@pytest.mark.parametrize(("age_hours", "is_reported"), [(71, False), (71.99, False), (72, True), (200, True)])
def test_a_ready_order_goes_stale_after_72_hours(age_hours: float, is_reported: bool) -> None:
    findings = detect_stale_order(placed(), DEFAULT_POLICY, at(age_hours))

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
    assert len(detect_stale_order(order, DEFAULT_POLICY, at(500))) == 1


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

    (finding,) = detect_stale_order(placed(), policy, at(24))

    assert finding.opened_at == at(24)


def test_disabled_detector_yields_nothing() -> None:
    policy = merge(DEFAULT_POLICY, {"stale_order": {"enabled": False}})

    assert detect_stale_order(placed(), policy, at(500)) == []
