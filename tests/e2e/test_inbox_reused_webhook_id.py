"""A reused webhook id over HTTP: answered 200 like any redelivery, and listed with the
dead letters, also after a restart."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select
from starlette.testclient import TestClient

from orderline.bootstrap import build_runtime, build_web_context
from orderline.config import load_config
from orderline.persistence.tables import dead_letters, inbox
from orderline.web.app import create_app
from tests.e2e.conftest import SHOP, Service, shopify_signature, write_config


def _order(total: str) -> bytes:
    return json.dumps(
        {
            "id": 820982911946154508,
            "name": "#9999",
            "created_at": "2026-11-20T12:00:00-05:00",
            "updated_at": "2026-11-20T12:05:00-05:00",
            "financial_status": "paid",
            "currency": "USD",
            "total_price": total,
            "line_items": [{"id": 1, "title": "Mug", "quantity": 2, "price": "10.00", "sku": "MUG"}],
        }
    ).encode()


def _post(client: TestClient, body: bytes) -> int:
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Shop-Domain": SHOP,
        "X-Shopify-Webhook-Id": "wh-reused",
        "X-Shopify-Hmac-Sha256": shopify_signature(body),
    }
    return client.post("/webhooks/shopify", content=body, headers=headers).status_code


def test_duplicate_webhook_id_with_the_same_body_is_answered_200_and_stored_once(service: Service) -> None:
    assert [_post(service.client, _order("20.00")) for _ in range(3)] == [200, 200, 200]

    with service.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(inbox)).scalar_one() == 1
        assert connection.execute(select(func.count()).select_from(dead_letters)).scalar_one() == 0


def test_duplicate_webhook_id_with_another_body_is_answered_200_and_listed_as_a_dead_letter_after_a_restart(
    service: Service, tmp_path: Path, database_url: str
) -> None:
    assert _post(service.client, _order("20.00")) == 200
    assert _post(service.client, _order("999.00")) == 200
    assert service.process() == 1  # the first body only
    service.client.close()

    runtime = build_runtime(load_config(write_config(tmp_path, database_url)))
    try:
        with TestClient(create_app(build_web_context(runtime))) as restarted:
            listed = restarted.get("/api/v1/dead-letters", headers=service.token("operations")).json()
    finally:
        runtime.engine.dispose()
    with service.engine.connect() as connection:
        original_id = connection.execute(select(inbox.c.id)).scalar_one()
        stored = connection.execute(select(dead_letters.c.body)).scalar_one()
    (letter,) = listed
    assert letter["reason"].startswith(
        f"reused_webhook_id: inbox {original_id} holds orders/create 'wh-reused'"
    )
    assert (letter["path"], letter["status_code"], letter["store_id"]) == (
        f"inbox/{original_id}",
        200,
        "shop1",
    )
    assert (letter["body_bytes"], stored) == (len(_order("999.00")), _order("999.00"))
