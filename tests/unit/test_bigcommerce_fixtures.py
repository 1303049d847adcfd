"""The documented BigCommerce samples, mapped through the connector and folded.

The samples belong to different orders (the hook names order 250, the order sample is
order 218, the shipments belong to order 225), so each test serves the order sample
under the id it needs; everything else is the sample as published.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from orderline.connectors.base import Delivery
from orderline.connectors.bigcommerce import ApiSettings, BigCommerceClient, BigCommerceConnector
from orderline.domain.facts import Fact, LineQuantity
from orderline.domain.fold import fold
from orderline.domain.order import Order
from orderline.domain.vocabulary import (
    DeliveryStatus,
    FulfillmentStatus,
    OrderStatus,
    PaymentStatus,
    ShipmentState,
)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "platforms" / "bigcommerce"
API = "https://api.bigcommerce.com/stores/abc123"
USPS_LINK = "https://trkcnfrm1.smi.usps.com/PTSInternetWeb/InterLabelInquiry.do?strOrigTrackNum=EJ958083578US"


class NoResolver:
    def order_for_fulfillment_order(self, store_id: str, fulfillment_order_id: str) -> str | None:
        return None


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


class PublishedSamples:
    """Answers GETs from a path -> JSON table; a path it does not know is an empty 204."""

    def __init__(self, routes: dict[str, Any]) -> None:
        self.routes = routes
        self.paths: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        assert request.headers["X-Auth-Token"] == "token"
        body = self.routes.get(request.url.path.removeprefix("/stores/abc123"))
        return httpx.Response(204) if body is None else httpx.Response(200, json=body)


def product_row(row_id: int, order_id: int, quantity: int, price: str, name: str) -> dict[str, Any]:
    return {
        "id": row_id,
        "order_id": order_id,
        "product_id": 77,
        "name": name,
        "sku": f"SKU-{row_id}",
        "quantity": quantity,
        "price_inc_tax": price,
        "price_ex_tax": price,
    }


def map_and_fold(samples: PublishedSamples, body: dict[str, Any], order_id: str) -> tuple[Order, list[Fact]]:
    client = BigCommerceClient(ApiSettings("abc123", "token"), http=httpx.MockTransport(samples))
    delivery = Delivery("s1", body["scope"], body, received_at=datetime(2026, 1, 1, tzinfo=UTC))
    mapped = BigCommerceConnector({"s1": client}).map_delivery(delivery, NoResolver())
    assert mapped.order_id == order_id
    assert mapped.ignored is None
    order = fold("s1", order_id, mapped.facts)
    assert order is not None
    return order, list(mapped.facts)


def test_status_updated_hook_with_the_awaiting_payment_order_folds_to_authorized_ready() -> None:
    hook = fixture("store_order_statusUpdated.webhook.sample.json")
    order_250 = {**fixture("order_v2_get.awaiting_payment.sample.json"), "id": 250}
    rows = [product_row(31, 250, 3, "12.3000", "Mug"), product_row(32, 250, 1, "20.0000", "Towel")]
    samples = PublishedSamples({"/v2/orders/250": order_250, "/v2/orders/250/products": rows})

    order, _ = map_and_fold(samples, hook, "250")

    assert samples.paths == [
        "/stores/abc123/v2/orders/250",
        "/stores/abc123/v2/orders/250/products",
        "/stores/abc123/v2/orders/250/shipments",
    ]
    assert (order.status, order.payment_status, order.fulfillment_status) == (
        OrderStatus.READY_TO_FULFILL,
        PaymentStatus.AUTHORIZED,
        FulfillmentStatus.UNFULFILLED,
    )
    assert order.platform_status == "status_id=7"
    assert order.order_number == "250"
    assert order.email == "janedoe@example.com"
    assert (order.currency, order.total_price) == ("USD", Decimal("69.84"))
    assert order.placed_at == datetime(2019, 3, 5, 21, 40, 11, tzinfo=UTC)
    assert order.updated_at == datetime(2019, 3, 11, 15, 17, 25, tzinfo=UTC)
    assert [(line.line_id, line.title, line.quantity, line.unit_price) for line in order.lines] == [
        ("31", "Mug", 3, Decimal("12.3")),
        ("32", "Towel", 1, Decimal("20")),
    ]
    assert (order.shipments, order.holds, order.refunds, order.anomalies) == ((), (), (), ())
    assert order.cancelled_at is None


def test_two_shipments_of_one_order_fold_to_shipped_with_both_parcels() -> None:
    order_225 = {**fixture("order_v2_get.awaiting_payment.sample.json"), "id": 225}
    order_225.update(status_id=2, status="Shipped", payment_status="captured", items_total=2, items_shipped=2)
    rows = [product_row(188, 225, 1, "30.0000", "Chambray Towel"), product_row(189, 225, 1, "27.8400", "Mug")]
    samples = PublishedSamples(
        {
            "/v2/orders/225": order_225,
            "/v2/orders/225/products": rows,
            "/v2/orders/225/shipments": fixture("order_v2_shipments.two_shipments.sample.json"),
        }
    )
    hook = {
        "scope": "store/shipment/created",
        "store_id": "1025646",
        "data": {"type": "shipment", "id": 7, "orderId": 225},
        "hash": "x",
        "created_at": 1552324951,
        "producer": "stores/abc123",
    }

    order, _ = map_and_fold(samples, hook, "225")

    assert (order.status, order.payment_status, order.fulfillment_status) == (
        OrderStatus.SHIPPED,
        PaymentStatus.PAID,
        FulfillmentStatus.FULFILLED,
    )
    assert [(line.line_id, line.shipped_quantity) for line in order.lines] == [("188", 1), ("189", 1)]
    first, second = order.shipments
    assert (first.shipment_id, first.state, first.lines) == (
        "6",
        ShipmentState.ACTIVE,
        (LineQuantity("188", 1),),
    )
    assert (first.tracking_numbers, first.carrier, first.tracking_url) == (
        ("EJ958083578US",),
        "USPS",
        USPS_LINK,
    )
    assert first.created_at == first.updated_at == datetime(2019, 3, 11, 17, 22, 8, tzinfo=UTC)
    assert (second.shipment_id, second.lines, second.tracking_numbers) == (
        "7",
        (LineQuantity("189", 1),),
        ("EJ958083578UK",),
    )
    assert second.created_at == second.updated_at == datetime(2019, 3, 11, 17, 22, 31, tzinfo=UTC)
    assert (first.delivery_status, second.delivery_status) == (None, None)


def test_the_same_shipments_on_a_completed_order_are_delivered_at_its_date_modified() -> None:
    order_225 = {**fixture("order_v2_get.awaiting_payment.sample.json"), "id": 225}
    order_225.update(status_id=10, payment_status="captured", date_modified="Tue, 12 Mar 2019 09:00:00 +0000")
    rows = [product_row(188, 225, 1, "30.0000", "Chambray Towel"), product_row(189, 225, 1, "27.8400", "Mug")]
    samples = PublishedSamples(
        {
            "/v2/orders/225": order_225,
            "/v2/orders/225/products": rows,
            "/v2/orders/225/shipments": fixture("order_v2_shipments.two_shipments.sample.json"),
        }
    )
    hook = {
        "scope": "store/order/statusUpdated",
        "store_id": "1025646",
        "data": {"type": "order", "id": 225},
        "hash": "x",
        "created_at": 1552381200,
        "producer": "stores/abc123",
    }

    order, _ = map_and_fold(samples, hook, "225")

    delivered_at = datetime(2019, 3, 12, 9, 0, tzinfo=UTC)
    assert order.status is OrderStatus.DELIVERED
    assert [(s.shipment_id, s.delivery_status, s.delivered_at) for s in order.shipments] == [
        ("6", DeliveryStatus.DELIVERED, delivered_at),
        ("7", DeliveryStatus.DELIVERED, delivered_at),
    ]
