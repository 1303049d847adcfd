"""Convergence on WooCommerce (README, Key choices): whatever subset of an order's states
WooCommerce delivers — coalesced, duplicated, shuffled, but always with the latest
state — the order folds to the same final state as the full history in order."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orderline.connectors.base import Delivery
from orderline.connectors.woocommerce import WooCommerceConnector
from orderline.domain.facts import Fact
from orderline.domain.fold import fold
from orderline.domain.order import order_to_dict
from orderline.simulation.woocommerce import WooWebhook, coalesce, generate_order_history

CONNECTOR = WooCommerceConnector({})
START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
SITE = "https://shop.example/"


class NoResolver:
    def order_for_fulfillment_order(self, store_id: str, fulfillment_order_id: str) -> str | None:
        raise AssertionError("WooCommerce bodies carry their own order")


def _facts(webhooks: list[WooWebhook]) -> list[Fact]:
    """What processing learns, delivery by delivery, in arrival order."""
    facts: list[Fact] = []
    for webhook in webhooks:
        delivery = Delivery(
            store_id="s1",
            topic=webhook.topic,
            payload=orjson.loads(webhook.body),
            received_at=webhook.triggered_at + timedelta(seconds=30),
        )
        facts.extend(CONNECTOR.map_delivery(delivery, NoResolver()).facts)
    return facts


def _final_state(order_id: int, webhooks: list[WooWebhook]) -> dict[str, Any]:
    """The final-state fields of the folded order.

    Not compared: the timeline, `updated_at`, refund and cancellation dates, and when a
    hold was placed. Those record *when Orderline learned* something, and a dropped state
    legitimately changes that: a hold first seen in a later snapshot is placed later, a
    refund is dated by the snapshot that first lists it. What the order *is* must not
    change."""
    order = fold("s1", str(order_id), _facts(webhooks))
    assert order is not None
    state = order_to_dict(order)
    holds = [(h["hold_group"], h["reason"], h["owner"], h["note"]) for h in state["holds"]]
    fields = ("status", "payment_status", "fulfillment_status", "lines", "shipments", "platform_status")
    return {"holds": holds, **{name: state[name] for name in fields}}


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), delivery_seed=st.integers(0, 2**32 - 1))
def test_any_coalesced_delivery_with_the_last_state_folds_like_the_full_history(
    seed: int, delivery_seed: int
) -> None:
    order_id = 1000 + seed % 9973
    history = generate_order_history(random.Random(seed), order_id=order_id, start=START, site_url=SITE)

    delivered = coalesce(random.Random(delivery_seed), history)

    assert history[-1] in delivered
    assert _final_state(order_id, delivered) == _final_state(order_id, history)


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_the_full_history_in_any_order_folds_to_the_same_order(seed: int) -> None:
    """With nothing dropped, everything converges, the timeline included."""
    order_id = 77
    history = generate_order_history(random.Random(seed), order_id=order_id, start=START, site_url=SITE)
    shuffled = [*history, *history[:2]]
    random.Random(seed).shuffle(shuffled)

    in_order = fold("s1", str(order_id), _facts(history))
    assert in_order is not None
    assert fold("s1", str(order_id), _facts(shuffled)) == in_order
    assert in_order.anomalies == ()
