"""The deterministic Shopify traffic generator and its delivery faults."""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone

import pytest

from orderline.connectors.base import Delivery, MappedDelivery
from orderline.connectors.shopify import ShopifyConnector
from orderline.domain.facts import fact_key
from orderline.simulation.shopify import ShopifyWebhook, delivery_faults, generate_order_history

START = datetime(2025, 3, 3, 9, 15, tzinfo=timezone(timedelta(hours=-5)))
SEEDS = range(250)
KB = 1024

connector = ShopifyConnector()


class NoResolver:
    def order_for_fulfillment_order(self, store_id: str, fulfillment_order_id: str) -> str | None:
        raise AssertionError("generated hold payloads carry their order id")


def history(seed: int) -> list[ShopifyWebhook]:
    return generate_order_history(
        random.Random(seed), order_id=5_100_000_000 + seed, start=START + timedelta(hours=seed)
    )


def mapped(webhook: ShopifyWebhook) -> MappedDelivery:
    delivery = Delivery(
        "store-1", webhook.topic, json.loads(webhook.body), webhook.triggered_at, webhook.triggered_at
    )
    return connector.map_delivery(delivery, NoResolver())


HISTORIES = {seed: history(seed) for seed in SEEDS}


def test_same_seed_gives_the_same_history() -> None:
    assert history(7) == history(7)


def test_different_seeds_give_different_histories() -> None:
    assert len({tuple(w.body for w in h) for h in HISTORIES.values()}) == len(SEEDS)


def test_history_opens_with_orders_create_at_start() -> None:
    first = HISTORIES[3][0]

    assert first.topic == "orders/create"
    assert first.triggered_at == START + timedelta(hours=3)
    assert json.loads(first.body)["created_at"] == (START + timedelta(hours=3)).isoformat()


@pytest.mark.parametrize("seed", SEEDS)
def test_every_webhook_maps_to_facts_of_its_order(seed: int) -> None:
    for webhook in HISTORIES[seed]:
        result = mapped(webhook)

        assert result.ignored is None, webhook.topic
        assert result.order_id == str(5_100_000_000 + seed), webhook.topic
        assert result.facts, webhook.topic


def test_trigger_times_and_order_update_times_strictly_increase() -> None:
    for webhooks in HISTORIES.values():
        triggered = [w.triggered_at for w in webhooks]
        updates = [
            datetime.fromisoformat(json.loads(w.body)["updated_at"])
            for w in webhooks
            if w.topic == "orders/updated"
        ]

        assert triggered == sorted(set(triggered))
        assert updates == sorted(set(updates))


def test_webhooks_of_one_action_share_event_id_and_order_body() -> None:
    for webhooks in HISTORIES.values():
        for paid in (w for w in webhooks if w.topic == "orders/paid"):
            same_action = [w for w in webhooks if w.event_id == paid.event_id]

            assert {w.body for w in same_action if w.topic.startswith("orders/")} == {paid.body}
            assert len({w.webhook_id for w in same_action}) == len(same_action)


def test_order_bodies_are_3_to_5_kb_at_creation_and_grow_with_shipments() -> None:
    created = [len(h[0].body) for h in HISTORIES.values()]
    later = [len(w.body) for h in HISTORIES.values() for w in h if w.topic.startswith("orders/")]

    assert min(created) >= 3 * KB and max(created) <= 5 * KB
    assert min(later) >= 3 * KB and max(later) <= 9 * KB


def test_cancellation_happens_only_before_anything_ships() -> None:
    for webhooks in HISTORIES.values():
        topics = [w.topic for w in webhooks]
        if "orders/cancelled" in topics:
            assert "fulfillments/create" not in topics


def test_histories_cover_the_lifecycle_variety() -> None:
    seen: Counter[str] = Counter()
    for webhooks in HISTORIES.values():
        topics = Counter(w.topic for w in webhooks)
        seen["created " + json.loads(webhooks[0].body)["financial_status"]] += 1
        seen["split shipment"] += topics["fulfillments/create"] >= 2
        seen["cancelled"] += topics["orders/cancelled"] > 0
        for w in webhooks:
            body = json.loads(w.body)
            if w.topic == "fulfillment_orders/placed_on_hold":
                seen["two holds on one FO"] += len(body["fulfillment_order"]["fulfillment_holds"]) == 2
            if w.topic == "fulfillments/update":
                seen[f"shipment {body['status']} {body['shipment_status']}"] += 1
            if w.topic == "refunds/create":
                seen[f"refund restock={body['restock']}"] += 1

    for scenario in (
        "created paid", "created pending", "created authorized", "split shipment", "cancelled",
        "two holds on one FO", "shipment success in_transit", "shipment success delivered",
        "shipment success attempted_delivery", "shipment success failure", "shipment cancelled None",
        "refund restock=True", "refund restock=False",
    ):  # fmt: skip
        assert seen[scenario] > 0, scenario


def test_headers_are_the_shopify_set_and_verify() -> None:
    webhook = HISTORIES[1][0]

    headers = webhook.headers("shpss_secret", "demo-shop.myshopify.com")
    lowered = {name.lower(): value for name, value in headers.items()}

    assert set(headers) == {
        "Content-Type", "X-Shopify-Topic", "X-Shopify-Hmac-Sha256", "X-Shopify-Shop-Domain",
        "X-Shopify-API-Version", "X-Shopify-Webhook-Id", "X-Shopify-Event-Id", "X-Shopify-Triggered-At",
    }  # fmt: skip
    assert headers["X-Shopify-API-Version"] == "2025-01"
    assert connector.verify(lowered, webhook.body, ["shpss_secret"]) is True
    assert connector.verify(lowered, webhook.body, ["other-secret"]) is False
    assert connector.store_identity(lowered, None) == "demo-shop.myshopify.com"
    meta = connector.delivery_meta(lowered, webhook.body)
    assert (meta.topic, meta.dedupe_key, meta.event_id) == (
        webhook.topic,
        webhook.webhook_id,
        webhook.event_id,
    )
    assert meta.triggered_at == webhook.triggered_at.astimezone(UTC)


def test_delivery_faults_are_deterministic() -> None:
    assert delivery_faults(random.Random(1), HISTORIES[5]) == delivery_faults(random.Random(1), HISTORIES[5])


def test_delivery_faults_never_drop_a_webhook() -> None:
    for seed, webhooks in HISTORIES.items():
        delivered = Counter(delivery_faults(random.Random(seed), webhooks))

        assert not Counter(webhooks) - delivered


def test_delivery_faults_duplicate_retry_stale_updates_late_and_reorder() -> None:
    duplicated = stale = reordered = 0
    for seed, webhooks in HISTORIES.items():
        delivered = delivery_faults(random.Random(seed), webhooks)
        duplicated += len(delivered) > len(set(delivered))
        reordered += list(dict.fromkeys(delivered)) != webhooks
        updates = [w for w in webhooks if w.topic == "orders/updated"]
        if len(updates) >= 2:
            last_delivered = [w for w in delivered if w.topic == "orders/updated"][-1]
            stale += last_delivered.triggered_at < updates[-1].triggered_at

    assert duplicated > 0 and stale > 0 and reordered > 0


def test_faulty_delivery_teaches_exactly_the_same_facts() -> None:
    for seed in range(40):
        webhooks = HISTORIES[seed]
        expected = {fact_key(f) for w in webhooks for f in mapped(w).facts}

        learned = {
            fact_key(f) for w in delivery_faults(random.Random(seed), webhooks) for f in mapped(w).facts
        }

        assert learned == expected
