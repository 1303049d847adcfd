"""From webhook to exception: an order with a broken address is processed, the scheduler
opens an address exception owned by support, the order and the queue show it, and a
corrected address closes it."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from orderline.domain.order_exceptions import DEFAULT_CALENDAR, DEFAULT_POLICY
from orderline.services import scheduler
from tests.e2e.conftest import SHOP, Service, shopify_signature

PLACED = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _order(updated: datetime, address1: str, webhook_id: str) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(
        {
            "id": 4242,
            "name": "#4242",
            "email": "buyer@example.com",
            "created_at": PLACED.isoformat(),
            "updated_at": updated.isoformat(),
            "financial_status": "paid",
            "currency": "USD",
            "total_price": "10.00",
            "line_items": [{"id": 1, "title": "Mug", "quantity": 1, "price": "10.00"}],
            "shipping_address": {
                "name": "Ada Buyer",
                "address1": address1,
                "city": "San Francisco",
                "zip": "94107",
                "country_code": "US",
            },
        }
    ).encode()
    headers = {
        "X-Shopify-Topic": "orders/updated",
        "X-Shopify-Shop-Domain": SHOP,
        "X-Shopify-Webhook-Id": webhook_id,
        "X-Shopify-Hmac-Sha256": shopify_signature(body),
    }
    return body, headers


def _tick(service: Service, now: datetime) -> scheduler.TickResult:
    return scheduler.tick(service.engine, lambda _s: DEFAULT_POLICY, lambda _s: DEFAULT_CALENDAR, now)


def _get(service: Service, path: str) -> Any:
    response = service.client.get(path, headers=service.token())
    assert response.status_code == 200, response.text
    return response.json()


def test_a_missing_street_opens_an_address_exception_that_a_corrected_address_closes(
    service: Service,
) -> None:
    body, headers = _order(PLACED, "", "w-1")
    assert service.client.post("/webhooks/shopify", content=body, headers=headers).status_code == 200
    service.process()

    # Processing made the order due at its own clock (the wall clock here); tick after it.
    opened = _tick(service, service.runtime.clock() + timedelta(minutes=1))
    order = _get(service, "/api/v1/stores/shop1/orders/4242")
    queue = _get(service, "/api/v1/exceptions?owner=support")

    # Six days after placing, the order is also late and stale; the address is what we follow.
    address = [e for e in order["exceptions"] if e["type"] == "address_invalid"]
    assert opened.counts()["opened"] == len(order["exceptions"]) >= 1
    assert [(e["state"], e["owner"], e["hold"]) for e in address] == [("open", "support", "address")]
    assert ("4242", "address_invalid") in {(e["order_id"], e["type"]) for e in queue["items"]}

    fixed_body, fixed_headers = _order(PLACED + timedelta(hours=1), "1 Market St", "w-2")
    service.client.post("/webhooks/shopify", content=fixed_body, headers=fixed_headers)
    service.process()
    _tick(service, service.runtime.clock() + timedelta(minutes=2))
    fixed = _get(service, "/api/v1/stores/shop1/orders/4242")

    (resolved,) = [e for e in fixed["exceptions"] if e["type"] == "address_invalid"]
    assert (resolved["state"], resolved["resolution"]) == ("resolved", "cause cleared")


def test_the_embedded_worker_opens_exceptions_without_a_separate_tick(service: Service) -> None:
    from orderline.bootstrap import processing_thread

    body, headers = _order(PLACED, "", "w-embedded")
    assert service.client.post("/webhooks/shopify", content=body, headers=headers).status_code == 200
    worker = processing_thread(service.runtime)

    worker.start()
    try:
        deadline = time.monotonic() + 20
        found: list[dict[str, Any]] = []
        while time.monotonic() < deadline and not found:
            time.sleep(0.2)
            response = service.client.get("/api/v1/stores/shop1/orders/4242", headers=service.token())
            if response.status_code == 200:
                found = [e for e in response.json()["exceptions"] if e["type"] == "address_invalid"]
    finally:
        worker.stop()

    assert [(e["state"], e["owner"]) for e in found] == [("open", "support")]


def test_an_exception_handled_from_the_cli_shows_in_the_order_timeline_with_who(
    service: Service, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from orderline.cli import app

    body, headers = _order(PLACED, "", "w-cli")
    service.client.post("/webhooks/shopify", content=body, headers=headers)
    service.process()
    _tick(service, service.runtime.clock() + timedelta(minutes=1))
    order = _get(service, "/api/v1/stores/shop1/orders/4242")
    (key,) = [e["key"] for e in order["exceptions"] if e["type"] == "address_invalid"]
    config = tmp_path / "orderline.yaml"  # written by the service fixture
    runner = CliRunner()

    acked = runner.invoke(
        app, ["exceptions", "ack", "shop1", "4242", key, "--by", "dana", "--config", str(config)]
    )
    resolved = runner.invoke(
        app,
        ["exceptions", "resolve", "shop1", "4242", key, "--resolution", "called the buyer", "--by", "dana",
         "--config", str(config)],
    )  # fmt: skip
    again = runner.invoke(
        app, ["exceptions", "ack", "shop1", "4242", key, "--by", "dana", "--config", str(config)]
    )
    timeline = _get(service, "/api/v1/stores/shop1/orders/4242")["timeline"]

    assert (acked.exit_code, resolved.exit_code) == (0, 0), acked.output + resolved.output
    assert again.exit_code == 1 and "is resolved" in again.output
    summaries = [e["summary"] for e in timeline if e["kind"].startswith("exception_")]
    assert f"Exception {key} acknowledged by dana" in summaries
    assert f"Exception {key} resolved by dana" in summaries
