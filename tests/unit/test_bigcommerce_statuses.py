"""Every BigCommerce status id, mapped by id (never by label) and folded to the canonical axes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest

from orderline.connectors.base import Delivery, MappedDelivery
from orderline.connectors.bigcommerce import ApiSettings, BigCommerceClient, BigCommerceConnector
from orderline.domain.fold import fold
from orderline.domain.order import Order
from orderline.domain.vocabulary import AnomalyKind, HoldReason, OrderStatus, PaymentStatus
from orderline.simulation.bigcommerce import FakeBigCommerce
from orderline.simulation.bigcommerce.state import Buyer, FakeOrder, FakeProductRow, FakeRefund, FakeShipment

START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
S, P = OrderStatus, PaymentStatus


class NoResolver:
    def order_for_fulfillment_order(self, store_id: str, fulfillment_order_id: str) -> str | None:
        return None


@dataclass(frozen=True)
class Case:
    status_id: int
    payment_field: str
    status: OrderStatus
    payment: PaymentStatus
    shipped: str = "none"  # "none", "part" or "all" of the 3 units
    refunded_units: int = 0
    holds: tuple[HoldReason, ...] = ()


CASES = [
    Case(1, "", S.PENDING_PAYMENT, P.PENDING),
    Case(2, "captured", S.SHIPPED, P.PAID, shipped="all"),
    Case(3, "captured", S.PARTIALLY_SHIPPED, P.PAID, shipped="part"),
    Case(4, "refunded", S.REFUNDED, P.REFUNDED, refunded_units=3),
    Case(5, "", S.CANCELLED, P.VOIDED),
    Case(5, "refunded", S.CANCELLED, P.REFUNDED, refunded_units=3),
    Case(6, "declined", S.CANCELLED, P.FAILED),
    Case(7, "authorized", S.READY_TO_FULFILL, P.AUTHORIZED),
    Case(7, "pending", S.PENDING_PAYMENT, P.PENDING),
    Case(7, "captured", S.PENDING_PAYMENT, P.PENDING),  # only an authorization counts at 7
    Case(8, "captured", S.READY_TO_FULFILL, P.PAID),
    Case(9, "captured", S.READY_TO_FULFILL, P.PAID),
    Case(10, "captured", S.DELIVERED, P.PAID, shipped="all"),
    Case(11, "captured", S.READY_TO_FULFILL, P.PAID),
    Case(12, "captured", S.ON_HOLD, P.PAID, holds=(HoldReason.FRAUD_REVIEW,)),
    Case(12, "authorized", S.ON_HOLD, P.AUTHORIZED, holds=(HoldReason.FRAUD_REVIEW,)),
    Case(13, "captured", S.ON_HOLD, P.PAID, holds=(HoldReason.OTHER,)),
    Case(14, "partially refunded", S.READY_TO_FULFILL, P.PARTIALLY_REFUNDED, refunded_units=1),
]


def fake_order(fake: FakeBigCommerce, case: Case) -> int:
    buyer = Buyer(7, "Jane", "Doe", "jane@example.com", "555 East Street", "Austin", "Texas", "78108", "US")
    rows = [
        FakeProductRow(11, 100, 77, "Towel", "T-1", 2, Decimal("10.00")),
        FakeProductRow(12, 100, 80, "Terrarium", "T-2", 1, Decimal("30.00")),
    ]
    order = FakeOrder(100, buyer, START, START, 11, "captured", "Credit Card", Decimal("0.00"), rows)
    fake.state.add_order(order)
    later = START + timedelta(hours=1)
    if case.shipped != "none":
        items = [(11, 2), (12, 1)] if case.shipped == "all" else [(11, 1)]
        fake.state.add_shipment(100, FakeShipment(1, 100, later, items, "EJ1US", "usps", "USPS", 501))
    if case.refunded_units:
        items = [(11, 2), (12, 1)] if case.refunded_units == 3 else [(11, 1)]
        amount = sum((order.row(r).price * q for r, q in items), Decimal(0))
        fake.state.add_refund(100, FakeRefund(1, 100, later, amount, items, "test"))
    fake.state.set_status(100, case.status_id, case.payment_field, START + timedelta(hours=2))
    return 100


def map_status_hook(fake: FakeBigCommerce, order_id: int) -> MappedDelivery:
    client = BigCommerceClient(ApiSettings("abc123", fake.api_token), http=httpx.MockTransport(fake.handler))
    body = {
        "scope": "store/order/statusUpdated",
        "store_id": "1",
        "data": {"type": "order", "id": order_id},
        "hash": "h",
        "created_at": int(START.timestamp()) + 7200,
        "producer": "stores/abc123",
    }
    delivery = Delivery("s1", "store/order/statusUpdated", body, received_at=START)
    return BigCommerceConnector({"s1": client}).map_delivery(delivery, NoResolver())


def folded(case: Case) -> Order:
    fake = FakeBigCommerce("abc123")
    order_id = fake_order(fake, case)
    order = fold("s1", str(order_id), map_status_hook(fake, order_id).facts)
    assert order is not None
    return order


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.status_id}-{c.payment_field or 'blank'}")
def test_each_status_id_folds_to_its_canonical_status_and_payment(case: Case) -> None:
    order = folded(case)

    assert (order.status, order.payment_status) == (case.status, case.payment)
    assert tuple(hold.reason for hold in order.holds) == case.holds
    assert order.platform_status == f"status_id={case.status_id}"
    assert order.anomalies == ()


@pytest.mark.parametrize("status_id", [5, 6])
def test_cancelled_and_declined_orders_are_cancelled_at_their_date_modified(status_id: int) -> None:
    order = folded(Case(status_id, "", S.CANCELLED, P.VOIDED))

    assert order.cancelled_at == START + timedelta(hours=2)
    assert order.cancel_reason == ("payment declined" if status_id == 6 else None)


def test_status_0_incomplete_is_ignored_until_it_leaves_0() -> None:
    fake = FakeBigCommerce("abc123")
    order_id = fake_order(fake, Case(0, "", S.PENDING_PAYMENT, P.PENDING))

    mapped = map_status_hook(fake, order_id)

    assert (mapped.order_id, mapped.facts) == ("100", ())
    assert mapped.ignored == "order 100 is still Incomplete (status_id=0)"
    assert fake.requests == ["GET /stores/abc123/v2/orders/100"]  # nothing else fetched


def test_an_unknown_status_id_is_an_unmapped_status_anomaly_not_a_default() -> None:
    order = folded(Case(99, "captured", S.READY_TO_FULFILL, P.PAID))

    assert (order.status, order.payment_status) == (S.READY_TO_FULFILL, P.PAID)
    assert order.platform_status == "status_id=99"
    assert [(a.kind, a.at) for a in order.anomalies] == [
        (AnomalyKind.UNMAPPED_STATUS, START + timedelta(hours=2))
    ]
    assert "'status_id=99'" in order.anomalies[0].detail


def test_an_unknown_status_id_reads_payment_from_the_payment_status_field() -> None:
    order = folded(Case(99, "", S.PENDING_PAYMENT, P.PENDING))

    assert (order.status, order.payment_status) == (S.PENDING_PAYMENT, P.PENDING)
