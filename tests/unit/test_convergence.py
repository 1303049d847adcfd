"""Convergence (README, Key choices): the same Shopify deliveries in any order, with duplicates and
stale retries, give the same order as in-order delivery."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orderline.connectors.base import Delivery
from orderline.connectors.shopify import ShopifyConnector
from orderline.domain.facts import Fact
from orderline.domain.fold import fold
from orderline.domain.order import order_to_dict
from orderline.simulation.shopify import ShopifyWebhook, delivery_faults, generate_order_history

CONNECTOR = ShopifyConnector()
START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


class NoResolver:
    def order_for_fulfillment_order(self, store_id: str, fulfillment_order_id: str) -> str | None:
        return None


def _facts(webhooks: list[ShopifyWebhook]) -> list[Fact]:
    """What processing learns, delivery by delivery, in arrival order."""
    facts: list[Fact] = []
    for webhook in webhooks:
        delivery = Delivery(
            store_id="s1",
            topic=webhook.topic,
            payload=orjson.loads(webhook.body),
            received_at=webhook.triggered_at + timedelta(seconds=5),
            triggered_at=webhook.triggered_at,
        )
        facts.extend(CONNECTOR.map_delivery(delivery, NoResolver()).facts)
    return facts


def _state(order_id: int, webhooks: list[ShopifyWebhook]) -> dict[str, Any]:
    order = fold("s1", str(order_id), _facts(webhooks))
    assert order is not None
    return order_to_dict(order)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), delivery_seed=st.integers(0, 2**32 - 1))
def test_any_delivery_order_with_duplicates_and_stale_retries_converges(
    seed: int, delivery_seed: int
) -> None:
    history = generate_order_history(random.Random(seed), order_id=1000 + seed % 997, start=START)
    in_order = _state(1000 + seed % 997, history)

    delivered = delivery_faults(random.Random(delivery_seed), history)
    random.Random(delivery_seed).shuffle(delivered)

    assert len(delivered) >= len(history)
    assert _state(1000 + seed % 997, delivered) == in_order


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_a_stale_order_snapshot_arriving_last_does_not_roll_the_order_back(seed: int) -> None:
    history = generate_order_history(random.Random(seed), order_id=77, start=START)
    updates = [w for w in history if w.topic == "orders/updated"]
    in_order = _state(77, history)

    late = [*history, *updates[:1]]  # the oldest full snapshot, retried after everything else

    assert _state(77, late) == in_order
