"""Shopify Order bodies (orders/* topics) -> OrderSnapshot plus embedded facts."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from orderline.connectors.base import Delivery, MappedDelivery, PayloadError
from orderline.connectors.shopify import ShopifyConnector
from orderline.domain.facts import Address, LineItem, LineQuantity, OrderSnapshot, ShipmentRecorded
from orderline.domain.vocabulary import FulfillmentStatus, PaymentStatus, ShipmentState

FIXTURES = Path(__file__).parents[1] / "fixtures" / "platforms" / "shopify"
RECEIVED = datetime(2025, 3, 1, 12, tzinfo=UTC)
EST = timezone(timedelta(hours=-5))

connector = ShopifyConnector()


class NoResolver:
    def order_for_fulfillment_order(self, store_id: str, fulfillment_order_id: str) -> str | None:
        raise AssertionError("order payloads carry their own id")


def fixture_order() -> dict[str, Any]:
    order: dict[str, Any] = json.loads(
        (FIXTURES / "order_authorized_with_failed_fulfillment.shopify_python_api.json").read_text()
    )["order"]
    return order


def map_order(body: Any, topic: str = "orders/updated") -> MappedDelivery:
    return connector.map_delivery(Delivery("store-1", topic, body, RECEIVED), NoResolver())


def test_fixture_order_maps_to_authorized_snapshot() -> None:
    mapped = map_order(fixture_order())

    assert mapped.order_id == "450789469"
    assert mapped.ignored is None
    assert mapped.facts[0] == OrderSnapshot(
        order_id="450789469",
        updated_at=datetime(2008, 1, 10, 11, 0, tzinfo=EST),
        placed_at=datetime(2008, 1, 10, 11, 0, tzinfo=EST),
        payment_status=PaymentStatus.AUTHORIZED,
        lines=(
            LineItem("466157049", "IPod Nano - 8gb", 1, Decimal("199.00"), "IPOD2008GREEN"),
            LineItem("518995019", "IPod Nano - 8gb", 1, Decimal("199.00"), "IPOD2008RED"),
            LineItem("703073504", "IPod Nano - 8gb", 1, Decimal("199.00"), "IPOD2008BLACK"),
        ),
        order_number="#1001",
        email="bob.norman@hostmail.com",
        currency="USD",
        total_price=Decimal("409.94"),
        cancelled_at=None,
        cancel_reason=None,
        shipping_address=Address(
            name="Bob Norman",
            company=None,
            address1="Chestnut Street 92",
            address2=None,
            city="Louisville",
            province="Kentucky",
            postal_code="40202",
            country_code="US",
            phone="555-625-1199",
        ),
        platform_status="financial_status=authorized;fulfillment_status=null",
        tags=(),
        platform_fulfillment=FulfillmentStatus.UNFULFILLED,
    )


def test_fixture_failed_fulfillment_is_recorded_as_failed_so_it_ships_nothing() -> None:
    mapped = map_order(fixture_order())

    assert len(mapped.facts) == 2
    assert mapped.facts[1] == ShipmentRecorded(
        order_id="450789469",
        shipment_id="255858046",
        updated_at=datetime(2014, 1, 22, 15, 58, 27, tzinfo=EST),
        created_at=datetime(2014, 1, 22, 15, 58, 27, tzinfo=EST),
        lines=(LineQuantity("466157049", 1),),
        state=ShipmentState.FAILED,
        tracking_numbers=("1Z2345",),
        carrier=None,
        tracking_url="http://wwwapps.ups.com/etracking/tracking.cgi?InquiryNumber1=1Z2345"
        "&TypeOfInquiryNumber=T&AcceptUPSLicenseAgreement=yes&submit=Track",
        delivery_status=None,
    )


@pytest.mark.parametrize(
    "topic",
    [
        "orders/create",
        "orders/updated",
        "orders/paid",
        "orders/cancelled",
        "orders/fulfilled",
        "orders/partially_fulfilled",
    ],
)
def test_every_order_topic_maps_the_same_facts(topic: str) -> None:
    assert map_order(fixture_order(), topic) == map_order(fixture_order())


@pytest.mark.parametrize(
    ("financial_status", "expected"),
    [
        ("pending", PaymentStatus.PENDING),
        ("partially_paid", PaymentStatus.PENDING),
        ("authorized", PaymentStatus.AUTHORIZED),
        ("paid", PaymentStatus.PAID),
        ("partially_refunded", PaymentStatus.PARTIALLY_REFUNDED),
        ("refunded", PaymentStatus.REFUNDED),
        ("voided", PaymentStatus.VOIDED),
        ("expired", PaymentStatus.VOIDED),
    ],
)
def test_financial_status_maps_to_payment_status(financial_status: str, expected: PaymentStatus) -> None:
    body = {**fixture_order(), "financial_status": financial_status, "fulfillment_status": "partial"}

    snapshot = map_order(body).facts[0]

    assert isinstance(snapshot, OrderSnapshot)
    assert snapshot.payment_status == expected
    assert snapshot.platform_status == f"financial_status={financial_status};fulfillment_status=partial"


def test_unknown_financial_status_reads_as_pending_and_keeps_the_raw_value() -> None:
    body = {**fixture_order(), "financial_status": "layaway"}

    snapshot = map_order(body).facts[0]

    assert isinstance(snapshot, OrderSnapshot)
    assert snapshot.payment_status == PaymentStatus.PENDING
    assert snapshot.platform_status == "financial_status=layaway;fulfillment_status=null"


def test_cancellation_tags_and_order_number_fallback() -> None:
    body = {
        **fixture_order(),
        "name": None,
        "cancelled_at": "2008-01-11T09:30:00-05:00",
        "cancel_reason": "customer",
        "tags": "vip, gift ,, wholesale",
        "fulfillments": [],
    }

    snapshot = map_order(body).facts[0]

    assert isinstance(snapshot, OrderSnapshot)
    assert snapshot.order_number == "1001"
    assert snapshot.cancelled_at == datetime(2008, 1, 11, 9, 30, tzinfo=EST)
    assert snapshot.cancel_reason == "customer"
    assert snapshot.tags == ("vip", "gift", "wholesale")


def test_address_name_falls_back_to_first_and_last_name() -> None:
    body = fixture_order()
    body["shipping_address"] = {**body["shipping_address"], "name": None}

    snapshot = map_order(body).facts[0]

    assert isinstance(snapshot, OrderSnapshot)
    assert snapshot.shipping_address is not None
    assert snapshot.shipping_address.name == "Bob Norman"


def test_placed_at_falls_back_to_processed_at_and_naive_times_are_utc() -> None:
    body = {**fixture_order(), "created_at": None, "processed_at": "2008-01-10T16:00:00", "fulfillments": []}

    snapshot = map_order(body).facts[0]

    assert isinstance(snapshot, OrderSnapshot)
    assert snapshot.placed_at == datetime(2008, 1, 10, 16, tzinfo=UTC)


def test_embedded_refunds_become_refund_facts() -> None:
    refund = json.loads((FIXTURES / "refund_with_restock.shopify_python_api.json").read_text())["refund"]
    body = {**fixture_order(), "fulfillments": [], "refunds": [refund]}

    mapped = map_order(body)

    assert [type(f).__name__ for f in mapped.facts] == ["OrderSnapshot", "RefundRecorded"]
    assert mapped.facts[1].order_id == "450789469"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"id": None}, "order: id is missing"),
        ({"id": "abc"}, "order: id must be a numeric id, got 'abc'"),
        ({"updated_at": None}, "order 450789469: updated_at is missing"),
        (
            {"updated_at": "10/01/2008"},
            "order 450789469: updated_at: '10/01/2008' is not an ISO 8601 date-time",
        ),
        (
            {"created_at": None, "processed_at": None},
            "order 450789469: created_at and processed_at are both missing",
        ),
        ({"line_items": {"id": 1}}, "order 450789469: line_items must be a list, got dict"),
        (
            {"line_items": [{"id": 1, "quantity": "2"}]},
            r"order 450789469: line_items\[0\]: quantity must be an integer, got '2'",
        ),
        ({"total_price": "twelve"}, "order 450789469: total_price 'twelve' is not a decimal amount"),
        (
            {"shipping_address": "Chestnut Street"},
            "order 450789469: shipping_address: expected a JSON object, got str",
        ),
        ({"fulfillments": [{"id": 1, "status": "success"}]}, "fulfillment 1: updated_at is missing"),
    ],
)
def test_broken_order_body_is_a_precise_payload_error(change: dict[str, Any], message: str) -> None:
    body = {**fixture_order(), **change}

    with pytest.raises(PayloadError, match=message):
        map_order(body)


def test_body_that_is_not_an_object_is_a_payload_error() -> None:
    with pytest.raises(PayloadError, match="orders/updated body: expected a JSON object, got list"):
        map_order([1, 2, 3])


def test_unknown_financial_status_reads_as_pending_and_is_flagged_unmapped() -> None:
    from orderline.domain.fold import fold
    from orderline.domain.vocabulary import AnomalyKind

    body = json.loads(
        (FIXTURES / "order_authorized_with_failed_fulfillment.shopify_python_api.json").read_text()
    )["order"]
    body["financial_status"] = "pending_settlement"
    delivery = Delivery("s1", "orders/updated", body, RECEIVED, None)

    mapped = ShopifyConnector().map_delivery(delivery, NoResolver())
    order = fold("s1", str(body["id"]), mapped.facts)

    assert order is not None
    assert order.payment_status is PaymentStatus.PENDING
    assert [a.kind for a in order.anomalies] == [AnomalyKind.UNMAPPED_STATUS]
    assert "financial_status=pending_settlement" in order.anomalies[0].detail
