"""Each Shopify fixture (webhook body = the unwrapped REST object), posted as a real signed
webhook, yields the expected canonical order."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.e2e.conftest import SHOP, Service, shopify_signature

FIXTURES = Path(__file__).parents[1] / "fixtures" / "platforms" / "shopify"


def _post(service: Service, topic: str, body: bytes, webhook_id: str, triggered_at: str) -> None:
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Shop-Domain": SHOP,
        "X-Shopify-Webhook-Id": webhook_id,
        "X-Shopify-Triggered-At": triggered_at,
        "X-Shopify-Hmac-Sha256": shopify_signature(body),
    }
    assert service.client.post("/webhooks/shopify", content=body, headers=headers).status_code == 200


def _unwrapped(name: str, key: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((FIXTURES / name).read_text())[key]
    return body


def _order(service: Service) -> dict[str, Any]:
    response = service.client.get("/api/v1/stores/shop1/orders/450789469", headers=service.token("viewer"))
    assert response.status_code == 200
    order: dict[str, Any] = response.json()
    return order


def test_authorized_order_with_a_failed_fulfillment_is_ready_to_fulfill(service: Service) -> None:
    order_body = _unwrapped("order_authorized_with_failed_fulfillment.shopify_python_api.json", "order")
    _post(service, "orders/create", json.dumps(order_body).encode(), "w-order", "2008-01-10T16:00:00Z")

    service.process()
    order = _order(service)

    assert (order["status"], order["payment_status"], order["fulfillment_status"], order["owner"]) == (
        "ready_to_fulfill",
        "authorized",
        "unfulfilled",
        "operations",
    )
    assert [(s["shipment_id"], s["state"]) for s in order["shipments"]] == [("255858046", "failed")]
    assert [(line["line_id"], line["quantity"], line["shipped_quantity"]) for line in order["lines"]] == [
        ("466157049", 1, 0),
        ("518995019", 1, 0),
        ("703073504", 1, 0),
    ]


def test_restock_refund_counts_refunded_quantity_on_its_line(service: Service) -> None:
    order_body = _unwrapped("order_authorized_with_failed_fulfillment.shopify_python_api.json", "order")
    refund_body = _unwrapped("refund_with_restock.shopify_python_api.json", "refund")
    _post(service, "orders/create", json.dumps(order_body).encode(), "w-order", "2008-01-10T16:00:00Z")
    _post(service, "refunds/create", json.dumps(refund_body).encode(), "w-refund", "2008-01-11T16:00:00Z")

    service.process()
    order = _order(service)

    assert [(r["refund_id"], r["restock"]) for r in order["refunds"]] == [(str(refund_body["id"]), True)]
    refunded = {line["line_id"]: line["refunded_quantity"] for line in order["lines"]}
    assert refunded == {"466157049": 1, "518995019": 0, "703073504": 1}


def test_fulfillment_order_hold_puts_the_order_on_hold_until_released(service: Service) -> None:
    order_body = _unwrapped("order_authorized_with_failed_fulfillment.shopify_python_api.json", "order")
    fulfillment_order = _unwrapped("fulfillment_order_open.shopify_python_api.json", "fulfillment_order")
    fulfillment_order.update(order_id=450789469, status="on_hold")
    fulfillment_order["fulfillment_holds"] = [
        {"reason": "incorrect_address", "reason_notes": "No such street"}
    ]
    held = json.dumps({"fulfillment_order": fulfillment_order}).encode()
    _post(service, "orders/create", json.dumps(order_body).encode(), "w-order", "2008-01-10T16:00:00Z")
    _post(service, "fulfillment_orders/placed_on_hold", held, "w-hold", "2026-11-20T10:00:00Z")

    service.process()
    held_order = _order(service)
    fulfillment_order.update(status="open", fulfillment_holds=[])
    released = json.dumps({"fulfillment_order": fulfillment_order}).encode()
    _post(service, "fulfillment_orders/hold_released", released, "w-release", "2026-11-20T12:00:00Z")
    service.process()
    released_order = _order(service)

    assert (held_order["status"], held_order["owner"]) == ("on_hold", "support")
    assert [(h["hold_group"], h["reason"]) for h in held_order["holds"]] == [("2558888935587", "address")]
    assert (released_order["status"], released_order["holds"]) == ("ready_to_fulfill", [])
    assert [e["kind"] for e in released_order["timeline"] if e["kind"].startswith("hold")] == [
        "hold_placed",
        "hold_released",
    ]
