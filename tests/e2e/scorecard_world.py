"""A small deployment for the scorecard's entry points: one Shopify store whose orders
arrive as signed webhooks through the app and are processed, so the CLI, the API and the
HTML report render what the real service computes.

Each seeded week holds six orders placed on its Monday from 09:00 UTC, three hours apart:
five ship after 10, 20, 30, 40 and 50 hours (p50 30 h, p90 46 h by linear interpolation),
two of them with a carrier name that needs escaping; the sixth never ships.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from orderline.bootstrap import Runtime, build_runtime, build_web_context, run_tick
from orderline.config import load_config
from orderline.persistence.database import make_engine, migrate
from orderline.web.app import create_app
from tests.e2e.conftest import SHOP, shopify_signature, write_config

SHIPPED_AFTER_HOURS = (10, 20, 30, 40, 50)
ORDERS_PER_WEEK = len(SHIPPED_AFTER_HOURS) + 1
ODD_CARRIER = 'Post & "Parcel" <Express> [b]'
"""Merchant text as a platform sends it: every renderer must show it whole and escaped."""


def order_body(number: int, placed_at: datetime, shipped_at: datetime | None, carrier: str) -> dict[str, Any]:
    """A Shopify order (orders/updated) with one line and, once shipped, its fulfillment."""
    line = {"id": number * 10, "title": "Mug", "quantity": 1, "price": "10.00", "sku": "MUG"}
    fulfillments = []
    if shipped_at is not None:
        fulfillments.append(
            {
                "id": number * 100, "order_id": number, "status": "success",
                "created_at": shipped_at.isoformat(), "updated_at": shipped_at.isoformat(),
                "tracking_company": carrier, "tracking_number": f"T{number}", "line_items": [line],
            }
        )  # fmt: skip
    return {
        "id": number, "name": f"#{number}", "email": "buyer@example.com",
        "created_at": placed_at.isoformat(), "updated_at": (shipped_at or placed_at).isoformat(),
        "financial_status": "paid", "fulfillment_status": "fulfilled" if shipped_at else None,
        "currency": "EUR", "total_price": "10.00", "line_items": [line], "fulfillments": fulfillments,
        "refunds": [],
        "shipping_address": {
            "first_name": "Ada", "last_name": "Novak", "address1": "Hauptstr. 1", "city": "Berlin",
            "zip": "10115", "country_code": "DE",
        },
    }  # fmt: skip


def post_order(client: TestClient, body: dict[str, Any]) -> None:
    content = json.dumps(body).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": "orders/updated",
        "X-Shopify-Shop-Domain": SHOP,
        "X-Shopify-Webhook-Id": f"wh-{body['id']}",
        "X-Shopify-Hmac-Sha256": shopify_signature(content),
    }
    response = client.post("/webhooks/shopify", content=content, headers=headers)
    assert response.status_code == 200, response.text


def seed_week(client: TestClient, monday_9am: datetime, first_number: int) -> None:
    """The week's six orders (see the module docstring), numbered from `first_number`."""
    for index in range(ORDERS_PER_WEEK):
        placed_at = monday_9am + timedelta(hours=3 * index)
        shipped = index < len(SHIPPED_AFTER_HOURS)
        shipped_at = placed_at + timedelta(hours=SHIPPED_AFTER_HOURS[index]) if shipped else None
        carrier = ODD_CARRIER if index in (1, 3) else "DHL"
        post_order(client, order_body(first_number + index, placed_at, shipped_at, carrier))


def seeded_runtime(
    directory: Path, database_url: str, mondays: list[datetime], clock: Callable[[], datetime]
) -> Runtime:
    """A migrated database with the weeks starting at `mondays` (09:00 UTC) processed, and a
    tick run at the clock's now, so exceptions are open; the runtime over it."""
    migrate(make_engine(database_url))
    runtime = build_runtime(load_config(write_config(directory, database_url)), clock=clock)
    with TestClient(create_app(build_web_context(runtime))) as client:
        for index, monday in enumerate(mondays):
            seed_week(client, monday, 1000 + 100 * index)
        runtime.processor.run_until_idle()
    run_tick(runtime, clock())
    return runtime
