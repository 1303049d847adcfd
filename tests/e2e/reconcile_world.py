"""A world for reconciliation tests: a BigCommerce store behind FakeBigCommerceServer and a
WooCommerce store behind a REST v3 fake (an `httpx.MockTransport` handler), both fed by
webhooks over HTTP into an Orderline service on a real database, with a fixed clock.

Faults are injected on the platform side only: the fake's state changes and no webhook
is sent (or the webhook is dropped)."""

from __future__ import annotations

import base64
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from starlette.testclient import TestClient

from orderline.bootstrap import Runtime, build_runtime, build_web_context, run_tick
from orderline.bootstrap.reconcile import reconciler
from orderline.config import load_config
from orderline.connectors.woocommerce import WooCommerceClient
from orderline.connectors.woocommerce import plugin as woocommerce_plugin
from orderline.persistence import exception_records, tokens
from orderline.persistence.database import make_engine, migrate
from orderline.persistence.exception_records import StoredException
from orderline.services.reconciliation import Reconciler
from orderline.simulation.bigcommerce import BigCommerceSimulator, FakeBigCommerce, FakeBigCommerceServer
from orderline.simulation.bigcommerce.webhook import BigCommerceWebhook
from orderline.simulation.woocommerce import generate_order_history
from orderline.simulation.woocommerce.webhook import WooWebhook
from orderline.web.app import create_app

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NOW = START + timedelta(days=60)
"""The service's clock: well after every simulated event."""
SINCE = START - timedelta(days=1)
STORE_HASH = "rc7x2"
BC_SECRET = "bc-client-secret"
SITE = "https://woo.example.com"
WOO_KEY, WOO_SECRET, WOO_HOOK_SECRET = "ck_test", "cs_test", "woo-hook-secret"


class FakeWooRest:
    """`GET /wp-json/wc/v3/orders`: Basic auth, `modified_after` (GMT), oldest change first,
    `page` / `per_page`, and the `X-WP-Total` / `X-WP-TotalPages` headers."""

    def __init__(self) -> None:
        self.orders: dict[int, dict[str, Any]] = {}
        self.requests = 0

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        expected = "Basic " + base64.b64encode(f"{WOO_KEY}:{WOO_SECRET}".encode()).decode()
        if request.headers.get("authorization") != expected:
            return httpx.Response(
                401, json={"code": "woocommerce_rest_cannot_view", "message": "no", "data": {}}
            )
        params = request.url.params
        after = params.get("modified_after", "")
        matching = sorted(
            (o for o in self.orders.values() if o["date_modified_gmt"] > after),
            key=lambda o: (o["date_modified_gmt"], o["id"]),
        )
        if "after" in params:  # orders created within (after, before), GMT as sent
            assert params["dates_are_gmt"] == "true"
            created_after, created_before = params["after"], params.get("before", "9999")
            matching = [
                o for o in self.orders.values() if created_after < o["date_created_gmt"] < created_before
            ]
        page, per_page = int(params.get("page", "1")), int(params.get("per_page", "10"))
        headers = {
            "X-WP-Total": str(len(matching)),
            "X-WP-TotalPages": str(math.ceil(len(matching) / per_page)),
        }
        return httpx.Response(200, json=matching[(page - 1) * per_page : page * per_page], headers=headers)

    def change(self, order_id: int, at: datetime, **values: Any) -> None:
        """The merchant (or a plugin) changes the order at `at`; no webhook is sent."""
        body = self.orders[order_id]
        body.update(values)
        body["date_modified_gmt"] = at.replace(tzinfo=None).isoformat(timespec="seconds")
        body["date_modified"] = body["date_modified_gmt"]


