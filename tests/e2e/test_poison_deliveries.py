"""Poison deliveries end to end: correctly signed bodies that cannot be processed are set
aside one by one while every other store's orders keep flowing, through the real ASGI
app, the real processing loop (its lanes in threads), and a fake BigCommerce API on a
real loopback port that can be taken down."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from orderline.bootstrap import Runtime, build_runtime, build_web_context, processing_thread
from orderline.clock import system_clock
from orderline.config import load_config
from orderline.persistence import tokens
from orderline.persistence.database import make_engine, migrate
from orderline.simulation.bigcommerce import BigCommerceSimulator, FakeBigCommerce, FakeBigCommerceServer
from orderline.simulation.woocommerce import WooWebhook
from orderline.web.app import create_app
from tests.e2e.conftest import SECRET, SHOP, shopify_signature

FIXTURES = Path(__file__).parent.parent / "fixtures" / "platforms"
SITE = "https://shop.example.com"
WOO_SECRET = "wc-secret"
BC_SECRET = "bc-secret"
BC_HASH = "abc123"
SECONDS = 15.0


@dataclass
class World:
    client: TestClient
    runtime: Runtime
    bigcommerce: FakeBigCommerce
    headers: dict[str, str]

    def shopify(self, order: dict[str, Any], webhook_id: str, topic: str = "orders/updated") -> int:
        body = json.dumps(order).encode()
        return self.client.post(
            "/webhooks/shopify",
            content=body,
            headers={
                "Content-Type": "application/json",
                "X-Shopify-Topic": topic,
                "X-Shopify-Shop-Domain": SHOP,
                "X-Shopify-Webhook-Id": webhook_id,
                "X-Shopify-Hmac-Sha256": shopify_signature(body),
            },
        ).status_code

    def woo(self, order: dict[str, Any], webhook_id: int) -> int:
        body = json.dumps(order).encode()
        hook = WooWebhook("order.updated", body, system_clock())
        headers = hook.headers(WOO_SECRET, SITE, webhook_id)
        return self.client.post("/webhooks/woocommerce/woo1", content=body, headers=headers).status_code

    def bigcommerce_hook(self, body: dict[str, Any]) -> int:
        headers = {"Content-Type": "application/json", "X-Orderline-Webhook-Secret": BC_SECRET}
        return self.client.post(
            "/webhooks/bigcommerce", content=json.dumps(body).encode(), headers=headers
        ).status_code

    def order(self, store: str, order_id: str) -> dict[str, Any] | None:
        response = self.client.get(f"/api/v1/stores/{store}/orders/{order_id}", headers=self.headers)
        return response.json() if response.status_code == 200 else None

    def quarantine(self) -> list[dict[str, Any]]:
        response = self.client.get("/api/v1/inbox/quarantine", headers=self.headers)
        assert response.status_code == 200
        result: list[dict[str, Any]] = response.json()
        return result


@pytest.fixture
def world(tmp_path: Path, database_url: str) -> Iterator[World]:
    api = FakeBigCommerce(BC_HASH)
    with FakeBigCommerceServer(api) as server:
        config = tmp_path / "orderline.yaml"
        config.write_text(
            f"database_url: '{database_url}'\n"
            "stores:\n"
            f"  - {{id: shop1, platform: shopify, shop_domain: {SHOP}, webhook_secrets: [{SECRET}]}}\n"
            f"  - {{id: woo1, platform: woocommerce, site_url: '{SITE}', webhook_secrets: [{WOO_SECRET}]}}\n"
            f"  - {{id: bc1, platform: bigcommerce, store_hash: {BC_HASH}, webhook_secrets: [{BC_SECRET}],\n"
            f"      api_token: {api.api_token}, api_base_url: '{server.base_url}'}}\n"
        )
        migrate(make_engine(database_url))
        runtime = build_runtime(load_config(config))
        loop = processing_thread(runtime)
        with TestClient(create_app(build_web_context(runtime, processing=loop))) as client:
            with runtime.engine.begin() as connection:
                token = tokens.create_token(connection, name="ops", role="operations", now=system_clock())
            yield World(client, runtime, api, {"Authorization": f"Bearer {token}"})
        runtime.engine.dispose()


def _shopify_order() -> dict[str, Any]:
    fixture = json.loads(
        (
            FIXTURES / "shopify" / "order_authorized_with_failed_fulfillment.shopify_python_api.json"
        ).read_text()
    )
    order: dict[str, Any] = fixture["order"]
    return order


def _woo_order() -> dict[str, Any]:
    order: dict[str, Any] = json.loads(
        (FIXTURES / "woocommerce" / "order_processing.wc_v3.sample.json").read_text()
    )
    return order


def _with(order: dict[str, Any], change: Callable[[dict[str, Any]], None], order_id: int) -> dict[str, Any]:
    changed = copy.deepcopy(order)
    changed["id"] = order_id
    change(changed)
    return changed


def _set(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda order: order.__setitem__(key, value)


def _line(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda order: order["line_items"][0].__setitem__(key, value)


def _thin(order_id: Any) -> dict[str, Any]:
    return {
        "scope": "store/order/updated",
        "store_id": "1025646",
        "data": {"type": "order", "id": order_id},
        "hash": "0" * 40,
        "created_at": int(system_clock().timestamp()),
        "producer": f"stores/{BC_HASH}",
    }


def _wait_for(condition: Callable[[], bool], seconds: float = SECONDS) -> float:
    """Seconds it took `condition` to hold; fails after `seconds`."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < seconds, "condition not met in time"
        time.sleep(0.05)
    return time.monotonic() - started


