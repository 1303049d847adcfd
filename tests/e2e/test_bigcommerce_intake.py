"""BigCommerce end to end: thin signed webhooks over HTTP, the order fetched from a fake
BigCommerce API on a real loopback port, the canonical order read back from the API."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from orderline.bootstrap import build_runtime, build_web_context
from orderline.clock import system_clock
from orderline.config import load_config
from orderline.persistence.database import make_engine, migrate
from orderline.simulation.bigcommerce import BigCommerceSimulator, FakeBigCommerce, FakeBigCommerceServer
from orderline.web.app import create_app
from tests.e2e.conftest import Service
from tests.e2e.problems import problem

SECRET = "bc-client-secret"


@pytest.fixture
def bigcommerce() -> Iterator[FakeBigCommerceServer]:
    with FakeBigCommerceServer(FakeBigCommerce("abc123")) as running:
        yield running


@pytest.fixture
def service(tmp_path: Path, database_url: str, bigcommerce: FakeBigCommerceServer) -> Iterator[Service]:
    config = tmp_path / "orderline.yaml"
    config.write_text(
        f"database_url: '{database_url}'\n"
        "stores:\n"
        "  - id: bc1\n"
        "    platform: bigcommerce\n"
        "    store_hash: abc123\n"
        f"    webhook_secrets: [{SECRET}]\n"
        f"    api_token: {bigcommerce.api.api_token}\n"
        f"    api_base_url: {bigcommerce.base_url}\n"
    )
    migrate(make_engine(database_url))
    runtime = build_runtime(load_config(config))
    with TestClient(create_app(build_web_context(runtime))) as client:
        yield Service(client, runtime)
    runtime.engine.dispose()


def test_a_split_shipment_order_arrives_through_thin_webhooks(
    service: Service, bigcommerce: FakeBigCommerceServer
) -> None:
    sim = BigCommerceSimulator(random.Random(3), "abc123", api=bigcommerce.api, start=system_clock())
    order_id, hooks = sim.place_order(status_id=11, payment_status="captured", line_count=2)
    first = sim.order(order_id).products[0]
    hooks += sim.ship(order_id, [(first.id, first.quantity)])

    # The simulator dates deliveries at event time, past the Standard Webhooks replay
    # window, so these hooks authenticate with the shared-secret header instead.
    answers = [
        service.client.post(
            "/webhooks/bigcommerce", content=hook.body, headers=hook.custom_header(SECRET)
        ).status_code
        for hook in hooks
    ]
    service.process()
    order = service.client.get(f"/api/v1/stores/bc1/orders/{order_id}", headers=service.token()).json()

    assert set(answers) == {200}
    assert (order["status"], order["payment_status"], order["fulfillment_status"]) == (
        "partially_shipped",
        "paid",
        "partial",
    )
    assert [s["shipment_id"] for s in order["shipments"]] == [
        str(s.id) for s in sim.order(order_id).shipments
    ]


def test_a_webhook_signed_with_another_secret_is_refused(
    service: Service, bigcommerce: FakeBigCommerceServer
) -> None:
    sim = BigCommerceSimulator(random.Random(4), "abc123", api=bigcommerce.api, start=system_clock())
    _, hooks = sim.place_order(status_id=11, payment_status="captured", line_count=1)

    response = service.client.post(
        "/webhooks/bigcommerce", content=hooks[0].body, headers=hooks[0].headers("x")
    )

    assert (response.status_code, response.json()) == (401, problem(401, "missing or invalid signature"))
