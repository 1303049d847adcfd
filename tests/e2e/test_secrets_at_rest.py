"""No webhook secret or signature is kept at rest: signed Shopify, WooCommerce and
BigCommerce deliveries (Standard Webhooks and the shared-secret header) and helpdesk ticket
webhooks go through the whole ASGI app, accepted and refused; then every stored header
value and body of the inbox and the dead letters is scanned for the configured secrets
and the signatures sent."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from orderline.bootstrap import build_runtime, build_web_context
from orderline.config import load_config
from orderline.persistence.database import make_engine, migrate
from orderline.persistence.tables import dead_letters, inbox
from orderline.simulation.bigcommerce.webhook import BigCommerceWebhook
from orderline.web.app import create_app
from tests.e2e.conftest import Service
from tests.e2e.test_helpdesk_webhooks import GORGIAS_TICKET
from tests.e2e.test_webhook_intake import ORDER_BODY

SHOP = "secret-shop.myshopify.com"
SHOPIFY_SECRET = "shopify-app-secret-1f2e"
SITE = "https://woo.example.com"
WOO_SECRET = "woo-webhook-secret-77aa"
STORE_HASH = "abc123"
BC_SECRET = "bc-client-secret-9c0d"
GORGIAS_SECRET = "gorgias-shared-secret-4b5c"
SECRETS = (SHOPIFY_SECRET, WOO_SECRET, BC_SECRET, GORGIAS_SECRET)
VERIFIED, NOT_VERIFIED = "<redacted; verified>", "<redacted; not verified>"


@pytest.fixture
def service(tmp_path: Path, database_url: str) -> Iterator[Service]:
    config = tmp_path / "orderline.yaml"
    config.write_text(
        f"database_url: '{database_url}'\n"
        "stores:\n"
        "  - id: shop1\n"
        "    platform: shopify\n"
        f"    shop_domain: {SHOP}\n"
        f"    webhook_secrets: [{SHOPIFY_SECRET}]\n"
        "  - id: woo1\n"
        "    platform: woocommerce\n"
        f"    site_url: {SITE}\n"
        f"    webhook_secrets: [{WOO_SECRET}]\n"
        "  - id: bc1\n"
        "    platform: bigcommerce\n"
        f"    store_hash: {STORE_HASH}\n"
        f"    webhook_secrets: [{BC_SECRET}]\n"
        "    api_token: not-used-here\n"
        "    api_base_url: http://127.0.0.1:9\n"
        "helpdesk:\n"
        "  kind: gorgias\n"
        "  base_url: https://acme.example\n"
        "  username: agent@acme.example\n"
        "  api_token: not-used-here\n"
        f"  webhook_secret: {GORGIAS_SECRET}\n"
    )
    migrate(make_engine(database_url))
    runtime = build_runtime(load_config(config))
    with TestClient(create_app(build_web_context(runtime))) as client:
        yield Service(client, runtime)
    runtime.engine.dispose()


def _b64_hmac(secret: str, message: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


def _shopify(
    webhook_id: str, secret: str = SHOPIFY_SECRET, body: bytes = ORDER_BODY, **extra: str
) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Shop-Domain": SHOP,
        "X-Shopify-Webhook-Id": webhook_id,
        "X-Shopify-Hmac-Sha256": _b64_hmac(secret, body),
        **extra,
    }


WOO_BODY = json.dumps(
    {"id": 727, "status": "processing", "date_modified_gmt": "2026-11-02T08:00:00"}
).encode()


def _woo(secret: str = WOO_SECRET) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-WC-Webhook-Source": SITE + "/",
        "X-WC-Webhook-Topic": "order.updated",
        "X-WC-Webhook-Resource": "order",
        "X-WC-Webhook-Event": "updated",
        "X-WC-Webhook-ID": "3",
        "X-WC-Webhook-Delivery-ID": "d1",
        "X-WC-Webhook-Signature": _b64_hmac(secret, WOO_BODY),
    }


def _bigcommerce_hook(order_id: int, webhook_id: str) -> BigCommerceWebhook:
    return BigCommerceWebhook.build(
        scope="store/order/created",
        store_id="1001",
        store_hash=STORE_HASH,
        data={"type": "order", "id": order_id},
        at=int(time.time()),
        webhook_id=webhook_id,
    )


def _post_everything(service: Service) -> list[tuple[str, int]]:
    """Accepted and refused deliveries of every kind; the answers, by what was posted."""
    client = service.client
    signed_bc = _bigcommerce_hook(101, "wh-signed")
    shared_bc = _bigcommerce_hook(102, "wh-shared")
    refused_bc = _bigcommerce_hook(103, "wh-wrong")
    posts = [
        ("shopify", client.post("/webhooks/shopify", content=ORDER_BODY, headers=_shopify("wh-1"))),
        # A helpdesk's shared secret sent to a platform endpoint by mistake.
        (
            "shopify + helpdesk secret",
            client.post(
                "/webhooks/shopify",
                content=ORDER_BODY,
                headers=_shopify("wh-2", **{"X-Orderline-Webhook-Secret": GORGIAS_SECRET}),
            ),
        ),
        (
            "shopify, bad signature",
            client.post("/webhooks/shopify", content=ORDER_BODY, headers=_shopify("wh-3", "x")),
        ),
        (
            "shopify, bad body",
            client.post("/webhooks/shopify", content=b"{", headers=_shopify("wh-4", body=b"{")),
        ),
        ("woocommerce", client.post("/webhooks/woocommerce/woo1", content=WOO_BODY, headers=_woo())),
        (
            "woocommerce, bad signature",
            client.post("/webhooks/woocommerce/woo1", content=WOO_BODY, headers=_woo("x")),
        ),
        (
            "bigcommerce, standard webhooks",
            client.post(
                "/webhooks/bigcommerce", content=signed_bc.body, headers=signed_bc.headers(BC_SECRET)
            ),
        ),
        (
            "bigcommerce, shared secret",
            client.post(
                "/webhooks/bigcommerce", content=shared_bc.body, headers=shared_bc.custom_header(BC_SECRET)
            ),
        ),
        (
            "bigcommerce, wrong shared secret",
            client.post(
                "/webhooks/bigcommerce",
                content=refused_bc.body,
                headers=refused_bc.custom_header(BC_SECRET + "x"),
            ),
        ),
        (
            "gorgias",
            client.post(
                "/webhooks/helpdesk/gorgias",
                content=GORGIAS_TICKET,
                headers={"X-Orderline-Webhook-Secret": GORGIAS_SECRET},
            ),
        ),
        (
            "gorgias, unreadable",
            client.post(
                "/webhooks/helpdesk/gorgias",
                content=b"{",
                headers={"X-Orderline-Webhook-Secret": GORGIAS_SECRET},
            ),
        ),
        (
            "gorgias, wrong secret",
            client.post(
                "/webhooks/helpdesk/gorgias",
                content=GORGIAS_TICKET,
                headers={"X-Orderline-Webhook-Secret": GORGIAS_SECRET[:-1]},
            ),
        ),
    ]
    return [(what, response.status_code) for what, response in posts]


def test_no_inbox_row_or_dead_letter_holds_a_secret_or_a_signature(service: Service) -> None:
    answers = _post_everything(service)

    assert answers == [
        ("shopify", 200),
        ("shopify + helpdesk secret", 200),
        ("shopify, bad signature", 401),
        ("shopify, bad body", 400),
        ("woocommerce", 200),
        ("woocommerce, bad signature", 401),
        ("bigcommerce, standard webhooks", 200),
        ("bigcommerce, shared secret", 200),
        ("bigcommerce, wrong shared secret", 401),
        ("gorgias", 200),
        ("gorgias, unreadable", 400),
        ("gorgias, wrong secret", 401),
    ]
    with service.engine.connect() as connection:
        stored = [
            *connection.execute(select(inbox.c.headers, inbox.c.body)).all(),
            *connection.execute(select(dead_letters.c.headers, dead_letters.c.body)).all(),
        ]
    assert len(stored) == 11  # 5 accepted platform deliveries, 6 refused (the ticket is not a delivery)
    for headers, body in stored:
        texts = [*headers.values(), body.decode("utf-8", "replace")]
        for secret in SECRETS:
            assert not any(secret in text for text in texts), (secret, headers)
        for name, value in headers.items():
            if any(word in name for word in ("signature", "hmac", "secret")) and not name.endswith(
                "-timestamp"
            ):
                assert value in (VERIFIED, NOT_VERIFIED), (name, value)


def test_the_marker_keeps_the_header_name_and_whether_it_verified(service: Service) -> None:
    _post_everything(service)

    with service.engine.connect() as connection:
        accepted = [h for (h,) in connection.execute(select(inbox.c.headers))]
        refused = {
            (platform, code): h
            for platform, code, h in connection.execute(
                select(dead_letters.c.platform, dead_letters.c.status_code, dead_letters.c.headers)
            )
        }

    signatures = [h.get("x-shopify-hmac-sha256") or h.get("x-wc-webhook-signature") for h in accepted]
    signatures = [
        s or h.get("webhook-signature") or h.get("x-orderline-webhook-secret")
        for s, h in zip(signatures, accepted, strict=True)
    ]
    assert signatures == [VERIFIED] * 5
    assert any(
        h.get("x-orderline-webhook-secret") == VERIFIED and "x-shopify-hmac-sha256" in h for h in accepted
    )
    assert all("webhook-id" in h for h in accepted if "webhook-signature" in h)  # the rest is kept
    assert refused[("shopify", 401)]["x-shopify-hmac-sha256"] == NOT_VERIFIED
    assert refused[("shopify", 400)]["x-shopify-hmac-sha256"] == VERIFIED
    assert refused[("woocommerce", 401)]["x-wc-webhook-signature"] == NOT_VERIFIED
    assert refused[("bigcommerce", 401)]["x-orderline-webhook-secret"] == NOT_VERIFIED
    assert refused[("helpdesk:gorgias", 400)]["x-orderline-webhook-secret"] == VERIFIED
    assert refused[("helpdesk:gorgias", 401)]["x-orderline-webhook-secret"] == NOT_VERIFIED
