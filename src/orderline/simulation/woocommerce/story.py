"""The clock and the outbox of one simulated WooCommerce order: saves become webhooks.

Every save of the order changes `date_modified` (strictly later than the last one, in
whole seconds) and produces one webhook carrying the order as it now is: order.created
for the first save, order.updated for the rest.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from orderline.simulation.woocommerce.bodies import encode, order_body
from orderline.simulation.woocommerce.state import IdSource, SimOrder
from orderline.simulation.woocommerce.webhook import WooWebhook

MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR


class Story:
    def __init__(self, rng: random.Random, order: SimOrder, ids: IdSource, site_url: str) -> None:
        self.rng = rng
        self.order = order
        self.ids = ids
        self.site_url = site_url
        self.webhooks: list[WooWebhook] = []

    @property
    def now(self) -> datetime:
        return self.order.modified_at

    def tick(self, low_s: int, high_s: int) -> datetime:
        """Move the order's clock to its next save, a random whole number of seconds
        (at least one) after the last; mutate the order, then `emit()`."""
        self.order.modified_at = self.now + timedelta(seconds=self.rng.randint(max(1, low_s), max(1, high_s)))
        return self.order.modified_at

    def emit(self) -> None:
        """Deliver the order as it now is (order.created for the checkout save)."""
        topic = "order.updated" if self.webhooks else "order.created"
        body = encode(order_body(self.order, self.site_url))
        self.webhooks.append(WooWebhook(topic, body, self.order.modified_at))

    def set_status(self, status: str, low_s: int, high_s: int) -> datetime:
        at = self.tick(low_s, high_s)
        self.order.status = status
        self.emit()
        return at

    def chance(self, probability: float) -> bool:
        return self.rng.random() < probability
