"""Postal codes checked against Google's address metadata on the service's own path: a
Shopify webhook, processing, and the worker's tick with the configured policy
(`bootstrap.run_tick`), read back over the API."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from orderline.bootstrap import run_tick
from tests.e2e.conftest import SHOP, Service, shopify_signature


def _post_order(service: Service, order_id: int, country_code: str, postal_code: str) -> None:
    # Placed an hour before the service's clock, so nothing but the address can be wrong.
    placed = service.runtime.clock() - timedelta(hours=1)
    body = json.dumps(
        {
            "id": order_id,
            "name": f"#{order_id}",
            "email": "buyer@example.com",
            "created_at": placed.isoformat(),
            "updated_at": placed.isoformat(),
            "financial_status": "paid",
            "currency": "USD",
            "total_price": "10.00",
            "line_items": [{"id": 1, "title": "Mug", "quantity": 1, "price": "10.00"}],
            "shipping_address": {
                "name": "Ada Buyer",
                "address1": "1 Main St",
                "city": "Springfield",
                "zip": postal_code,
                "country_code": country_code,
            },
        }
    ).encode()
    headers = {
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Shop-Domain": SHOP,
        "X-Shopify-Webhook-Id": f"w-{order_id}",
        "X-Shopify-Hmac-Sha256": shopify_signature(body),
    }
    assert service.client.post("/webhooks/shopify", content=body, headers=headers).status_code == 200


def _order(service: Service, order_id: int) -> Any:
    response = service.client.get(f"/api/v1/stores/shop1/orders/{order_id}", headers=service.token())
    assert response.status_code == 200, response.text
    return response.json()


def _processed_and_ticked(service: Service, country_code: str, postal_code: str, order_id: int) -> Any:
    _post_order(service, order_id, country_code, postal_code)
    service.process()
    now: datetime = service.runtime.clock() + timedelta(minutes=1)
    run_tick(service.runtime, now)
    return _order(service, order_id)


@pytest.mark.parametrize(
    ("country_code", "postal_code"), [("US", "12345 6789"), ("GB", "BFPO 1234"), ("FR", "75 001")]
)
def test_a_real_world_postal_code_places_no_address_hold(
    service: Service, country_code: str, postal_code: str
) -> None:
    order = _processed_and_ticked(service, country_code, postal_code, 7001)

    assert [e for e in order["exceptions"] if e["type"] == "address_invalid"] == []
    assert order["holds"] == []
    assert order["status"] == "ready_to_fulfill"


def test_an_invalid_postal_code_still_places_an_address_hold(service: Service) -> None:
    order = _processed_and_ticked(service, "US", "ABCDE", 7002)

    address = [e for e in order["exceptions"] if e["type"] == "address_invalid"]
    assert [(e["state"], e["hold"]) for e in address] == [("open", "address")]
    assert [hold["reason"] for hold in order["holds"]] == ["address"]
    assert order["status"] == "on_hold"
