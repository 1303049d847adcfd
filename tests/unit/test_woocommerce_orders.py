"""WooCommerce REST v3 order bodies -> canonical facts, checked fact by fact and through
the fold, on the shared fixtures (REST docs samples) and on edits of them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from orderline.connectors.base import Delivery, MappedDelivery, PayloadError
from orderline.connectors.woocommerce import WooCommerceConnector, map_fulfillment
from orderline.domain.facts import (
    Address,
    Fact,
    HoldsReleased,
    LineItem,
    LineQuantity,
    OrderSnapshot,
    RefundRecorded,
    ShipmentRecorded,
)
from orderline.domain.fold import fold
from orderline.domain.order import Order
from orderline.domain.vocabulary import FulfillmentStatus, OrderStatus, PaymentStatus, ShipmentState

FIXTURES = Path(__file__).parents[1] / "fixtures" / "platforms" / "woocommerce"
RECEIVED = datetime(2026, 3, 1, 12, tzinfo=UTC)
MODIFIED_727 = datetime(2017, 3, 22, 19, 28, 8, tzinfo=UTC)
MODIFIED_723 = datetime(2017, 3, 21, 19, 54, 51, tzinfo=UTC)

connector = WooCommerceConnector({})


class NoResolver:
    def order_for_fulfillment_order(self, store_id: str, fulfillment_order_id: str) -> str | None:
        raise AssertionError("WooCommerce bodies carry their own order")


def fixture(name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((FIXTURES / f"{name}.wc_v3.sample.json").read_text())
    return body


def processing() -> dict[str, Any]:
    return fixture("order_processing")


def map_order(body: Any) -> MappedDelivery:
    return connector.map_delivery(Delivery("store-1", "order.updated", body, RECEIVED), NoResolver())


def folded(*facts: Fact, order_id: str = "727") -> Order:
    order = fold("store-1", order_id, facts)
    assert order is not None
    return order


def test_processing_fixture_maps_to_a_paid_snapshot_and_no_holds() -> None:
    mapped = map_order(processing())

    assert mapped.order_id == "727"
    assert mapped.ignored is None
    assert mapped.facts == (
        OrderSnapshot(
            order_id="727",
            updated_at=MODIFIED_727,
            placed_at=datetime(2017, 3, 22, 19, 28, 2, tzinfo=UTC),
            payment_status=PaymentStatus.PAID,
            lines=(
                LineItem("315", "Woo Single #1", 2, Decimal("3"), None),
                LineItem("316", "Ship Your Idea \u2013 Color: Black, Size: M Test", 1, Decimal("12"), "Bar3"),
            ),
            order_number="727",
            email="john.doe@example.com",
            currency="USD",
            total_price=Decimal("29.35"),
            cancelled_at=None,
            cancel_reason=None,
            shipping_address=Address(
                name="John Doe",
                company=None,
                address1="969 Market",
                address2=None,
                city="San Francisco",
                province="CA",
                postal_code="94103",
                country_code="US",
                phone=None,
            ),
            platform_status="processing",
            tags=(),
            unmapped_status=None,
        ),
        HoldsReleased("727", "woo-status", MODIFIED_727),
        HoldsReleased("727", "woo-backorder", MODIFIED_727),
    )


def test_processing_fixture_folds_to_ready_to_fulfill_and_paid() -> None:
    order = folded(*map_order(processing()).facts)

    assert (order.status, order.payment_status, order.fulfillment_status) == (
        OrderStatus.READY_TO_FULFILL,
        PaymentStatus.PAID,
        FulfillmentStatus.UNFULFILLED,
    )
    assert (order.holds, order.shipments, order.refunds, order.anomalies) == ((), (), (), ())
    assert order.owner == "operations"
    assert order.platform_status == "processing"


def test_completed_partially_refunded_fixture_maps_refunds_and_the_completion_shipment() -> None:
    mapped = map_order(fixture("order_completed_partially_refunded"))

    snapshot = mapped.facts[0]
    assert isinstance(snapshot, OrderSnapshot)
    assert (snapshot.payment_status, snapshot.platform_status, snapshot.total_price) == (
        PaymentStatus.PAID,  # completed is a paid status although this BACS order has no date_paid
        "completed",
        Decimal("39.00"),
    )
    assert snapshot.shipping_address is not None and snapshot.shipping_address.country_code == "BR"
    assert snapshot.shipping_address.postal_code == "12345-000"
    assert mapped.facts[1:] == (
        RefundRecorded("723", "726", MODIFIED_723, Decimal("10.00")),
        RefundRecorded("723", "724", MODIFIED_723, Decimal("9.00")),
        ShipmentRecorded(
            order_id="723",
            shipment_id="woo-completed",
            updated_at=MODIFIED_723,  # date_completed_gmt, the same second here
            created_at=MODIFIED_723,
            lines=(LineQuantity("311", 1), LineQuantity("313", 1)),
        ),
        HoldsReleased("723", "woo-status", MODIFIED_723),
        HoldsReleased("723", "woo-backorder", MODIFIED_723),
    )


def test_completed_partially_refunded_fixture_folds_to_shipped_and_partially_refunded() -> None:
    """`completed` is Woo's "fulfilled and complete": every unit left, so shipped. Not
    delivered: core WooCommerce has no delivery signal (reference §4), and claiming one
    would hide a parcel that never arrived. The status stays completed through partial
    refunds; the refunds[] sum (19.00 of 39.00) makes the payment partially refunded."""
    order = folded(*map_order(fixture("order_completed_partially_refunded")).facts, order_id="723")

    assert (order.status, order.payment_status, order.fulfillment_status) == (
        OrderStatus.SHIPPED,
        PaymentStatus.PARTIALLY_REFUNDED,
        FulfillmentStatus.FULFILLED,
    )
    assert [(r.refund_id, r.amount) for r in order.refunds] == [
        ("724", Decimal("9.00")),
        ("726", Decimal("10.00")),
    ]
    assert [(s.shipment_id, s.state, s.lines) for s in order.shipments] == [
        ("woo-completed", ShipmentState.ACTIVE, (LineQuantity("311", 1), LineQuantity("313", 1)))
    ]
    assert [(line.line_id, line.shipped_quantity) for line in order.lines] == [("311", 1), ("313", 1)]


def test_fulfillment_fixture_is_a_shipment_with_tracking_but_no_known_units() -> None:
    """The sample has no `_items` meta, so it cannot say which units it carries."""
    shipment = map_fulfillment(fixture("order_fulfillment"))

    assert shipment == ShipmentRecorded(
        order_id="123",
        shipment_id="fulfillment-12",
        updated_at=datetime(2026, 3, 28, 15, 0, tzinfo=UTC),
        created_at=datetime(2026, 3, 28, 15, 0, tzinfo=UTC),
        lines=(),
        state=ShipmentState.ACTIVE,
        tracking_numbers=("1Z999AA1234567890",),
        carrier=None,
        tracking_url=None,
    )


def test_fulfillment_fixture_embedded_in_an_order_lists_the_parcel_and_ships_nothing() -> None:
    body = {**processing(), "fulfillments": [fixture("order_fulfillment")]}

    order = folded(*map_order(body).facts)

    assert order.status is OrderStatus.READY_TO_FULFILL
    assert order.fulfillment_status is FulfillmentStatus.UNFULFILLED
    assert [(s.shipment_id, s.tracking_numbers, s.lines) for s in order.shipments] == [
        ("fulfillment-12", ("1Z999AA1234567890",), ())
    ]


def test_fulfillment_with_item_allocations_ships_exactly_those_units() -> None:
    fulfillment = fixture("order_fulfillment")
    fulfillment["meta_data"] += [
        {"id": 45, "key": "_items", "value": [{"item_id": 315, "qty": 2}]},
        {"id": 46, "key": "_shipping_provider", "value": "ups"},
        {"id": 47, "key": "_tracking_url", "value": "https://www.ups.com/track?tracknum=1Z999AA1234567890"},
    ]
    body = {**processing(), "status": "completed", "fulfillments": [fulfillment]}

    order = folded(*map_order(body).facts)

    # Core fulfillments are the shipment truth: no synthetic "woo-completed" on top.
    assert [(s.shipment_id, s.lines, s.carrier) for s in order.shipments] == [
        ("fulfillment-12", (LineQuantity("315", 2),), "ups")
    ]
    assert order.status is OrderStatus.PARTIALLY_SHIPPED
    assert order.fulfillment_status is FulfillmentStatus.PARTIAL


@pytest.mark.parametrize(
    "changes", [{"is_fulfilled": False, "status": "unfulfilled"}, {"date_deleted": "2026-03-29T10:00:00"}]
)
def test_an_unfulfilled_or_deleted_fulfillment_is_recorded_cancelled(changes: dict[str, Any]) -> None:
    shipment = map_fulfillment({**fixture("order_fulfillment"), **changes})

    assert shipment.state is ShipmentState.CANCELLED


def test_a_fulfillment_of_something_else_than_an_order_is_a_payload_error() -> None:
    with pytest.raises(PayloadError, match="fulfillment 12: entity_type 'WC_Product' is not an order"):
        map_fulfillment({**fixture("order_fulfillment"), "entity_type": "WC_Product"})


def test_tracking_items_become_shipments_without_units() -> None:
    body = processing()
    body["meta_data"].append(
        {
            "id": 13200,
            "key": "_wc_shipment_tracking_items",
            "value": [
                {
                    "tracking_provider": "usps",
                    "custom_tracking_provider": "",
                    "custom_tracking_link": "",
                    "tracking_number": "9400111899223",
                    "date_shipped": "1490140800",
                    "tracking_id": "a1b2c3",
                },
                {
                    "tracking_provider": "",
                    "custom_tracking_provider": "Dropp",
                    "custom_tracking_link": "https://dropp.is/track/DR157",
                    "tracking_number": "DR157",
                    "date_shipped": 1490400000,
                    "tracking_id": "d4e5f6",
                },
            ],
        }
    )

    shipments = [f for f in map_order(body).facts if isinstance(f, ShipmentRecorded)]

    assert shipments == [
        ShipmentRecorded(
            order_id="727",
            shipment_id="tracking-a1b2c3",
            # date_shipped is midnight of the shipping day: it can precede the placement,
            # which the record is not replayed before.
            updated_at=datetime(2017, 3, 22, 19, 28, 2, tzinfo=UTC),
            created_at=datetime(2017, 3, 22, 0, 0, tzinfo=UTC),
            lines=(),
            tracking_numbers=("9400111899223",),
            carrier="usps",
        ),
        ShipmentRecorded(
            order_id="727",
            shipment_id="tracking-d4e5f6",
            updated_at=datetime(2017, 3, 25, 0, 0, tzinfo=UTC),
            created_at=datetime(2017, 3, 25, 0, 0, tzinfo=UTC),
            lines=(),
            tracking_numbers=("DR157",),
            carrier="Dropp",
            tracking_url="https://dropp.is/track/DR157",
        ),
    ]
    order = folded(*map_order(body).facts)
    assert order.status is OrderStatus.READY_TO_FULFILL  # parcels, but no known units


def test_refund_reason_is_the_note_and_a_positive_amount() -> None:
    body = {**processing(), "refunds": [{"id": 801, "reason": "Out of stock", "total": "-3.23"}]}

    refunds = [f for f in map_order(body).facts if isinstance(f, RefundRecorded)]

    assert refunds == [RefundRecorded("727", "801", MODIFIED_727, Decimal("3.23"), note="Out of stock")]


def test_an_empty_shipping_address_reads_as_none() -> None:
    empty = {key: "" for key in processing()["shipping"]}

    snapshot = map_order({**processing(), "shipping": empty}).facts[0]

    assert isinstance(snapshot, OrderSnapshot) and snapshot.shipping_address is None


def test_a_sequential_order_number_is_kept() -> None:
    snapshot = map_order({**processing(), "number": "WC-1042"}).facts[0]

    assert isinstance(snapshot, OrderSnapshot) and snapshot.order_number == "WC-1042"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"date_modified_gmt": None}, "order 727: date_modified_gmt is missing"),
        ({"date_created_gmt": "22/03/2017"}, "order 727: date_created_gmt: '22/03/2017' is not an ISO 8601"),
        ({"status": None}, "order 727: status is missing"),
        ({"id": "abc"}, "order.updated body: id must be a numeric id, got 'abc'"),
        ({"total": "lots"}, "order 727: total: 'lots' is not a decimal amount"),
        ({"line_items": {"id": 1}}, "order 727: line_items must be a list, got dict"),
        ({"refunds": [{"id": 9}]}, r"order 727: refunds\[0\]: total is missing"),
        ({"billing": "john"}, "order 727: billing: expected a JSON object, got str"),
    ],
)
def test_broken_order_shapes_are_payload_errors(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(PayloadError, match=message):
        map_order({**processing(), **changes})


def test_a_line_quantity_that_is_not_an_integer_is_a_payload_error() -> None:
    body = processing()
    body["line_items"][1]["quantity"] = "1"

    with pytest.raises(
        PayloadError, match=r"order 727: line_items\[1\]: quantity must be an integer, got '1'"
    ):
        map_order(body)


def test_tracking_meta_that_is_not_a_list_is_a_payload_error() -> None:
    body = processing()
    body["meta_data"].append({"id": 1, "key": "_wc_shipment_tracking_items", "value": "UPS 1Z"})

    with pytest.raises(PayloadError, match="order 727: meta _wc_shipment_tracking_items: expected a list"):
        map_order(body)


def test_a_tracking_item_without_any_number_is_a_payload_error() -> None:
    body = processing()
    body["meta_data"].append(
        {"id": 1, "key": "_wc_shipment_tracking_items", "value": [{"tracking_provider": "ups"}]}
    )

    with pytest.raises(
        PayloadError, match="order 727: tracking item 0: has neither tracking_id nor tracking_number"
    ):
        map_order(body)
