"""WooCommerce end to end: signed, coalesced webhooks over HTTP on the per-store URL,
the ping accepted, the canonical order read back from the API."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from orderline.bootstrap import build_runtime, build_web_context
from orderline.config import load_config
from orderline.connectors.base import Delivery
from orderline.connectors.woocommerce import WooCommerceConnector, WooStoreSettings
from orderline.domain.fold import fold
from orderline.domain.order import Order
from orderline.persistence.database import make_engine, migrate
from orderline.simulation.woocommerce import WooWebhook, coalesce, generate_order_history
from orderline.web.app import create_app
from tests.e2e.conftest import Service

SITE = "https://shop.example.com"
SECRET = "wc-secret"
START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def service(tmp_path: Path, database_url: str) -> Iterator[Service]:
    config = tmp_path / "orderline.yaml"
    config.write_text(
        f"database_url: '{database_url}'\n"
        "stores:\n"
        "  - id: woo1\n"
        "    platform: woocommerce\n"
        f"    site_url: {SITE}\n"
        f"    webhook_secrets: [{SECRET}]\n"
        "    status_map: {shipped: shipped, delivered: delivered}\n"
    )
    migrate(make_engine(database_url))
    runtime = build_runtime(load_config(config))
    with TestClient(create_app(build_web_context(runtime))) as client:
        yield Service(client, runtime)
    runtime.engine.dispose()


def test_the_unsigned_ping_is_accepted_on_the_store_url(service: Service) -> None:
    response = service.client.post(
        "/webhooks/woocommerce/woo1",
        content=b"webhook_id=17",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "User-Agent": "WooCommerce/9.0 Hookshot",
        },
    )

    assert response.status_code == 200
    assert service.process() == 1


def test_coalesced_deliveries_give_the_same_order_as_every_state(service: Service) -> None:
    rng = random.Random(21)
    history = generate_order_history(rng, order_id=727, start=START, site_url=SITE)
    delivered = coalesce(rng, history)

    answers = {
        service.client.post(
            "/webhooks/woocommerce/woo1", content=w.body, headers=w.headers(SECRET, SITE, webhook_id=3)
        ).status_code
        for w in delivered
    }
    service.process()
    order = service.client.get("/api/v1/stores/woo1/orders/727", headers=service.token()).json()

    expected = _fold_every_state(history)
    assert answers == {200}
    assert (order["status"], order["payment_status"], order["fulfillment_status"]) == (
        expected.status.value,
        expected.payment_status.value,
        expected.fulfillment_status.value,
    )
    assert order["platform_status"] == json.loads(history[-1].body)["status"]


def _fold_every_state(history: list[WooWebhook]) -> Order:
    """The order as if every state had been delivered, in order, with no coalescing."""
    connector = WooCommerceConnector(
        {"woo1": WooStoreSettings({"shipped": "shipped", "delivered": "delivered"})}
    )
    facts = []
    for webhook in history:
        delivery = Delivery(
            "woo1", webhook.topic, json.loads(webhook.body), webhook.triggered_at, webhook.triggered_at
        )
        facts.extend(connector.map_delivery(delivery, NoResolver()).facts)
    order = fold("woo1", "727", facts)
    assert order is not None
    return order


class NoResolver:
    def order_for_fulfillment_order(self, store_id: str, fulfillment_order_id: str) -> str | None:
        return None
