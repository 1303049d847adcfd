"""BigCommerce thin bodies: store identity and what intake records (topic, dedupe key, time)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from orderline.connectors.base import PayloadError
from orderline.connectors.bigcommerce import BigCommerceConnector

FIXTURES = Path(__file__).parents[1] / "fixtures" / "platforms" / "bigcommerce"
STATUS_UPDATED = (FIXTURES / "store_order_statusUpdated.webhook.sample.json").read_bytes()

connector = BigCommerceConnector({})


def body(scope: str, data: dict[str, Any], created_at: int = 1561479335, digest: str = "7ee67cd1") -> bytes:
    payload = {
        "scope": scope,
        "store_id": "1025646",
        "data": data,
        "hash": digest,
        "created_at": created_at,
        "producer": "stores/abc123",
    }
    return json.dumps(payload).encode()


def test_store_identity_is_the_hash_in_producer() -> None:
    payload = json.loads(body("store/order/updated", {"type": "order", "id": 1}))

    assert connector.store_identity({}, payload) == "abc123"


@pytest.mark.parametrize("payload", [None, [], {}, {"producer": 5}, {"producer": "stores/{store_hash}"}])
def test_store_identity_is_none_without_a_usable_producer(payload: Any) -> None:
    # The docs' sample keeps the "{store_hash}" placeholder: not an identity.
    assert connector.store_identity({}, payload) is None


def test_fixture_delivery_meta_reads_scope_hash_and_created_at() -> None:
    meta = connector.delivery_meta({"webhook-id": "msg_test_0001"}, STATUS_UPDATED)

    assert meta.topic == "store/order/statusUpdated"
    assert meta.dedupe_key == "msg_test_0001"
    assert meta.event_id == "7ee67cd1cf2ca60bc1aa9e5fe957d2de373be4ca"
    assert meta.triggered_at == datetime(2019, 6, 25, 16, 15, 35, tzinfo=UTC)


def test_without_webhook_id_the_same_body_gets_the_same_key() -> None:
    first = connector.delivery_meta({}, STATUS_UPDATED)
    again = connector.delivery_meta({}, STATUS_UPDATED)

    assert first.dedupe_key == again.dedupe_key
    assert first.dedupe_key.startswith("sha256:")


def test_two_updates_of_one_order_sharing_a_hash_get_different_keys() -> None:
    # `hash` covers only the ids in `data`; two distinct updates of order 250 can share it.
    first = body("store/order/updated", {"type": "order", "id": 250}, created_at=1561479335)
    second = body("store/order/updated", {"type": "order", "id": 250}, created_at=1561479400)

    assert connector.delivery_meta({}, first).dedupe_key != connector.delivery_meta({}, second).dedupe_key


def test_created_and_updated_with_one_hash_and_time_get_different_keys() -> None:
    created = body("store/order/created", {"type": "order", "id": 250})
    updated = body("store/order/updated", {"type": "order", "id": 250})

    assert connector.delivery_meta({}, created).dedupe_key != connector.delivery_meta({}, updated).dedupe_key


def test_channel_scoped_topic_is_kept_as_sent() -> None:
    meta = connector.delivery_meta({}, body("store/channel/2/order/updated", {"type": "order", "id": 1}))

    assert meta.topic == "store/channel/2/order/updated"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"not json", "body is not valid JSON"),
        (b"[1, 2]", "webhook body: expected a JSON object, got list"),
        (b'{"data": {}, "created_at": 1}', "webhook body: scope is missing"),
        (
            b'{"scope": "store/order/updated", "created_at": 1}',
            "store/order/updated body: data: expected a JSON object",
        ),
        (
            b'{"scope": "store/order/updated", "data": {}}',
            "store/order/updated body: created_at: expected a Unix",
        ),
    ],
)
def test_unreadable_bodies_raise_payload_error(raw: bytes, message: str) -> None:
    with pytest.raises(PayloadError, match=message.replace("(", r"\(")):
        connector.delivery_meta({}, raw)


@pytest.mark.parametrize(
    ("scope", "data"),
    [
        ("store/order/statusUpdated", {"type": "order", "id": "²"}),
        ("store/order/updated", {"type": "order", "id": "9" * 400}),
        ("store/order/message/created", {"type": "order", "order_id": -1}),
        ("store/channel/1/order/created", {"type": "order", "id": None}),
        ("store/shipment/created", {"type": "shipment", "id": 3, "orderId": "12²"}),
    ],
)
def test_a_body_naming_an_impossible_order_id_is_refused_at_intake(scope: str, data: dict[str, Any]) -> None:
    with pytest.raises(PayloadError, match=r"numeric id|missing|must be"):
        connector.delivery_meta({}, body(scope, data))


def test_a_scope_about_no_order_needs_no_order_id() -> None:
    meta = connector.delivery_meta({}, body("store/app/uninstalled", {"type": "app"}))

    assert meta.topic == "store/app/uninstalled"
