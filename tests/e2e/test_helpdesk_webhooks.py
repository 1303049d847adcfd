"""Helpdesk ticket webhooks over HTTP through the whole ASGI app: authenticated tickets
are recorded and linked to an order that came in through a real Shopify webhook; refused
bodies are answered 4xx and kept as dead letters, with no ticket recorded."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from orderline.bootstrap import build_runtime, build_web_context
from orderline.config import load_config
from orderline.persistence.database import make_engine, migrate
from orderline.persistence.messaging_tables import support_tickets
from orderline.persistence.tables import dead_letters
from orderline.web.app import create_app
from tests.e2e.conftest import SHOP, Service, shopify_signature, write_config
from tests.e2e.problems import problem
from tests.e2e.test_webhook_intake import ORDER_BODY

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ZENDESK_SECRET = "zendesk-signing-secret"
GORGIAS_SECRET = "gorgias-shared-secret"
ORDER_ID = "820982911946154508"  # ORDER_BODY's order: "#9999", jon@example.com

ZENDESK_TICKET = json.dumps(
    {
        "ticket": {
            "id": "35436",
            "created_at": "2026-11-23T08:55Z",
            "subject": "Where is order 9999?",
            "description": "It has not arrived.",
            "status": "new",
            "external_id": "",
            "requester": {"email": "Jon@Example.com", "name": "Jon"},
            "order_number": "",
        }
    }
).encode()
GORGIAS_TICKET = json.dumps(
    {
        "ticket": {
            "id": 9001,
            "created_datetime": "2026-11-23T08:58:00.123456",
            "subject": "Damaged mug",
            "status": "open",
            "customer": {"email": "jon@example.com"},
        }
    }
).encode()


def _helpdesk_yaml(kind: str, secret: str | None) -> str:
    lines = [
        "helpdesk:",
        f"  kind: {kind}",
        "  base_url: https://acme.example",
        "  username: agent@acme.example",
        "  api_token: not-used-here",
    ]
    if secret is not None:
        lines.append(f"  webhook_secret: {secret}")
    return "\n".join(lines) + "\n"


def _service(tmp_path: Path, database_url: str, kind: str, secret: str | None) -> Iterator[Service]:
    migrate(make_engine(database_url))
    path = write_config(tmp_path, database_url)
    path.write_text(path.read_text() + _helpdesk_yaml(kind, secret))
    runtime = build_runtime(load_config(path), clock=lambda: NOW)
    with TestClient(create_app(build_web_context(runtime))) as client:
        yield Service(client, runtime)
    runtime.engine.dispose()


@pytest.fixture
def zendesk(tmp_path: Path, database_url: str) -> Iterator[Service]:
    yield from _service(tmp_path, database_url, "zendesk", ZENDESK_SECRET)


@pytest.fixture
def gorgias(tmp_path: Path, database_url: str) -> Iterator[Service]:
    yield from _service(tmp_path, database_url, "gorgias", GORGIAS_SECRET)


def _signed(
    body: bytes, timestamp: str = "2026-11-23T08:59:30Z", secret: str = ZENDESK_SECRET
) -> dict[str, str]:
    signature = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return {
        "Content-Type": "application/json",
        "X-Zendesk-Webhook-Signature": base64.b64encode(signature).decode(),
        "X-Zendesk-Webhook-Signature-Timestamp": timestamp,
    }


def _place_order(service: Service) -> None:
    """The order "#9999" of jon@example.com, through a signed Shopify webhook and processing."""
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Shop-Domain": SHOP,
        "X-Shopify-Webhook-Id": "wh-order-9999",
        "X-Shopify-Hmac-Sha256": shopify_signature(ORDER_BODY),
    }
    response = service.client.post("/webhooks/shopify", content=ORDER_BODY, headers=headers)
    assert response.status_code == 200
    assert service.process() == 1


def _tickets(service: Service) -> list[tuple[str, str, str | None, str | None]]:
    with service.engine.connect() as connection:
        rows = connection.execute(
            select(
                support_tickets.c.helpdesk,
                support_tickets.c.ticket_id,
                support_tickets.c.store_id,
                support_tickets.c.order_id,
            ).order_by(support_tickets.c.id)
        ).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def _dead_letters(service: Service) -> list[tuple[str, str, int, str, bytes]]:
    with service.engine.connect() as connection:
        rows = connection.execute(
            select(
                dead_letters.c.platform,
                dead_letters.c.path,
                dead_letters.c.status_code,
                dead_letters.c.reason,
                dead_letters.c.body,
            ).order_by(dead_letters.c.id)
        ).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def test_signed_zendesk_ticket_is_recorded_and_linked_to_its_order(zendesk: Service) -> None:
    _place_order(zendesk)

    response = zendesk.client.post(
        "/webhooks/helpdesk/zendesk", content=ZENDESK_TICKET, headers=_signed(ZENDESK_TICKET)
    )

    assert response.status_code == 200
    assert response.json() == {
        "ticket_id": "35436",
        "linked_order": {"store_id": "shop1", "order_id": ORDER_ID},
        "created": True,
        "status_drift": None,
    }
    assert _tickets(zendesk) == [("zendesk", "35436", "shop1", ORDER_ID)]
    assert _dead_letters(zendesk) == []


def test_zendesk_retry_is_answered_200_and_recorded_once(zendesk: Service) -> None:
    for _ in range(2):
        response = zendesk.client.post(
            "/webhooks/helpdesk/zendesk", content=ZENDESK_TICKET, headers=_signed(ZENDESK_TICKET)
        )
        assert response.status_code == 200

    assert response.json() == {
        "ticket_id": "35436",
        "linked_order": None,
        "created": False,
        "status_drift": None,
    }
    assert _tickets(zendesk) == [("zendesk", "35436", None, None)]


def test_tickets_are_listed_by_the_api_for_a_viewer(zendesk: Service) -> None:
    _place_order(zendesk)
    zendesk.client.post("/webhooks/helpdesk/zendesk", content=ZENDESK_TICKET, headers=_signed(ZENDESK_TICKET))
    viewer = zendesk.token("viewer")

    week = zendesk.client.get(
        "/api/v1/tickets", params={"store": "shop1", "from": "2026-11-23", "to": "2026-11-30"}, headers=viewer
    )
    before = zendesk.client.get("/api/v1/tickets", params={"to": "2026-11-23T08:55:00Z"}, headers=viewer)
    of_order = zendesk.client.get(f"/api/v1/stores/shop1/orders/{ORDER_ID}/tickets", headers=viewer)

    assert week.status_code == 200
    assert [(t["ticket_id"], t["order_id"], t["source"], t["created_at"]) for t in week.json()] == [
        ("35436", ORDER_ID, "webhook", "2026-11-23T08:55:00Z")
    ]
    assert before.json() == []
    assert [t["ticket_id"] for t in of_order.json()] == ["35436"]
    assert zendesk.client.get("/api/v1/tickets").status_code == 401


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        (_signed(ZENDESK_TICKET, secret="not-the-secret"), "missing or invalid signature"),
        ({"Content-Type": "application/json"}, "missing or invalid signature"),
        (
            _signed(ZENDESK_TICKET, timestamp="2026-11-23T08:54:59Z"),
            "signature timestamp 2026-11-23T08:54:59Z is more than 5 minutes from now; refused as a replay",
        ),
    ],
    ids=["bad-signature", "unsigned", "stale-timestamp"],
)
def test_unauthenticated_zendesk_delivery_is_refused_and_dead_lettered(
    zendesk: Service, headers: dict[str, str], reason: str
) -> None:
    response = zendesk.client.post("/webhooks/helpdesk/zendesk", content=ZENDESK_TICKET, headers=headers)

    assert (response.status_code, response.json()) == (401, problem(401, reason))
    assert _dead_letters(zendesk) == [
        ("helpdesk:zendesk", "/webhooks/helpdesk/zendesk", 401, reason, ZENDESK_TICKET)
    ]
    assert _tickets(zendesk) == []


def test_malformed_zendesk_body_is_refused_400_and_dead_lettered(zendesk: Service) -> None:
    body = b'{"ticket": {"subject": "no id"}}'

    response = zendesk.client.post("/webhooks/helpdesk/zendesk", content=body, headers=_signed(body))

    assert (response.status_code, response.json()) == (400, problem(400, 'the ticket has no "id"'))
    assert _dead_letters(zendesk) == [
        ("helpdesk:zendesk", "/webhooks/helpdesk/zendesk", 400, 'the ticket has no "id"', body)
    ]
    assert _tickets(zendesk) == []


def test_gorgias_ticket_with_the_secret_header_is_recorded(gorgias: Service) -> None:
    _place_order(gorgias)

    response = gorgias.client.post(
        "/webhooks/helpdesk/gorgias",
        content=GORGIAS_TICKET,
        headers={"X-Orderline-Webhook-Secret": GORGIAS_SECRET},
    )

    assert response.status_code == 200
    assert response.json()["linked_order"] == {"store_id": "shop1", "order_id": ORDER_ID}
    assert _tickets(gorgias) == [("gorgias", "9001", "shop1", ORDER_ID)]


@pytest.mark.parametrize("secret", [None, "wrong-secret"], ids=["no-header", "wrong-header"])
def test_gorgias_ticket_without_the_secret_is_refused_and_the_secret_never_kept(
    gorgias: Service, secret: str | None
) -> None:
    headers = {} if secret is None else {"X-Orderline-Webhook-Secret": secret}

    response = gorgias.client.post("/webhooks/helpdesk/gorgias", content=GORGIAS_TICKET, headers=headers)

    reason = "missing or wrong X-Orderline-Webhook-Secret header"
    assert (response.status_code, response.json()) == (401, problem(401, reason))
    assert [letter[:4] for letter in _dead_letters(gorgias)] == [
        ("helpdesk:gorgias", "/webhooks/helpdesk/gorgias", 401, reason)
    ]
    with gorgias.engine.connect() as connection:
        kept = connection.execute(select(dead_letters.c.headers)).scalar_one()
    assert kept.get("x-orderline-webhook-secret") in (None, "<redacted; not verified>")
    assert _tickets(gorgias) == []


@pytest.mark.parametrize("kind", ["gorgias", "freshdesk"])
def test_a_helpdesk_that_is_not_configured_is_404_and_dead_lettered(zendesk: Service, kind: str) -> None:
    response = zendesk.client.post(f"/webhooks/helpdesk/{kind}", content=GORGIAS_TICKET)

    reason = f"no {kind} helpdesk is configured"
    assert (response.status_code, response.json()) == (404, problem(404, reason))
    assert [letter[:4] for letter in _dead_letters(zendesk)] == [
        (f"helpdesk:{kind}", f"/webhooks/helpdesk/{kind}", 404, reason)
    ]


def test_helpdesk_paths_are_not_taken_for_a_platform_named_helpdesk(zendesk: Service) -> None:
    # The platform fast path reads /webhooks/{platform}/{store_id}; without the
    # passthrough this would be "unknown platform 'helpdesk'".
    response = zendesk.client.post(
        "/webhooks/helpdesk/zendesk", content=b"not json", headers=_signed(b"not json")
    )

    assert response.status_code == 400
    assert "not JSON" in response.json()["detail"]
    with zendesk.engine.connect() as connection:
        platforms = connection.execute(select(dead_letters.c.platform)).scalars().all()
        count = connection.execute(select(func.count()).select_from(dead_letters)).scalar_one()
    assert (platforms, count) == (["helpdesk:zendesk"], 1)


def test_platform_webhooks_still_take_the_fast_path(zendesk: Service) -> None:
    response = zendesk.client.post("/webhooks/woocommerce/shop1", content=b"{}")

    assert response.status_code == 404
    assert response.json() == problem(404, "no woocommerce store with id 'shop1'")


def test_oversized_ticket_body_is_refused_413_and_dead_lettered(tmp_path: Path, database_url: str) -> None:
    migrate(make_engine(database_url))
    path = write_config(tmp_path, database_url, max_body_bytes=64)
    path.write_text(path.read_text() + _helpdesk_yaml("gorgias", None))
    runtime = build_runtime(load_config(path), clock=lambda: NOW)
    with TestClient(create_app(build_web_context(runtime))) as client:
        response = client.post("/webhooks/helpdesk/gorgias", content=GORGIAS_TICKET)
        small = client.post(
            "/webhooks/helpdesk/gorgias", content=b'{"id": 7, "created_datetime": "2026-11-23"}'
        )
    with runtime.engine.connect() as connection:
        letters = connection.execute(select(dead_letters.c.status_code, dead_letters.c.body)).all()
    runtime.engine.dispose()

    assert response.status_code == 413
    assert letters == [(413, GORGIAS_TICKET[:64])]
    assert (small.status_code, small.json()["ticket_id"]) == (200, "7")