def write_config(directory: Path, database_url: str, bigcommerce: FakeBigCommerceServer) -> Path:
    path = directory / "orderline.yaml"
    path.write_text(
        f"database_url: '{database_url}'\n"
        "reconcile:\n"
        "  lookback: 90d\n"
        "stores:\n"
        "  - id: bc1\n"
        "    platform: bigcommerce\n"
        f"    store_hash: {STORE_HASH}\n"
        f"    webhook_secrets: [{BC_SECRET}]\n"
        f"    api_token: {bigcommerce.api.api_token}\n"
        f"    api_base_url: {bigcommerce.base_url}\n"
        "  - id: woo1\n"
        "    platform: woocommerce\n"
        f"    site_url: {SITE}\n"
        f"    webhook_secrets: [{WOO_HOOK_SECRET}]\n"
        f"    api_key: {WOO_KEY}\n"
        f"    api_token: {WOO_SECRET}\n"
        "    status_map:\n"
        "      shipped: shipped\n"
        "  - id: offline1\n"
        "    platform: woocommerce\n"
        "    site_url: https://offline.example.com\n"
        "    webhook_secrets: [s]\n"
    )
    return path


@dataclass
class World:
    client: TestClient
    runtime: Runtime
    bigcommerce: FakeBigCommerceServer
    woo: FakeWooRest
    config: Path
    bc_sim: BigCommerceSimulator = field(init=False)
    _hook_ids: int = 0

    def __post_init__(self) -> None:
        api = self.bigcommerce.api
        self.bc_sim = BigCommerceSimulator(
            random.Random(5), STORE_HASH, api=api, start=START, duplicate_chance=0
        )

    @property
    def reconciler(self) -> Reconciler:
        return reconciler(self.runtime)

    def post_bigcommerce(self, hooks: list[BigCommerceWebhook]) -> None:
        for hook in hooks:
            answer = self.client.post(
                "/webhooks/bigcommerce", content=hook.body, headers=hook.custom_header(BC_SECRET)
            )
            assert answer.status_code == 200, answer.text

    def post_woo(self, hooks: list[WooWebhook]) -> None:
        for hook in hooks:
            self._hook_ids += 1
            headers = hook.headers(WOO_HOOK_SECRET, SITE, self._hook_ids)
            answer = self.client.post("/webhooks/woocommerce", content=hook.body, headers=headers)
            assert answer.status_code == 200, answer.text

    def woo_order(self, order_id: int, *, deliver: bool = True, seed: int = 0) -> dict[str, Any]:
        """A WooCommerce order's first save: on the platform, and delivered unless `deliver` is False."""
        rng = random.Random(seed or order_id)
        first = generate_order_history(rng, order_id=order_id, start=START, site_url=SITE)[0]
        self.woo.orders[order_id] = orjson.loads(first.body)
        if deliver:
            self.post_woo([first])
        return self.woo.orders[order_id]

    def token(self) -> dict[str, str]:
        with self.runtime.engine.begin() as connection:
            value = tokens.create_token(connection, name="reconcile-test", role="admin", now=NOW)
        return {"Authorization": f"Bearer {value}"}

    def process(self) -> None:
        self.runtime.processor.run_until_idle()

    def tick(self) -> None:
        run_tick(self.runtime, NOW)

    def exceptions(self, store_id: str, order_id: str) -> dict[str, StoredException]:
        with self.runtime.engine.connect() as connection:
            return exception_records.load_exceptions(connection, store_id, order_id)


@pytest.fixture
def bigcommerce_server() -> Iterator[FakeBigCommerceServer]:
    with FakeBigCommerceServer(FakeBigCommerce(STORE_HASH, quota=100_000)) as server:
        yield server


@pytest.fixture
def woo_rest(monkeypatch: pytest.MonkeyPatch) -> FakeWooRest:
    fake = FakeWooRest()
    monkeypatch.setattr(
        woocommerce_plugin,
        "WooCommerceClient",
        lambda settings: WooCommerceClient(
            settings, http=httpx.MockTransport(fake.handler), sleep=lambda _: None
        ),
    )
    return fake


def open_world(
    tmp_path: Path, database_url: str, bigcommerce: FakeBigCommerceServer, woo: FakeWooRest
) -> Iterator[World]:
    migrate(make_engine(database_url))
    config = write_config(tmp_path, database_url, bigcommerce)
    runtime = build_runtime(load_config(config), clock=lambda: NOW)
    with TestClient(create_app(build_web_context(runtime))) as client:
        yield World(client, runtime, bigcommerce, woo, config)
    runtime.engine.dispose()
