"""Shopify delivery headers: store identity and delivery metadata."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest

from orderline.connectors.base import DeliveryMeta, PayloadError
from orderline.connectors.shopify import ShopifyConnector

connector = ShopifyConnector()
BODY = b'{"id":1}'
HEADERS = {
    "x-shopify-topic": "orders/updated",
    "x-shopify-shop-domain": "Demo-Shop.myshopify.com",
    "x-shopify-webhook-id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
    "x-shopify-event-id": "98880550-7158-44d4-b7cd-2c97c8a091b5",
    "x-shopify-triggered-at": "2025-03-01T14:00:27.877041743Z",
}


def test_store_identity_is_the_shop_domain() -> None:
    assert connector.store_identity(HEADERS, {"id": 1}) == "demo-shop.myshopify.com"


def test_store_identity_is_none_without_the_header() -> None:
    assert connector.store_identity({}, {"id": 1}) is None


def test_delivery_meta_reads_every_header() -> None:
    meta = connector.delivery_meta(HEADERS, BODY)

    assert meta == DeliveryMeta(
        topic="orders/updated",
        dedupe_key="b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
        event_id="98880550-7158-44d4-b7cd-2c97c8a091b5",
        triggered_at=datetime(2025, 3, 1, 14, 0, 27, 877041, tzinfo=UTC),
    )


def test_delivery_meta_reads_unprefixed_headers() -> None:
    headers = {name.removeprefix("x-"): value for name, value in HEADERS.items()}

    assert connector.delivery_meta(headers, BODY) == connector.delivery_meta(HEADERS, BODY)
    assert connector.store_identity(headers, None) == "demo-shop.myshopify.com"


def test_dedupe_key_falls_back_to_digest_of_topic_and_body() -> None:
    headers = {"x-shopify-topic": "orders/updated"}
    expected = "sha256:" + hashlib.sha256(b"orders/updated\n" + BODY).hexdigest()

    meta = connector.delivery_meta(headers, BODY)

    assert meta == DeliveryMeta(topic="orders/updated", dedupe_key=expected)
    assert connector.delivery_meta({"x-shopify-topic": "orders/paid"}, BODY).dedupe_key != expected


def test_triggered_at_with_offset_and_without_zone() -> None:
    with_offset = {**HEADERS, "x-shopify-triggered-at": "2025-03-01T09:00:00-05:00"}
    naive = {**HEADERS, "x-shopify-triggered-at": "2025-03-01T14:00:00"}

    assert connector.delivery_meta(with_offset, BODY).triggered_at == datetime(2025, 3, 1, 14, tzinfo=UTC)
    assert connector.delivery_meta(naive, BODY).triggered_at == datetime(2025, 3, 1, 14, tzinfo=UTC)


def test_unreadable_triggered_at_reads_as_absent() -> None:
    headers = {**HEADERS, "x-shopify-triggered-at": "yesterday"}

    assert connector.delivery_meta(headers, BODY).triggered_at is None


def test_delivery_meta_without_topic_is_a_payload_error() -> None:
    headers = {k: v for k, v in HEADERS.items() if k != "x-shopify-topic"}

    with pytest.raises(PayloadError, match="missing X-Shopify-Topic header"):
        connector.delivery_meta(headers, BODY)
