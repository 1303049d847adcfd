"""Two stores, one Shopify and one WooCommerce, fed signed webhooks over HTTP at fixed
moments with injected faults: what the webhook and status audit tests count."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from orderline.bootstrap import build_runtime, build_web_context
from orderline.config import load_config
from orderline.persistence.database import make_engine, migrate
from orderline.simulation.woocommerce import WooWebhook
from orderline.web.app import create_app
from tests.e2e.conftest import SECRET, SHOP, Service, shopify_signature
from tests.unit.platform_bodies import fixture

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
SITE = "https://shop.example.com"
WOO_SECRET = "wc-secret"


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class World:
    service: Service
    clock: Clock
    config: Path

    def shopify(
        self, topic: str, webhook_id: str, triggered: float, received: float, *, good: bool = True
    ) -> int:
        self.clock.now = at(received)
        body = json.dumps(_shopify_order(webhook_id)).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Shopify-Topic": topic,
            "X-Shopify-Shop-Domain": SHOP,
            "X-Shopify-Webhook-Id": webhook_id,
            "X-Shopify-Triggered-At": at(triggered).isoformat(),
            "X-Shopify-Hmac-Sha256": shopify_signature(body, SECRET if good else "wrong-secret"),
        }
        return self.service.client.post("/webhooks/shopify", content=body, headers=headers).status_code

    def woo(self, topic: str, order_id: int, status: str, modified: float, received: float) -> int:
        self.clock.now = at(received)
        body: dict[str, Any] = fixture("woocommerce", "order_processing.wc_v3.sample.json")
        body.update(id=order_id, status=status, date_modified_gmt=at(modified).strftime("%Y-%m-%dT%H:%M:%S"))
        webhook = WooWebhook(topic, json.dumps(body).encode(), at(modified))
        headers = webhook.headers(WOO_SECRET, SITE, webhook_id=3)
        return self.service.client.post(
            "/webhooks/woocommerce/woo1", content=webhook.body, headers=headers
        ).status_code

    def process(self, minutes: float) -> int:
        self.clock.now = at(minutes)
        return self.service.process()


def _shopify_order(webhook_id: str) -> dict[str, Any]:
    return {
        "id": 5001,
        "name": "#5001",
        "created_at": "2026-11-02T07:55:00Z",
        "updated_at": "2026-11-02T07:55:00Z",
        "financial_status": "paid",
        "currency": "USD",
        "total_price": "20.00",
        "note": webhook_id,  # every delivery its own body, so a redelivery is one of the same bytes
        "line_items": [{"id": 1, "title": "Mug", "quantity": 2, "price": "10.00", "sku": "MUG"}],
    }


@pytest.fixture(name="world")
def audit_world(tmp_path: Path, database_url: str) -> Iterator[World]:
    config = tmp_path / "orderline.yaml"
    config.write_text(
        f"database_url: '{database_url}'\n"
        "stores:\n"
        "  - id: shop1\n"
        "    platform: shopify\n"
        f"    shop_domain: {SHOP}\n"
        f"    webhook_secrets: [{SECRET}]\n"
        "  - id: woo1\n"
        "    platform: woocommerce\n"
        f"    site_url: {SITE}\n"
        f"    webhook_secrets: [{WOO_SECRET}]\n"
        "    status_map: {shipped: shipped}\n"
    )
    migrate(make_engine(database_url))
    clock = Clock(T0)
    runtime = build_runtime(load_config(config), clock)
    with TestClient(create_app(build_web_context(runtime))) as client:
        yield World(Service(client, runtime), clock, config)
    runtime.engine.dispose()


def send_faulty_traffic(world: World) -> None:
    """The faults the audits must count exactly, in minutes after T0.

    shop1: orders/create once; orders/updated four times, one of them sent twice (a
    duplicate), one older than a delivery already processed (stale), one older than a
    delivery not processed yet (out of order only); one delivery with a bad signature.
    woo1: order.created sent twice; order.updated with an older state after a newer one was
    processed (stale), then a plugin status not in the status_map.
    """
    answers = [
        world.shopify("orders/create", "wh-1", triggered=-0.5, received=0),
        world.shopify("orders/updated", "wh-2", triggered=0.5, received=1),
        world.shopify("orders/updated", "wh-2", triggered=0.5, received=2),
        world.woo("order.created", 727, "pending", modified=-1, received=1),
        world.woo("order.created", 727, "pending", modified=-1, received=1.5),
        world.woo("order.updated", 727, "completed", modified=2, received=3),
    ]
    world.process(3.5)
    answers += [
        world.shopify("orders/updated", "wh-3", triggered=0.25, received=4),
        world.shopify("orders/updated", "wh-4", triggered=4.5, received=5),
        world.shopify("orders/updated", "wh-5", triggered=4, received=6),
        world.woo("order.updated", 727, "processing", modified=1, received=4),
        world.woo("order.updated", 727, "awaiting-shipment", modified=5, received=6),
    ]
    assert answers == [200] * len(answers)
    assert world.shopify("orders/updated", "wh-6", triggered=6, received=7, good=False) == 401
    world.process(8)
