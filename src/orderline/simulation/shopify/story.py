"""The clock and the outbox of one simulated order: actions become webhooks.

A merchant action (a capture, a shipment, a refund) happens at one moment and
produces one or more webhooks sharing an X-Shopify-Event-Id: the specific topic
first, then orders/updated with the order as it now is. Every webhook of a history
is triggered strictly later than the one before.
"""

from __future__ import annotations

import json
import random
import uuid
from datetime import datetime, timedelta
from decimal import Decimal

from orderline.simulation.shopify.bodies import Json, order_body, refund_body
from orderline.simulation.shopify.state import IdSource, SimLine, SimOrder, SimRefund
from orderline.simulation.shopify.webhook import ShopifyWebhook

MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR


class Story:
    def __init__(self, rng: random.Random, order: SimOrder, ids: IdSource) -> None:
        self.rng = rng
        self.order = order
        self.ids = ids
        self.webhooks: list[ShopifyWebhook] = []
        self._last = order.created_at - timedelta(seconds=1)

    @property
    def now(self) -> datetime:
        return self._last

    def later(self, low_s: int, high_s: int) -> datetime:
        """A moment a random whole number of seconds after the last action."""
        return self._last + timedelta(seconds=self.rng.randint(low_s, high_s))

    def emit(self, at: datetime, deliveries: list[tuple[str, Json]]) -> datetime:
        """Deliver the webhooks of one action; returns when it actually happened."""
        at = max(at, self._last + timedelta(seconds=1))
        event_id = self._uuid()
        for i, (topic, body) in enumerate(deliveries):
            triggered_at = at + timedelta(milliseconds=i)
            self.webhooks.append(ShopifyWebhook(topic, _encode(body), self._uuid(), event_id, triggered_at))
        self._last = at
        return at

    def change_order(
        self, at: datetime, topics: tuple[str, ...] = (), before: list[tuple[str, Json]] | None = None
    ) -> None:
        """An order-level change at `at` (or just after the last action): the `before`
        webhooks, then each of `topics` and orders/updated, carrying the order as it now is."""
        at = max(at, self._last + timedelta(seconds=1))
        self.order.updated_at = at
        body = order_body(self.order)
        self.emit(at, [*(before or []), *((topic, body) for topic in topics), ("orders/updated", body)])

    def refund(
        self, at: datetime, lines: list[tuple[SimLine, int, str]], amount: Decimal, note: str | None
    ) -> SimRefund:
        """Record a refund at `at`; the caller emits it (alone or with a cancellation)."""
        at = max(at, self._last + timedelta(seconds=1))
        refund = SimRefund(
            refund_id=self.ids.next(),
            transaction_id=self.ids.next(),
            created_at=at,
            amount=amount,
            lines=[(line, quantity, restock_type, self.ids.next()) for line, quantity, restock_type in lines],
            note=note,
        )
        for line, quantity, _ in lines:
            line.refunded += quantity
        self.order.refunds.append(refund)
        fully = self.order.refunded_amount >= self.order.total_price
        self.order.financial_status = "refunded" if fully else "partially_refunded"
        return refund

    def emit_refund(self, refund: SimRefund) -> None:
        self.change_order(refund.created_at, before=[("refunds/create", refund_body(self.order, refund))])

    def _uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))


def _encode(body: Json) -> bytes:
    # Shopify sends compact JSON.
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
