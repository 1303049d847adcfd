"""GraphQL Admin API Order nodes (imported orders) -> the canonical facts REST bodies give.

Node shapes follow Shopify's GraphQL Admin API 2025-01 reference: Order, LineItem,
Fulfillment (FulfillmentStatus, FulfillmentDisplayStatus, FulfillmentTrackingInfo),
Refund (RefundLineItemRestockType), FulfillmentOrder and FulfillmentHold.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from orderline.connectors.base import Delivery, PayloadError
from orderline.connectors.shopify import ShopifyConnector
from orderline.connectors.shopify.connector import map_api_order
from orderline.connectors.shopify.graphql_orders import IMPORT_TOPIC
from orderline.domain.facts import (
    Address,
    HoldPlaced,
    LineItem,
    LineQuantity,
    OrderSnapshot,
    RefundRecorded,
    ShipmentRecorded,
)
from orderline.domain.vocabulary import (
    DeliveryStatus,
    FulfillmentStatus,
    HoldReason,
    PaymentStatus,
    ShipmentState,
)

RECEIVED = datetime(2025, 3, 9, 12, tzinfo=UTC)
connector = ShopifyConnector()


class NoResolver:
    def order_for_fulfillment_order(self, store_id: str, fulfillment_order_id: str) -> str | None:
        raise AssertionError("an order node carries its own id")


def money_bag(amount: str) -> dict[str, Any]:
    return {"shopMoney": {"amount": amount, "currencyCode": "USD"}}


def order_node() -> dict[str, Any]:
    """A partly shipped, partly refunded order with a second fulfillment order on hold."""
    return {
        "id": "gid://shopify/Order/5531567751",
        "legacyResourceId": "5531567751",
        "name": "#1042",
        "email": "ada.novak@example.com",
        "createdAt": "2025-03-01T09:15:00Z",
        "processedAt": "2025-03-01T09:15:00Z",
        "updatedAt": "2025-03-06T16:40:12Z",
        "cancelledAt": None,
        "cancelReason": None,
        "displayFinancialStatus": "PARTIALLY_REFUNDED",
        "displayFulfillmentStatus": "PARTIALLY_FULFILLED",
        "currencyCode": "USD",
        "tags": ["vip", " gift "],
        "totalPriceSet": money_bag("215.94"),
        "shippingAddress": {
            "name": "Ada Novak",
            "firstName": "Ada",
            "lastName": "Novak",
            "company": None,
            "address1": "12 Maple Avenue",
            "address2": "",
            "city": "Louisville",
            "province": "Kentucky",
            "zip": "40202",
            "countryCodeV2": "US",
            "phone": "+1 502-555-0142",
        },
        "lineItems": {
            "nodes": [
                {
                    "id": "gid://shopify/LineItem/13712553738",
                    "quantity": 2,
                    "title": "Merino Crew Sweater",
                    "sku": "NF-MCS-CH-M",
                    "originalUnitPriceSet": money_bag("89.00"),
                },
                {
                    "id": "gid://shopify/LineItem/13712553739",
                    "quantity": 1,
                    "title": "Canvas Tote Bag",
                    "sku": None,
                    "originalUnitPriceSet": money_bag("34.00"),
                },
            ]
        },
        "fulfillments": [
            {
                "id": "gid://shopify/Fulfillment/4694567301",
                "status": "SUCCESS",
                "displayStatus": "IN_TRANSIT",
                "createdAt": "2025-03-02T11:00:00Z",
                "updatedAt": "2025-03-03T08:30:00Z",
                "trackingInfo": [
                    {
                        "number": "1Z999AA10123456784",
                        "url": "https://www.ups.com/track?tracknum=1Z999AA10123456784",
                        "company": "UPS",
                    }
                ],
                "fulfillmentLineItems": {
                    "nodes": [{"lineItem": {"id": "gid://shopify/LineItem/13712553738"}, "quantity": 2}]
                },
            }
        ],
        "refunds": [
            {
                "id": "gid://shopify/Refund/929361465",
                "createdAt": "2025-03-06T16:40:12Z",
                "note": "Wrong size",
                "totalRefundedSet": money_bag("94.34"),
                "refundLineItems": {
                    "nodes": [
                        {
                            "lineItem": {"id": "gid://shopify/LineItem/13712553738"},
                            "quantity": 1,
                            "restockType": "RETURN",
                        }
                    ]
                },
            }
        ],
        "fulfillmentOrders": {
            "nodes": [
                {
                    "id": "gid://shopify/FulfillmentOrder/6325981200",
                    "status": "CLOSED",
                    "updatedAt": "2025-03-02T11:00:00Z",
                    "fulfillmentHolds": [],
                },
                {
                    "id": "gid://shopify/FulfillmentOrder/6325981201",
                    "status": "ON_HOLD",
                    "updatedAt": "2025-03-01T10:05:00Z",
                    "fulfillmentHolds": [
                        {"reason": "INVENTORY_OUT_OF_STOCK", "reasonNotes": "Restock expected next week"}
                    ],
                },
            ]
        },
    }


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_order_node_maps_to_the_snapshot() -> None:
    mapped = map_api_order("store-1", order_node())

    assert mapped.order_id == "5531567751"
    assert mapped.ignored is None
    assert mapped.facts[0] == OrderSnapshot(
        order_id="5531567751",
        updated_at=at("2025-03-06T16:40:12+00:00"),
        placed_at=at("2025-03-01T09:15:00+00:00"),
        payment_status=PaymentStatus.PARTIALLY_REFUNDED,
        lines=(
            LineItem("13712553738", "Merino Crew Sweater", 2, Decimal("89.00"), "NF-MCS-CH-M"),
            LineItem("13712553739", "Canvas Tote Bag", 1, Decimal("34.00"), None),
        ),
        order_number="#1042",
        email="ada.novak@example.com",
        currency="USD",
        total_price=Decimal("215.94"),
        cancelled_at=None,
        cancel_reason=None,
        shipping_address=Address(
            name="Ada Novak",
            company=None,
            address1="12 Maple Avenue",
            address2=None,
            city="Louisville",
            province="Kentucky",
            postal_code="40202",
            country_code="US",
            phone="+1 502-555-0142",
        ),
        platform_status="financial_status=partially_refunded;fulfillment_status=partial",
        tags=("vip", "gift"),
        unmapped_status=None,
        platform_fulfillment=FulfillmentStatus.PARTIAL,
    )


def test_fulfillment_refund_and_hold_follow_the_snapshot() -> None:
    facts = map_api_order("store-1", order_node()).facts

    assert facts[1:] == (
        ShipmentRecorded(
            order_id="5531567751",
            shipment_id="4694567301",
            updated_at=at("2025-03-03T08:30:00+00:00"),
            created_at=at("2025-03-02T11:00:00+00:00"),
            lines=(LineQuantity("13712553738", 2),),
            state=ShipmentState.ACTIVE,
            tracking_numbers=("1Z999AA10123456784",),
            carrier="UPS",
            tracking_url="https://www.ups.com/track?tracknum=1Z999AA10123456784",
            delivery_status=DeliveryStatus.IN_TRANSIT,
        ),
        RefundRecorded(
            order_id="5531567751",
            refund_id="929361465",
            created_at=at("2025-03-06T16:40:12+00:00"),
            amount=Decimal("94.34"),
            lines=(LineQuantity("13712553738", 1),),
            restock=True,
            note="Wrong size",
        ),
        HoldPlaced(
            order_id="5531567751",
            hold_group="6325981201",
            reason=HoldReason.BACKORDER,
            placed_at=at("2025-03-01T10:05:00+00:00"),
            note="Restock expected next week",
            platform_reason="INVENTORY_OUT_OF_STOCK",
        ),
    )


def test_the_connector_routes_the_import_topic_to_the_graphql_mapping() -> None:
    delivery = Delivery("store-1", IMPORT_TOPIC, order_node(), RECEIVED)

    assert connector.map_delivery(delivery, NoResolver()) == map_api_order("store-1", order_node())


def test_connections_read_as_edges_the_same_as_nodes() -> None:
    node = order_node()
    for key in ("lineItems", "fulfillmentOrders"):
        node[key] = {"edges": [{"node": item} for item in node[key]["nodes"]]}

    assert map_api_order("store-1", node) == map_api_order("store-1", order_node())


@pytest.mark.parametrize(
    ("display_status", "expected"),
    [
        ("CONFIRMED", DeliveryStatus.LABEL_CREATED),
        ("LABEL_PURCHASED", DeliveryStatus.LABEL_CREATED),
        ("CARRIER_PICKED_UP", DeliveryStatus.IN_TRANSIT),
        ("DELAYED", DeliveryStatus.IN_TRANSIT),
        ("OUT_FOR_DELIVERY", DeliveryStatus.OUT_FOR_DELIVERY),
        ("READY_FOR_PICKUP", DeliveryStatus.OUT_FOR_DELIVERY),
        ("ATTEMPTED_DELIVERY", DeliveryStatus.FAILED_ATTEMPT),
        ("DELIVERED", DeliveryStatus.DELIVERED),
        ("PICKED_UP", DeliveryStatus.DELIVERED),
        ("FULFILLED", None),
        ("MARKED_AS_FULFILLED", None),
        ("SUBMITTED", None),
        (None, None),
    ],
)
def test_display_status_gives_the_delivery_news(
    display_status: str | None, expected: DeliveryStatus | None
) -> None:
    node = order_node()
    node["fulfillments"][0]["displayStatus"] = display_status

    shipment = map_api_order("store-1", node).facts[1]

    assert isinstance(shipment, ShipmentRecorded)
    assert shipment.delivery_status == expected


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("SUCCESS", ShipmentState.ACTIVE),
        ("CANCELLED", ShipmentState.CANCELLED),
        ("FAILURE", ShipmentState.FAILED),
    ],
)
def test_fulfillment_status_gives_the_shipment_state(status: str, expected: ShipmentState) -> None:
    node = order_node()
    node["fulfillments"][0]["status"] = status

    shipment = map_api_order("store-1", node).facts[1]

    assert isinstance(shipment, ShipmentRecorded)
    assert shipment.state == expected


def test_a_refund_without_restocking_lines_does_not_restock() -> None:
    node = order_node()
    node["refunds"][0]["refundLineItems"]["nodes"][0]["restockType"] = "NO_RESTOCK"

    refund = map_api_order("store-1", node).facts[2]

    assert isinstance(refund, RefundRecorded)
    assert refund.restock is False


def test_unknown_financial_status_is_pending_and_flagged_unmapped() -> None:
    node = {**order_node(), "displayFinancialStatus": "LAYAWAY", "displayFulfillmentStatus": "ON_HOLD"}

    snapshot = map_api_order("store-1", node).facts[0]

    assert isinstance(snapshot, OrderSnapshot)
    assert snapshot.payment_status == PaymentStatus.PENDING
    assert snapshot.unmapped_status == "displayFinancialStatus=LAYAWAY"
    assert snapshot.platform_status == "financial_status=layaway;fulfillment_status=null"


def test_cancelled_order_keeps_reason_in_rest_spelling() -> None:
    node = {**order_node(), "cancelledAt": "2025-03-07T10:00:00Z", "cancelReason": "CUSTOMER"}

    snapshot = map_api_order("store-1", node).facts[0]

    assert isinstance(snapshot, OrderSnapshot)
    assert (snapshot.cancelled_at, snapshot.cancel_reason) == (at("2025-03-07T10:00:00+00:00"), "customer")


def test_order_id_falls_back_to_the_gid() -> None:
    node = order_node()
    del node["legacyResourceId"]

    assert map_api_order("store-1", node).order_id == "5531567751"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"updatedAt": None}, "order 5531567751: updatedAt is missing"),
        (
            {"createdAt": None, "processedAt": None},
            "order 5531567751: createdAt and processedAt are both missing",
        ),
        ({"legacyResourceId": None, "id": None}, "order: id and legacyResourceId are both missing"),
        ({"id": "gid://shopify/Customer/1", "legacyResourceId": None}, "gid://shopify/Order/N"),
        ({"tags": "vip, gift"}, "order 5531567751: tags must be a list of strings"),
        ({"lineItems": "none"}, "order 5531567751: lineItems must be a list or a connection"),
    ],
)
def test_unreadable_nodes_are_payload_errors_naming_the_field(change: dict[str, Any], message: str) -> None:
    with pytest.raises(PayloadError, match=message):
        map_api_order("store-1", {**order_node(), **change})


def test_unknown_fulfillment_status_is_a_payload_error() -> None:
    node = order_node()
    node["fulfillments"][0]["status"] = "LOST"

    with pytest.raises(PayloadError, match="fulfillment 4694567301: unknown fulfillment status 'LOST'"):
        map_api_order("store-1", node)


def test_a_body_that_is_not_an_object_is_a_payload_error() -> None:
    with pytest.raises(PayloadError, match="import/order body of store store-1: expected a JSON object"):
        map_api_order("store-1", ["not", "an", "order"])
