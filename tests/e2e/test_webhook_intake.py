"""Webhook intake over HTTP: what is acknowledged is stored, what is rejected is dead-lettered."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from orderline.persistence.tables import dead_letters, inbox, orders
from orderline.services.intake import DeadLetterLimits
from tests.e2e.conftest import OLD_SECRET, SHOP, Service, shopify_signature
from tests.e2e.problems import problem

DEAD_LETTER_BODY_BYTES = DeadLetterLimits().body_bytes

ORDER_BODY = json.dumps(
    {
        "id": 820982911946154508,
        "name": "#9999",
        "email": "jon@example.com",
        "created_at": "2026-11-20T12:00:00-05:00",
        "updated_at": "2026-11-20T12:05:00-05:00",
        "financial_status": "paid",
        "fulfillment_status": None,
        "currency": "USD",
        "total_price": "20.00",
        "line_items": [{"id": 1, "title": "Mug", "quantity": 2, "price": "10.00", "sku": "MUG"}],
        "fulfillments": [],
        "refunds": [],
    }
).encode()


def _headers(body: bytes, **overrides: str) -> dict[str, str]:
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Shop-Domain": SHOP,
        "X-Shopify-Webhook-Id": "wh-1",
        "X-Shopify-Event-Id": "ev-1",
        "X-Shopify-Triggered-At": "2026-11-20T17:05:00Z",
        "X-Shopify-Hmac-Sha256": shopify_signature(body),
    }
    headers.update(overrides)
    return {k: v for k, v in headers.items() if v != ""}


def _counts(service: Service) -> tuple[int, int, int]:
    with service.engine.connect() as connection:
        return tuple(  # type: ignore[return-value]
            connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (inbox, dead_letters, orders)
        )


def test_signed_order_is_acknowledged_stored_and_projected(service: Service) -> None:
    response = service.client.post("/webhooks/shopify", content=ORDER_BODY, headers=_headers(ORDER_BODY))

    assert (response.status_code, response.json()) == (200, {"status": "accepted"})
    assert service.process() == 1
    order = service.client.get(
        "/api/v1/stores/shop1/orders/820982911946154508", headers=service.token()
    ).json()
    assert (order["status"], order["payment_status"], order["fulfillment_status"]) == (
        "ready_to_fulfill",
        "paid",
        "unfulfilled",
    )
    assert _counts(service) == (1, 0, 1)


def test_duplicate_delivery_is_acknowledged_and_processed_once(service: Service) -> None:
    for _ in range(3):
        response = service.client.post("/webhooks/shopify", content=ORDER_BODY, headers=_headers(ORDER_BODY))
        assert response.status_code == 200

    assert service.process() == 1
    assert _counts(service) == (1, 0, 1)


def test_previous_secret_is_accepted_during_rotation(service: Service) -> None:
    headers = _headers(ORDER_BODY, **{"X-Shopify-Hmac-Sha256": shopify_signature(ORDER_BODY, OLD_SECRET)})

    assert service.client.post("/webhooks/shopify", content=ORDER_BODY, headers=headers).status_code == 200


def test_store_can_be_named_in_the_path(service: Service) -> None:
    headers = _headers(ORDER_BODY, **{"X-Shopify-Shop-Domain": ""})

    assert (
        service.client.post("/webhooks/shopify/shop1", content=ORDER_BODY, headers=headers).status_code == 200
    )


BAD_INPUT = [
    (
        "missing signature",
        "/webhooks/shopify",
        ORDER_BODY,
        {"X-Shopify-Hmac-Sha256": ""},
        401,
        "missing or invalid signature",
    ),
    (
        "wrong signature",
        "/webhooks/shopify",
        ORDER_BODY,
        {"X-Shopify-Hmac-Sha256": shopify_signature(ORDER_BODY, "not-the-secret")},
        401,
        "missing or invalid signature",
    ),
    (
        "malformed JSON",
        "/webhooks/shopify",
        b'{"id": 1,',
        {"X-Shopify-Hmac-Sha256": shopify_signature(b'{"id": 1,')},
        400,
        "body is not valid JSON",
    ),
    (
        "body over the size limit",
        "/webhooks/shopify",
        b" " * 70000 + ORDER_BODY,
        {},
        413,
        "body over the 65536-byte limit; first 65536 bytes read",
    ),
    (
        "unknown store by header",
        "/webhooks/shopify",
        ORDER_BODY,
        {"X-Shopify-Shop-Domain": "other.myshopify.com"},
        404,
        "no shopify store for 'other.myshopify.com'",
    ),
    (
        "unknown store in the path",
        "/webhooks/shopify/nope",
        ORDER_BODY,
        {},
        404,
        "no shopify store with id 'nope'",
    ),
    ("unknown platform", "/webhooks/magento", ORDER_BODY, {}, 404, "unknown platform 'magento'"),
]


@pytest.mark.parametrize(
    ("path", "body", "overrides", "status", "reason"),
    [case[1:] for case in BAD_INPUT],
    ids=[case[0] for case in BAD_INPUT],
)
def test_bad_input_is_refused_and_kept_as_a_dead_letter(
    service: Service, path: str, body: bytes, overrides: dict[str, str], status: int, reason: str
) -> None:
    response = service.client.post(path, content=body, headers=_headers(body, **overrides))

    assert (response.status_code, response.json()) == (status, problem(status, reason))
    with service.engine.connect() as connection:
        letter = connection.execute(select(dead_letters.c.reason, dead_letters.c.body)).one()
    # An unauthenticated caller gets a bounded prefix of its body kept, and the reason says
    # how much was cut (issue 12: what a stranger can make us store is bounded).
    kept = min(len(body), DEAD_LETTER_BODY_BYTES)
    assert letter.reason == reason if len(body) <= kept else letter.reason.startswith(reason + " (body ")
    assert letter.body == body[:kept]
    assert service.process() == 0
    assert _counts(service) == (0, 1, 0)
