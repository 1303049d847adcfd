"""Unauthenticated abuse of intake costs bounded space and memory, and a body that cannot
be read is a 4xx with a dead letter, never a 5xx (issue 12). A valid webhook still goes
through afterwards."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import random
import string
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from orderline.bootstrap import build_runtime, build_web_context
from orderline.config import load_config
from orderline.persistence.database import make_engine, migrate
from orderline.persistence.tables import dead_letters, inbox
from orderline.web.app import create_app
from tests.e2e.conftest import SHOP, Service, shopify_signature, write_config
from tests.e2e.test_webhook_intake import ORDER_BODY

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
GORGIAS_SECRET = "gorgias-shared-secret"
WOO_SITE = "https://shop.example.com"
WOO_SECRET = "wc-secret"


def _config(tmp_path: Path, database_url: str) -> Path:
    path = write_config(tmp_path, database_url, max_body_bytes=1_048_576)
    path.write_text(
        path.read_text() + "  - id: woo1\n"
        "    platform: woocommerce\n"
        f"    site_url: {WOO_SITE}\n"
        f"    webhook_secrets: [{WOO_SECRET}]\n"
        "helpdesk:\n"
        "  kind: gorgias\n"
        "  base_url: https://acme.example\n"
        "  username: agent@acme.example\n"
        "  api_token: not-used-here\n"
        f"  webhook_secret: {GORGIAS_SECRET}\n"
    )
    return path


@pytest.fixture
def service(tmp_path: Path, database_url: str) -> Iterator[Service]:
    migrate(make_engine(database_url))
    runtime = build_runtime(load_config(_config(tmp_path, database_url)), clock=lambda: NOW)
    with TestClient(create_app(build_web_context(runtime))) as client:
        yield Service(client, runtime)
    runtime.engine.dispose()


def _shopify_headers(body: bytes, **overrides: str) -> dict[str, str]:
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Shop-Domain": SHOP,
        "X-Shopify-Webhook-Id": "wh-abuse-1",
        "X-Shopify-Triggered-At": "2026-11-20T17:05:00Z",
        "X-Shopify-Hmac-Sha256": shopify_signature(body),
    }
    headers.update(overrides)
    return headers


def _woo_headers(body: bytes) -> dict[str, str]:
    signature = base64.b64encode(hmac.new(WOO_SECRET.encode(), body, hashlib.sha256).digest()).decode()
    return {
        "Content-Type": "application/json",
        "X-WC-Webhook-Source": WOO_SITE + "/",
        "X-WC-Webhook-Topic": "order.updated",
        "X-WC-Webhook-Resource": "order",
        "X-WC-Webhook-Event": "updated",
        "X-WC-Webhook-Signature": signature,
        "X-WC-Webhook-ID": "17",
        "X-WC-Webhook-Delivery-ID": "d-1",
    }


def _letters(service: Service) -> list[tuple[int, str, int, int]]:
    with service.engine.connect() as connection:
        rows = connection.execute(
            select(
                dead_letters.c.status_code,
                dead_letters.c.reason,
                func.length(dead_letters.c.body),
                dead_letters.c.id,
            ).order_by(dead_letters.c.id)
        ).all()
    return [(row[0], row[1], row[2], row[3]) for row in rows]


def _database_bytes(url: str) -> int:
    path = url.removeprefix("sqlite:///")
    return sum(os.path.getsize(p) for p in (path, path + "-wal") if os.path.exists(p))


def _accepts_a_valid_webhook(service: Service) -> None:
    body = ORDER_BODY
    headers = _shopify_headers(body, **{"X-Shopify-Webhook-Id": "wh-valid-after-abuse"})
    response = service.client.post("/webhooks/shopify", content=body, headers=headers)
    assert response.status_code == 200
    assert service.process() == 1
    with service.engine.connect() as connection:
        statuses = connection.execute(select(inbox.c.status)).scalars().all()
    assert "processed" in statuses or "done" in statuses, statuses


def test_unauthenticated_large_posts_barely_grow_the_database(service: Service, database_url: str) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("measures the SQLite file")
    before = _database_bytes(database_url)
    body = b"x" * 900_000
    answers = set()
    for i in range(60):
        path = "/webhooks/shopify" if i % 2 else f"/webhooks/nowhere{i}"
        headers = {"X-Shopify-Shop-Domain": SHOP, "X-Shopify-Hmac-Sha256": "bad", "X-Junk": "y" * 3000}
        answers.add(service.client.post(path, content=body, headers=headers).status_code)

    assert answers == {401, 404}
    assert _database_bytes(database_url) - before < 10_000_000
    letters = _letters(service)
    assert 0 < len(letters) <= 60
    assert all(size <= 4096 for _, _, size, _ in letters)
    assert "body 900000 bytes, first 4096 kept" in letters[0][1]
    _accepts_a_valid_webhook(service)


def test_oversized_headers_are_refused_431_and_kept_bounded(service: Service) -> None:
    headers = {f"X-Pad-{i}": "z" * 1000 for i in range(20)}

    response = service.client.post("/webhooks/shopify", content=ORDER_BODY, headers=headers)

    assert response.status_code == 431
    ((status, reason, size, _),) = _letters(service)
    assert status == 431 and size <= 4096 and "headers" in reason
    with service.engine.connect() as connection:
        kept = connection.execute(select(dead_letters.c.headers)).scalar_one()
    assert sum(len(k) + len(v) for k, v in kept.items()) <= 4096


def test_random_platform_names_leave_metrics_small(service: Service) -> None:
    rng = random.Random(12)
    for _ in range(1500):
        name = "".join(rng.choices(string.ascii_lowercase, k=24))
        assert service.client.post(f"/webhooks/{name}", content=b"{}").status_code == 404

    metrics = service.client.get("/metrics").text

    assert len(metrics.encode()) < 200_000
    assert 'outcome="unknown_platform",platform="unknown",store="unknown"} 1500.0' in metrics
    assert "orderline_dead_letters_dropped_total" in metrics
    assert len(_letters(service)) < 100  # the rest were over the source's rate
    _accepts_a_valid_webhook(service)


def test_a_shopify_trigger_time_in_year_1_is_ignored_not_a_5xx(service: Service) -> None:
    """The connector reads an out-of-range `X-Shopify-Triggered-At` as absent (it is only an
    ordering hint); the otherwise good body is accepted and processed."""
    headers = _shopify_headers(ORDER_BODY, **{"X-Shopify-Triggered-At": "0001-01-01T00:00:00+01:00"})

    response = service.client.post("/webhooks/shopify", content=ORDER_BODY, headers=headers)

    assert response.status_code == 200
    with service.engine.connect() as connection:
        assert connection.execute(select(inbox.c.triggered_at)).scalar_one() is None
    assert service.process() == 1


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_a_gorgias_ticket_dated_out_of_range_is_400_with_a_dead_letter(service: Service, moment: str) -> None:
    body = json.dumps({"ticket": {"id": 9001, "created_datetime": moment, "subject": "x"}}).encode()
    headers = {"Content-Type": "application/json", "X-Orderline-Webhook-Secret": GORGIAS_SECRET}

    response = service.client.post("/webhooks/helpdesk/gorgias", content=body, headers=headers)

    assert response.status_code == 400
    ((status, _, size, _),) = _letters(service)
    assert (status, size) == (400, len(body))


def test_a_deeply_nested_signed_woocommerce_body_is_400_with_a_dead_letter(service: Service) -> None:
    body = b'{"id": 1, "x": ' + b"[" * 2000 + b"]" * 2000 + b"}"

    response = service.client.post("/webhooks/woocommerce/woo1", content=body, headers=_woo_headers(body))

    assert 400 <= response.status_code < 500
    ((status, _, size, _),) = _letters(service)
    assert (status, size) == (response.status_code, len(body))  # signed: kept whole
    _accepts_a_valid_webhook(service)


@pytest.mark.parametrize(
    "query",
    [
        "/api/v1/orders?placed_from=9999-12-31T23:59:59-01:00",
        "/api/v1/orders?placed_to=0001-01-01T00:00:00%2B01:00",
        "/api/v1/orders?placed_from=0001-01-01T00:00:00",
        "/api/v1/tickets?from=9999-12-31T23:59:59-01:00",
        "/api/v1/tickets?to=0001-01-01T00:00:00%2B01:00",
        "/api/v1/audit/messages?now=9999-12-31T23:59:59-01:00",
        "/api/v1/audit/messages?now=0001-01-01T00:00:00%2B01:00",
    ],
)
def test_api_date_times_out_of_range_are_422(service: Service, query: str) -> None:
    assert service.client.get(query, headers=service.token()).status_code == 422


def test_api_date_times_in_range_still_work(service: Service) -> None:
    query = "/api/v1/orders?placed_from=2026-01-01T00:00:00-01:00&placed_to=2027-01-01T00:00:00"
    assert service.client.get(query, headers=service.token()).status_code == 200


def test_an_expired_dead_letter_is_purged_when_a_new_one_is_filed(service: Service) -> None:
    old = {"platform": "shopify", "path": "/webhooks/shopify", "status_code": 401, "reason": "old"}
    with service.engine.begin() as connection:
        connection.execute(
            dead_letters.insert(),
            [
                {**old, "received_at": NOW - timedelta(days=31), "headers": {}, "body": b"old"},
                {
                    **old,
                    "reason": "recent",
                    "received_at": NOW - timedelta(days=29),
                    "headers": {},
                    "body": b"",
                },
            ],
        )

    service.client.post("/webhooks/magento", content=b"{}")

    reasons = [reason for _, reason, _, _ in _letters(service)]
    assert reasons == ["recent", "unknown platform 'magento'"]
    _accepts_a_valid_webhook(service)


@pytest.mark.parametrize("order_id", ["²", "9" * 400, -1, 1.5, [1]])
def test_a_signed_woocommerce_body_with_an_impossible_id_is_400_with_a_dead_letter(
    service: Service, order_id: object
) -> None:
    body = json.dumps({"id": order_id, "status": "processing"}).encode()

    response = service.client.post("/webhooks/woocommerce/woo1", content=body, headers=_woo_headers(body))

    assert response.status_code == 400
    assert "id must be a numeric id" in response.json()["detail"]
    ((status, reason, size, _),) = _letters(service)
    assert (status, size) == (400, len(body))
    assert "numeric id" in reason
    with service.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(inbox)).scalar_one() == 0
    _accepts_a_valid_webhook(service)
