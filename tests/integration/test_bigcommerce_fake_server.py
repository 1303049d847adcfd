"""The BigCommerce connector against the fake API served over a real loopback socket.

The simulator drives an order to shipped (a split shipment); every signed delivery is
verified, its metadata read, and mapped through a client pointed at the fake server.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from orderline.connectors.base import Delivery
from orderline.connectors.bigcommerce import ApiSettings, BigCommerceClient, BigCommerceConnector
from orderline.domain.facts import Fact
from orderline.domain.fold import fold
from orderline.domain.vocabulary import FulfillmentStatus, OrderStatus, PaymentStatus
from orderline.simulation.bigcommerce import (
    BigCommerceSimulator,
    BigCommerceWebhook,
    FakeBigCommerce,
    FakeBigCommerceServer,
)

START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
SECRET = "test-client-secret"


class NoResolver:
    def order_for_fulfillment_order(self, store_id: str, fulfillment_order_id: str) -> str | None:
        return None


@pytest.fixture
def server() -> Iterator[FakeBigCommerceServer]:
    with FakeBigCommerceServer(FakeBigCommerce("abc123")) as running:
        yield running


def test_an_order_driven_to_shipped_maps_through_the_real_fake_server(server: FakeBigCommerceServer) -> None:
    sim = BigCommerceSimulator(random.Random(7), "abc123", api=server.api, start=START, duplicate_chance=0)
    order_id, hooks = sim.place_order(status_id=7, payment_status="pending", line_count=2)
    hooks += sim.set_status(order_id, 11, "captured")
    first_row = sim.order(order_id).products[0]
    hooks += sim.ship(order_id, [(first_row.id, first_row.quantity)])
    hooks += sim.ship(order_id)
    settings = ApiSettings("abc123", server.api.api_token, api_base_url=server.base_url, timeout_s=5.0)

    with BigCommerceClient(settings) as client:
        facts = [fact for webhook in hooks for fact in deliver(client, webhook)]

    order = fold("s1", str(order_id), facts)
    assert order is not None
    assert (order.status, order.payment_status, order.fulfillment_status) == (
        OrderStatus.SHIPPED,
        PaymentStatus.PAID,
        FulfillmentStatus.FULFILLED,
    )
    assert order.platform_status == "status_id=2"
    assert [s.shipment_id for s in order.shipments] == [str(s.id) for s in sim.order(order_id).shipments]
    assert [line.shipped_quantity for line in order.lines] == [
        row.quantity for row in sim.order(order_id).products
    ]
    assert server.api.requests[0] == f"GET /stores/abc123/v2/orders/{order_id}"


def deliver(client: BigCommerceClient, webhook: BigCommerceWebhook) -> list[Fact]:
    """What intake checks and processing maps for one delivery."""
    connector = BigCommerceConnector(
        {"s1": client}, clock=lambda: datetime.fromtimestamp(webhook.timestamp, UTC)
    )
    headers = {name.lower(): value for name, value in webhook.headers(SECRET).items()}
    payload = json.loads(webhook.body)
    assert connector.store_identity(headers, payload) == "abc123"
    assert connector.verify(headers, webhook.body, [SECRET])
    meta = connector.delivery_meta(headers, webhook.body)
    assert (meta.topic, meta.dedupe_key) == (webhook.scope, webhook.webhook_id)
    delivery = Delivery("s1", meta.topic, payload, received_at=START, triggered_at=meta.triggered_at)
    mapped = connector.map_delivery(delivery, NoResolver())
    assert (mapped.order_id, mapped.ignored) == (str(webhook.order_id), None)
    return list(mapped.facts)


def test_backfill_pages_orders_modified_since_over_the_socket(server: FakeBigCommerceServer) -> None:
    sim = BigCommerceSimulator(random.Random(8), "abc123", api=server.api, start=START, duplicate_chance=0)
    ids = [sim.place_order()[0] for _ in range(3)]
    sim.set_status(ids[0], 9)
    settings = ApiSettings("abc123", server.api.api_token, api_base_url=server.base_url)

    with BigCommerceClient(settings) as client:
        pages = list(client.orders_modified_since(START, page_size=2))

    assert [[order["id"] for order in page] for page in pages] == [[ids[1], ids[2]], [ids[0]]]
