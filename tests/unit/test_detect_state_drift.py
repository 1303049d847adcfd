"""state_drift: the platform's own fulfilment rollup against the shipments Orderline knows."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from orderline.domain.facts import Fact, LineItem, LineQuantity, OrderSnapshot, ShipmentRecorded
from orderline.domain.fold import fold
from orderline.domain.order_exceptions import DEFAULT_POLICY, detect_all
from orderline.domain.order_exceptions.detectors.state_drift import detect_state_drift
from orderline.domain.vocabulary import ExceptionType, FulfillmentStatus, PaymentStatus

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
LINES = (LineItem("1", "Mug", 2, Decimal("5")), LineItem("2", "Tea", 1, Decimal("4")))


def snapshot(hours: float, claim: FulfillmentStatus | None) -> OrderSnapshot:
    at = T0 + timedelta(hours=hours)
    return OrderSnapshot("7", at, T0, PaymentStatus.PAID, LINES, platform_fulfillment=claim)


def shipment(hours: float, *lines: tuple[str, int]) -> ShipmentRecorded:
    at = T0 + timedelta(hours=hours)
    return ShipmentRecorded("7", f"s{hours}", at, at, tuple(LineQuantity(i, q) for i, q in lines))


def drift(*facts: Fact) -> list[tuple[str, datetime, tuple[tuple[str, str], ...]]]:
    order = fold("shop", "7", facts)
    assert order is not None
    now = T0 + timedelta(days=3)
    return [(f.key, f.opened_at, f.data) for f in detect_state_drift(order, DEFAULT_POLICY, now)]


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        # Marked shipped on the platform, nothing shipped in Orderline: drift from the claim.
        (
            (snapshot(1, FulfillmentStatus.FULFILLED),),
            [("state_drift:fulfillment", T0 + timedelta(hours=1),
              (("orderline", "unfulfilled"), ("platform", "fulfilled")))],
        ),
        # Partly shipped both ways, or fully: no drift.
        ((snapshot(2, FulfillmentStatus.PARTIAL), shipment(1, ("1", 2))), []),
        ((snapshot(2, FulfillmentStatus.FULFILLED), shipment(1, ("1", 2), ("2", 1))), []),
        # A shipment newer than the claim: the claim is stale, nothing to compare.
        ((snapshot(1, FulfillmentStatus.UNFULFILLED), shipment(2, ("1", 2))), []),
        # No claim at all (WooCommerce, BigCommerce statuses other than 2/3).
        ((snapshot(1, None),), []),
    ],
)  # fmt: skip
def test_drift_is_a_claim_that_the_known_shipments_contradict(
    facts: tuple[Fact, ...], expected: list[tuple[str, datetime, tuple[tuple[str, str], ...]]]
) -> None:
    assert drift(*facts) == expected


def test_drift_is_owned_by_operations_and_clears_when_the_shipments_arrive() -> None:
    claimed = snapshot(1, FulfillmentStatus.FULFILLED)
    late = replace(claimed, updated_at=T0 + timedelta(hours=3))
    before = fold("shop", "7", [claimed])
    after = fold("shop", "7", [claimed, shipment(2, ("1", 2), ("2", 1)), late])
    now = T0 + timedelta(days=1)

    assert before is not None and after is not None
    assert [
        (f.type, f.owner)
        for f in detect_all(before, DEFAULT_POLICY, now)
        if f.type is ExceptionType.STATE_DRIFT
    ] == [(ExceptionType.STATE_DRIFT, "operations")]
    assert [f for f in detect_all(after, DEFAULT_POLICY, now) if f.type is ExceptionType.STATE_DRIFT] == []
