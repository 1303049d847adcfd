"""Fuzzing every webhook endpoint through the real ASGI app on a real database (issue 12).

Signed bodies with wrong types, missing fields, nulls, huge numbers, ~1,000-deep nesting,
long strings and odd unicode; unsigned garbage; missing, duplicate and oversized headers;
oversized bodies; unknown platforms and stores; path tricks. What must hold: no answer is
a 5xx; every refusal by an intake leaves a dead letter with its status (or is counted as
over its source's dead-letter rate); processing every accepted delivery afterwards never
raises and leaves nothing due; and a valid order of each platform sent after the batch is
processed into an order.

`ORDERLINE_FUZZ_EXAMPLES` sets the requests per run on SQLite (default 2,000; PostgreSQL
runs a quarter of them); `bench/fuzz` runs 100,000.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from sqlalchemy import select

from orderline.persistence.tables import dead_letters, inbox
from tests.fuzz.raw_asgi import RawRequest
from tests.fuzz.webhook_cases import STORES, gorgias_ticket, sign, webhook_requests
from tests.fuzz.webhook_world import WebhookWorld, webhook_world
from tests.unit.platform_bodies import shopify_order

EXAMPLES = int(os.environ.get("ORDERLINE_FUZZ_EXAMPLES", "2000"))


@pytest.fixture
def world(tmp_path: Path, database_url: str) -> Iterator[WebhookWorld]:
    with webhook_world(database_url, tmp_path) as world:
        yield world


def test_no_webhook_request_is_a_5xx_and_every_refusal_is_a_dead_letter(
    world: WebhookWorld, database_url: str
) -> None:
    examples = EXAMPLES if database_url.startswith("sqlite") else max(1, EXAMPLES // 4)

    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(request=webhook_requests)
    def one_request(request: RawRequest) -> None:
        assert world.send(request) == []

    one_request()

    assert world.process_all() == []
    assert world.valid_orders_go_through() == []
    tally = world.tally
    assert tally.server_errors == tally.crashes == 0
    assert tally.cases >= examples and tally.accepted > 0 and tally.dead_letters > 0, tally


# --- regressions found by the fuzzer -------------------------------------------------------


def _shopify(path: str, **headers: str) -> RawRequest:
    body = json.dumps(shopify_order()).encode()
    sent = {
        "x-shopify-topic": "orders/updated",
        "x-shopify-shop-domain": STORES.shop_domain,
        "x-shopify-webhook-id": "regression-1",
        "x-shopify-hmac-sha256": sign(STORES.shopify_secret, body),
        **headers,
    }
    return RawRequest("POST", path.encode(), tuple((k.encode(), v.encode()) for k, v in sent.items()), body)


def _letters(world: WebhookWorld) -> list[tuple[int, str, str | None]]:
    with world.runtime.engine.connect() as connection:
        rows = connection.execute(
            select(dead_letters.c.status_code, dead_letters.c.path, dead_letters.c.store_id).order_by(
                dead_letters.c.id
            )
        ).all()
    return [(row[0], row[1], row[2]) for row in rows]


def _inbox_rows(world: WebhookWorld) -> int:
    with world.runtime.engine.connect() as connection:
        return len(connection.execute(select(inbox.c.id)).all())


@pytest.mark.parametrize(
    "header",
    ["x-shopify-topic", "x-shopify-webhook-id", "x-shopify-event-id"],
)
@pytest.mark.parametrize("value", ["t" * 201, "orders/updated\x00"])
def test_a_signed_delivery_whose_identity_does_not_fit_its_column_is_400_with_a_dead_letter(
    world: WebhookWorld, header: str, value: str
) -> None:
    """PostgreSQL refused these (varchar(128)/(200), no NUL) and intake answered 503."""
    response = world.server.request(_shopify("/webhooks/shopify", **{header: value}))

    assert response.status == 400
    assert _letters(world) == [(400, "/webhooks/shopify", "shop1")]
    assert _inbox_rows(world) == 0
    assert world.valid_orders_go_through() == []


@pytest.mark.parametrize(
    ("target", "path", "store"),
    [
        ("/webhooks/%00", "/webhooks/\\x00", None),
        ("/webhooks/shopify/a%00b", "/webhooks/shopify/a\\x00b", "a\\x00b"),
    ],
)
def test_a_nul_in_the_path_is_404_with_a_dead_letter(
    world: WebhookWorld, target: str, path: str, store: str | None
) -> None:
    """PostgreSQL refuses NUL in text: the dead letter was not filed and intake answered 503."""
    response = world.server.request(_shopify(target))

    assert response.status == 404
    assert _letters(world) == [(404, path, store)]
    assert world.valid_orders_go_through() == []


def test_a_helpdesk_ticket_nested_5000_deep_is_400_with_a_dead_letter(world: WebhookWorld) -> None:
    body = json.dumps({"ticket": "@"}).replace('"@"', "[" * 5000 + "]" * 5000).encode()
    headers = ((b"x-orderline-webhook-secret", STORES.gorgias_secret.encode()),)

    response = world.server.request(RawRequest("POST", b"/webhooks/helpdesk/gorgias", headers, body))

    assert response.status == 400
    assert [status for status, _, _ in _letters(world)] == [400]


def test_a_nul_in_a_helpdesk_path_is_404_with_a_dead_letter(world: WebhookWorld, database_url: str) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite stores a NUL; only PostgreSQL refuses it")
    body = json.dumps(gorgias_ticket()).encode()

    response = world.server.request(RawRequest("POST", b"/webhooks/helpdesk/%00", (), body))

    assert response.status == 404
    assert [status for status, _, _ in _letters(world)] == [404]


@pytest.mark.parametrize(
    "target",
    [
        "/webhooks/shopify/",
        "/webhooks/shopify/shop1/x",
        "/webhooks/shopify%2F..%2Fx",
        "/webhooks/helpdesk/gorgias/",
    ],
)
def test_a_path_the_intakes_do_not_take_is_refused_without_an_inbox_row(
    world: WebhookWorld, target: str
) -> None:
    """Answered by the API app's routing (no dead letter: see the report of issue 12)."""
    response = world.server.request(_shopify(target))

    assert 400 <= response.status < 500 or response.status in (307, 308)
    assert _inbox_rows(world) == 0


