"""Shopify Fulfillment bodies (fulfillments/create|update) -> ShipmentRecorded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from orderline.connectors.base import Delivery, MappedDelivery, PayloadError
from orderline.connectors.shopify import ShopifyConnector
from orderline.domain.facts import LineQuantity, ShipmentRecorded
from orderline.domain.vocabulary import DeliveryStatus, ShipmentState

RECEIVED = datetime(2025, 3, 1, 12, tzinfo=UTC)
EST = timezone(timedelta(hours=-5))

connector = ShopifyConnector()


class NoResolver:
    def order_for_fulfillment_order(self, store_id: str, fulfillment_order_id: str) -> str | None:
        raise AssertionError("fulfillment payloads carry their order id")


def fulfillment(**changes: Any) -> dict[str, Any]:
    """Shaped like Shopify's fulfillments/update sample payload (trimmed line items)."""
    body: dict[str, Any] = {
        "id": 123456,
        "order_id": 820982911946154508,
        "status": "success",
        "created_at": "2021-12-31T19:00:00-05:00",
        "service": None,
        "updated_at": "2022-01-02T08:30:00-05:00",
        "tracking_company": "UPS",
        "shipment_status": "in_transit",
        "location_id": None,
        "line_items": [
            {"id": 487817672276298554, "quantity": 1, "sku": "SKU2006-001", "fulfillable_quantity": 0},
            {"id": 976318377106520349, "quantity": 2, "sku": "SKU2006-020", "fulfillable_quantity": 0},
        ],
        "tracking_number": "1z827wk74630",
        "tracking_numbers": ["1z827wk74630"],
        "tracking_url": "https://www.ups.com/WebTracking?trackNums=1z827wk74630",
        "tracking_urls": ["https://www.ups.com/WebTracking?trackNums=1z827wk74630"],
        "name": "#9999.1",
        "admin_graphql_api_id": "gid://shopify/Fulfillment/123456",
    }
    return {**body, **changes}


def map_fulfillment(body: Any, topic: str = "fulfillments/update") -> MappedDelivery:
    return connector.map_delivery(Delivery("store-1", topic, body, RECEIVED), NoResolver())


def test_fulfillment_maps_to_shipment() -> None:
    mapped = map_fulfillment(fulfillment())

    assert mapped == MappedDelivery(
        order_id="820982911946154508",
        facts=(
            ShipmentRecorded(
                order_id="820982911946154508",
                shipment_id="123456",
                updated_at=datetime(2022, 1, 2, 8, 30, tzinfo=EST),
                created_at=datetime(2021, 12, 31, 19, 0, tzinfo=EST),
                lines=(LineQuantity("487817672276298554", 1), LineQuantity("976318377106520349", 2)),
                state=ShipmentState.ACTIVE,
                tracking_numbers=("1z827wk74630",),
                carrier="UPS",
                tracking_url="https://www.ups.com/WebTracking?trackNums=1z827wk74630",
                delivery_status=DeliveryStatus.IN_TRANSIT,
            ),
        ),
    )


def test_create_and_update_topics_map_alike() -> None:
    assert map_fulfillment(fulfillment(), "fulfillments/create") == map_fulfillment(fulfillment())


@pytest.mark.parametrize(
    ("status", "state"),
    [
        ("success", ShipmentState.ACTIVE),
        ("pending", ShipmentState.ACTIVE),
        ("open", ShipmentState.ACTIVE),
        ("cancelled", ShipmentState.CANCELLED),
        ("error", ShipmentState.FAILED),
        ("failure", ShipmentState.FAILED),
    ],
)
def test_fulfillment_status_maps_to_shipment_state(status: str, state: ShipmentState) -> None:
    shipment = map_fulfillment(fulfillment(status=status)).facts[0]

    assert isinstance(shipment, ShipmentRecorded)
    assert shipment.state == state


@pytest.mark.parametrize(
    ("shipment_status", "delivery_status"),
    [
        ("confirmed", DeliveryStatus.LABEL_CREATED),
        ("label_purchased", DeliveryStatus.LABEL_CREATED),
        ("label_printed", DeliveryStatus.LABEL_CREATED),
        ("carrier_picked_up", DeliveryStatus.IN_TRANSIT),
        ("in_transit", DeliveryStatus.IN_TRANSIT),
        ("delayed", DeliveryStatus.IN_TRANSIT),
        ("out_for_delivery", DeliveryStatus.OUT_FOR_DELIVERY),
        ("attempted_delivery", DeliveryStatus.FAILED_ATTEMPT),
        ("ready_for_pickup", DeliveryStatus.OUT_FOR_DELIVERY),
        ("picked_up", DeliveryStatus.DELIVERED),
        ("delivered", DeliveryStatus.DELIVERED),
        ("failure", DeliveryStatus.EXCEPTION),
        ("DELIVERED", DeliveryStatus.DELIVERED),
        (None, None),
        ("teleported", None),
    ],
)
def test_shipment_status_maps_to_delivery_status(
    shipment_status: str | None, delivery_status: DeliveryStatus | None
) -> None:
    shipment = map_fulfillment(fulfillment(shipment_status=shipment_status)).facts[0]

    assert isinstance(shipment, ShipmentRecorded)
    assert shipment.delivery_status == delivery_status


def test_single_tracking_number_is_used_when_the_list_is_empty() -> None:
    body = fulfillment(tracking_numbers=[], tracking_urls=[], tracking_company=None)

    shipment = map_fulfillment(body).facts[0]

    assert isinstance(shipment, ShipmentRecorded)
    assert shipment.tracking_numbers == ("1z827wk74630",)
    assert shipment.tracking_url == "https://www.ups.com/WebTracking?trackNums=1z827wk74630"
    assert shipment.carrier is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"id": None}, "fulfillment: id is missing"),
        ({"order_id": None}, "fulfillment 123456: order_id is missing"),
        ({"status": None}, "fulfillment 123456: status is missing"),
        ({"status": "shipped"}, "fulfillment 123456: unknown fulfillment status 'shipped'"),
        ({"created_at": "soon"}, "fulfillment 123456: created_at: 'soon' is not an ISO 8601 date-time"),
        ({"line_items": [{"quantity": 1}]}, r"fulfillment 123456: line_items\[0\]: id is missing"),
    ],
)
def test_broken_fulfillment_is_a_precise_payload_error(change: dict[str, Any], message: str) -> None:
    with pytest.raises(PayloadError, match=message):
        map_fulfillment(fulfillment(**change))
