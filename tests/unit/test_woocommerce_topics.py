"""WooCommerce delivery headers, delivery metadata and topic dispatch: store identity,
dedupe keys without an event id, the ping, trashed and draft orders, unknown topics."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from orderline.connectors.base import Connector, Delivery, MappedDelivery, PayloadError
from orderline.connectors.woocommerce import WooCommerceConnector, WooStoreSettings

FIXTURES = Path(__file__).parents[1] / "fixtures" / "platforms" / "woocommerce"
RECEIVED = datetime(2026, 3, 1, 12, tzinfo=UTC)

connector = WooCommerceConnector({})


class NoResolver:
    def order_for_fulfillment_order(self, store_id: str, fulfillment_order_id: str) -> str | None:
        raise AssertionError("WooCommerce bodies carry their own order")


def processing_bytes() -> bytes:
    return (FIXTURES / "order_processing.wc_v3.sample.json").read_bytes()


def headers(topic: str = "order.updated", delivery_id: str = "d1") -> dict[str, str]:
    return {
        "x-wc-webhook-source": "https://shop.example/",
        "x-wc-webhook-topic": topic,
        "x-wc-webhook-resource": "order",
        "x-wc-webhook-event": topic.partition(".")[2],
        "x-wc-webhook-signature": "c2ln",
        "x-wc-webhook-id": "17",
        "x-wc-webhook-delivery-id": delivery_id,
    }


def map_body(topic: str, payload: Any) -> MappedDelivery:
    return connector.map_delivery(Delivery("store-1", topic, payload, RECEIVED), NoResolver())


def test_platform_is_woocommerce() -> None:
    assert connector.platform == "woocommerce"


def test_store_identity_is_the_webhook_source_as_sent() -> None:
    assert connector.store_identity(headers(), None) == "https://shop.example/"


def test_store_identity_is_none_without_the_source_header() -> None:
    assert connector.store_identity({"user-agent": "WooCommerce/9.9.5 Hookshot"}, None) is None


def test_delivery_meta_reads_topic_and_modification_time() -> None:
    meta = connector.delivery_meta(headers(), processing_bytes())

    assert meta.topic == "order.updated"
    assert meta.event_id is None
    assert meta.triggered_at == datetime(2017, 3, 22, 19, 28, 8, tzinfo=UTC)
    assert meta.dedupe_key.startswith("sha256:")


def test_a_redelivery_with_a_fresh_delivery_id_dedupes() -> None:
    first = connector.delivery_meta(headers(delivery_id="a"), processing_bytes())
    second = connector.delivery_meta(headers(delivery_id="b"), processing_bytes())

    assert first.dedupe_key == second.dedupe_key


def test_a_later_state_of_the_same_order_is_a_new_delivery() -> None:
    body = json.loads(processing_bytes())
    later = json.dumps({**body, "date_modified_gmt": "2017-03-22T19:30:00"}).encode()

    assert (
        connector.delivery_meta(headers(), processing_bytes()).dedupe_key
        != connector.delivery_meta(headers(), later).dedupe_key
    )


def test_the_same_state_under_another_topic_is_a_new_delivery() -> None:
    created = connector.delivery_meta(headers("order.created"), processing_bytes())
    updated = connector.delivery_meta(headers("order.updated"), processing_bytes())

    assert created.dedupe_key != updated.dedupe_key


def test_dedupe_key_ignores_bytes_that_do_not_identify_the_state() -> None:
    """Same order, same date_modified_gmt: the same state however it was serialised."""
    body = json.loads(processing_bytes())
    compact = json.dumps(body, separators=(",", ":")).encode()

    assert (
        connector.delivery_meta(headers(), compact).dedupe_key
        == connector.delivery_meta(headers(), processing_bytes()).dedupe_key
    )


def test_a_body_without_an_order_id_falls_back_to_its_digest() -> None:
    meta = connector.delivery_meta(
        headers("action.woocommerce_order_status_changed"), b'{"action":"x","arg":5}'
    )

    assert meta.dedupe_key.startswith("sha256:")
    assert meta.triggered_at is None
    assert (
        connector.delivery_meta(headers("action.woocommerce_order_status_changed"), b'{"action":"x","arg":6}')
    ).dedupe_key != meta.dedupe_key


def test_a_malformed_modification_date_costs_only_the_ordering_hint() -> None:
    body = json.dumps({"id": 5, "date_modified_gmt": "yesterday"}).encode()

    assert connector.delivery_meta(headers(), body).triggered_at is None


def test_missing_topic_header_is_a_payload_error() -> None:
    without_topic = {k: v for k, v in headers().items() if k != "x-wc-webhook-topic"}

    with pytest.raises(PayloadError, match="missing X-WC-Webhook-Topic header"):
        connector.delivery_meta(without_topic, processing_bytes())


def test_the_ping_has_topic_ping_and_one_key_per_webhook() -> None:
    meta = connector.delivery_meta({"user-agent": "WooCommerce/9.9.5 Hookshot"}, b"webhook_id=42")

    assert meta.topic == "ping"
    assert meta.dedupe_key == "ping:42"
    assert meta.triggered_at is None


def test_the_ping_maps_to_nothing() -> None:
    assert map_body("ping", None) == MappedDelivery(order_id=None, ignored="woocommerce ping")


def test_order_deleted_is_a_trash_and_keeps_the_order_as_it_is() -> None:
    assert map_body("order.deleted", {"id": 727}) == MappedDelivery(
        order_id="727", ignored="order.deleted: trashed; kept as is"
    )


def test_order_restored_carries_the_whole_order() -> None:
    mapped = map_body("order.restored", json.loads(processing_bytes()))

    assert mapped.ignored is None
    assert mapped.order_id == "727"
    assert len(mapped.facts) == 3  # snapshot and the two hold groups' releases


@pytest.mark.parametrize("status", ["checkout-draft", "draft", "auto-draft", "wc-checkout-draft"])
def test_draft_orders_are_ignored(status: str) -> None:
    body = {**json.loads(processing_bytes()), "status": status}

    assert map_body("order.updated", body) == MappedDelivery(order_id="727", ignored="draft order")


def test_an_order_in_the_trash_is_kept_as_it_is() -> None:
    body = {**json.loads(processing_bytes()), "status": "trash"}

    assert map_body("order.updated", body).ignored == "order in trash; kept as is"
    assert map_body("order.updated", body).facts == ()


@pytest.mark.parametrize(
    "topic", ["product.updated", "customer.created", "action.woocommerce_order_status_changed"]
)
def test_other_topics_are_stored_but_ignored(topic: str) -> None:
    assert map_body(topic, {"id": 1}) == MappedDelivery(order_id=None, ignored=f"unknown topic {topic}")


def test_order_body_that_is_not_an_object_is_a_payload_error() -> None:
    with pytest.raises(PayloadError, match=r"order.updated body: expected a JSON object, got list"):
        map_body("order.updated", [1, 2])


def test_order_deleted_without_an_id_is_a_payload_error() -> None:
    with pytest.raises(PayloadError, match=r"order\.deleted body: id is missing"):
        map_body("order.deleted", {})


def test_the_connector_satisfies_the_connector_protocol() -> None:
    implementation: Connector = WooCommerceConnector({"store-1": WooStoreSettings()})

    assert implementation.platform == "woocommerce"
