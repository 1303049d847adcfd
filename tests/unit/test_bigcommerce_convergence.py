"""Convergence (README, Key choices) for BigCommerce, whose webhooks are thin: each delivery is
mapped by fetching the order as it is when the delivery is processed.

Deliveries arrive in random order, with duplicates and redeliveries, and are processed
at random moments during the order's history (each read sees the fake store's state at
that moment), plus once more after the history ended. The folded order must equal the
one learned by processing every delivery only after the end.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orderline.connectors.base import Delivery, RetryLater
from orderline.connectors.bigcommerce import ApiSettings, BigCommerceClient, BigCommerceConnector
from orderline.domain.facts import Fact
from orderline.domain.fold import fold
from orderline.domain.order import order_to_dict
from orderline.simulation.bigcommerce import BigCommerceSimulator, BigCommerceWebhook, FakeBigCommerce

START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
COMPARED = ("status", "payment_status", "fulfillment_status", "holds", "lines", "shipments")
REDELIVERY_SHARE = 0.1


class NoResolver:
    def order_for_fulfillment_order(self, store_id: str, fulfillment_order_id: str) -> str | None:
        return None


class FakeTime:
    """One monotonic clock for the client's pacing and the fake's quota; sleeping moves it."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


RETRIES_LATER = 5


class Processor:
    """Maps deliveries the way processing does: one fetch of the current order per delivery."""

    def __init__(self, fake: FakeBigCommerce, time: FakeTime) -> None:
        settings = ApiSettings("abc123", fake.api_token)
        http = httpx.MockTransport(fake.handler)
        client = BigCommerceClient(settings, http=http, sleep=time.sleep, clock=time.clock)
        self._connector = BigCommerceConnector({"s1": client})
        self._time = time

    def process(self, webhook: BigCommerceWebhook) -> list[Fact]:
        received_at = datetime.fromtimestamp(webhook.timestamp, UTC)
        delivery = Delivery("s1", webhook.scope, json.loads(webhook.body), received_at=received_at)
        for _ in range(RETRIES_LATER):
            try:
                return list(self._connector.map_delivery(delivery, NoResolver()).facts)
            except RetryLater:
                # Throttled on every attempt: the delivery waits in the inbox and is
                # mapped again later, as processing does.
                self._time.sleep(60.0)
        raise AssertionError(f"still throttled after {RETRIES_LATER} waits")


def state(order_id: int, facts: list[Fact]) -> dict[str, Any] | None:
    order = fold("s1", str(order_id), facts)
    if order is None:
        return None
    full = order_to_dict(order)
    return {key: full[key] for key in COMPARED}


def learn_during_history(
    sim: BigCommerceSimulator, processor: Processor, schedule: random.Random
) -> tuple[list[BigCommerceWebhook], list[Fact]]:
    """Every delivery processed at a random moment at or after it was sent; some twice."""
    sent: list[BigCommerceWebhook] = []
    pending: list[BigCommerceWebhook] = []
    learned: list[Fact] = []
    for batch in sim.order_history():
        sent += batch
        pending += batch
        schedule.shuffle(pending)
        cut = schedule.randint(0, len(pending))
        due, pending = pending[:cut], pending[cut:]
        for webhook in due:
            learned += processor.process(webhook)
            if schedule.random() < REDELIVERY_SHARE:
                pending.append(webhook)
    schedule.shuffle(pending)
    for webhook in pending:
        learned += processor.process(webhook)
    learned += processor.process(schedule.choice(sent))  # a late redelivery after the end
    return sent, learned


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), schedule_seed=st.integers(0, 2**32 - 1))
def test_processing_thin_deliveries_at_any_time_converges_to_the_final_state(
    seed: int, schedule_seed: int
) -> None:
    time = FakeTime()
    fake = FakeBigCommerce("abc123", rng=random.Random(schedule_seed), throttle_chance=0.05, clock=time.clock)
    sim = BigCommerceSimulator(random.Random(seed), "abc123", api=fake, start=START, duplicate_chance=0.15)
    processor = Processor(fake, time)

    sent, learned = learn_during_history(sim, processor, random.Random(schedule_seed))
    after_the_end = [fact for webhook in sent for fact in processor.process(webhook)]

    order_id = sent[0].order_id
    assert state(order_id, after_the_end) is not None
    assert state(order_id, learned) == state(order_id, after_the_end)