def test_poison_bodies_are_quarantined_while_the_next_order_is_processed(world: World) -> None:
    shopify, woo = _shopify_order(), _woo_order()
    # Each of these stopped every store's processing for good before the quarantine.
    poison = [
        world.shopify(_with(shopify, _set("updated_at", "9999-12-31T23:59:59-01:00"), 9001), "p1"),
        world.shopify(_with(shopify, _line("quantity", -1), 9002), "p2"),
        world.woo(_with(woo, _line("quantity", -1), 9003), 1),
        world.woo(_with(woo, _set("date_created_gmt", "9999-12-31T23:59:59-01:00"), 9004), 2),
        world.woo(_with(woo, _line("id", "²"), 9005), 3),
    ]
    assert poison == [200] * 5
    # A thin BigCommerce body naming an order id no store writes is refused at intake
    # instead (400 and a dead letter): there is nothing to fetch.
    assert [world.bigcommerce_hook(_thin("²")), world.bigcommerce_hook(_thin("9" * 5000))] == [400, 400]

    assert world.shopify(_with(shopify, lambda _: None, 9100), "good") == 200
    _wait_for(lambda: world.order("shop1", "9100") is not None)
    _wait_for(lambda: len(world.quarantine()) == 5)

    set_aside = world.quarantine()
    assert {row["status"] for row in set_aside} == {"quarantined"}
    assert all(row["error"] for row in set_aside), set_aside
    assert [row["store_id"] for row in set_aside] == ["shop1", "shop1", "woo1", "woo1", "woo1"]
    ready = world.client.get("/readyz").json()
    assert ready["status"] == "degraded"
    assert ready["quarantined"] == 5
    assert "5 deliveries quarantined" in ready["problems"]
    metrics = world.client.get("/metrics").text
    assert "orderline_inbox_quarantined 5.0" in metrics
    # The bad ones changed no order.
    assert [world.order("shop1", "9001"), world.order("woo1", "9004")] == [None, None]


def test_a_platform_api_outage_holds_up_no_other_store(world: World) -> None:
    sim = BigCommerceSimulator(
        __import__("random").Random(5),
        BC_HASH,
        api=world.bigcommerce,
        start=system_clock() - timedelta(hours=1),
    )
    thin_hooks = []
    for _ in range(4):
        order_id, hooks = sim.place_order(status_id=11, payment_status="captured", line_count=1)
        thin_hooks.append((order_id, hooks))
    world.bigcommerce.is_down = True
    for _, hooks in thin_hooks:
        for hook in hooks:
            assert world.bigcommerce_hook(json.loads(hook.body)) == 200

    assert world.shopify(_with(_shopify_order(), lambda _: None, 9200), "during-outage") == 200
    took = _wait_for(lambda: world.order("shop1", "9200") is not None)
    assert took < 5.0

    _wait_for(lambda: "bc1" in world.client.get("/readyz").json()["api_unreachable"])
    ready = world.client.get("/readyz").json()
    assert ready["status"] == "degraded"
    assert "store bc1: platform API unreachable" in ready["problems"]
    assert 'orderline_store_api_waiting_deliveries{store="bc1"}' in world.client.get("/metrics").text

    world.bigcommerce.is_down = False
    _wait_for(lambda: all(world.order("bc1", str(order_id)) is not None for order_id, _ in thin_hooks), 30.0)
    _wait_for(lambda: world.client.get("/readyz").json()["status"] == "ready")