def test_a_helpdesk_ticket_with_a_lone_surrogate_is_400_with_a_dead_letter(world: WebhookWorld) -> None:
    ticket = gorgias_ticket()
    ticket["ticket"]["subject"] = "order #1001 \ud800"
    headers = ((b"x-orderline-webhook-secret", STORES.gorgias_secret.encode()),)
    body = json.dumps(ticket).encode()  # the surrogate escaped: \ud800

    response = world.server.request(RawRequest("POST", b"/webhooks/helpdesk/gorgias", headers, body))

    assert response.status == 400
    assert [status for status, _, _ in _letters(world)] == [400]


def test_unauthenticated_helpdesk_refusals_are_bounded_and_rate_limited(world: WebhookWorld) -> None:
    """As a platform webhook's are (services/intake.py): a 4 KB prefix, 30 per address at once."""
    request = RawRequest("POST", b"/webhooks/helpdesk/gorgias", (), b"x" * 60_000, client=("198.51.100.9", 1))

    statuses = {world.server.request(request).status for _ in range(40)}

    assert statuses == {401}
    with world.runtime.engine.connect() as connection:
        kept = connection.execute(select(dead_letters.c.body)).scalars().all()
    assert len(kept) <= 31
    assert max(len(body) for body in kept) <= 4096


def test_a_helpdesk_ticket_status_longer_than_its_column_is_400_with_a_dead_letter(
    world: WebhookWorld, database_url: str
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite takes a longer value; only PostgreSQL refuses it")
    ticket = gorgias_ticket()
    ticket["ticket"]["status"] = "s" * 40
    headers = ((b"x-orderline-webhook-secret", STORES.gorgias_secret.encode()),)

    response = world.server.request(
        RawRequest("POST", b"/webhooks/helpdesk/gorgias", headers, json.dumps(ticket).encode())
    )

    assert response.status == 400
    assert [status for status, _, _ in _letters(world)] == [400]
