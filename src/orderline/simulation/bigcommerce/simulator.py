"""BigCommerceSimulator: merchant and shopper actions on a FakeBigCommerce, and the webhooks.

Each action changes the fake store's state at one moment (strictly later than the one
before) and returns the thin, signed-on-demand webhooks BigCommerce sends for it: the
specific scope first (`store/shipment/created`, `store/order/refund/created`), then
`store/order/statusUpdated` when the status moved, then `store/order/updated`. With
`duplicate_chance`, a webhook is sent twice (same `webhook-id`), as BigCommerce may.

`order_history` (story.py) strings actions into one order's realistic life.
"""

from __future__ import annotations

import random
import string
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from orderline.simulation.bigcommerce import catalog
from orderline.simulation.bigcommerce.api import FakeBigCommerce
from orderline.simulation.bigcommerce.state import Buyer, FakeOrder, FakeProductRow, FakeRefund, FakeShipment
from orderline.simulation.bigcommerce.story import order_history
from orderline.simulation.bigcommerce.webhook import BigCommerceWebhook

Data = dict[str, Any]
_BASE62 = string.ascii_letters + string.digits


class _PastUntil(Exception):
    """The simulated order's next action would happen after the simulator's `until`."""


class BigCommerceSimulator:
    def __init__(
        self,
        rng: random.Random,
        store_hash: str,
        *,
        api: FakeBigCommerce | None = None,
        start: datetime,
        store_id: str = "1025646",
        duplicate_chance: float = 0.1,
        until: datetime | None = None,
    ) -> None:
        self.rng = rng
        self.api = api or FakeBigCommerce(store_hash, rng=random.Random(rng.getrandbits(32)))
        self.store_hash, self.store_id = store_hash, store_id
        aware = start if start.tzinfo is not None else start.replace(tzinfo=UTC)
        self.now = aware.astimezone(UTC).replace(microsecond=0)
        self.duplicate_chance = duplicate_chance
        self.until = until
        """No action happens after this moment: `order_history` ends before the first one
        that would (and before it changes the fake API)."""

    def order(self, order_id: int) -> FakeOrder:
        order: FakeOrder = self.api.state.orders[order_id]
        return order

    def order_history(self) -> Iterator[list[BigCommerceWebhook]]:
        """A new order's life, one action at a time (the state changes as you iterate),
        cut before the first action after `until`."""
        try:
            yield from order_history(self)
        except _PastUntil:
            return

    # --- actions ---------------------------------------------------------------------

    def place_order(
        self, *, status_id: int = 11, payment_status: str = "captured", line_count: int | None = None
    ) -> tuple[int, list[BigCommerceWebhook]]:
        at = self._tick(60, 600)
        order_id = self.api.state.next_id("order")
        count = line_count or self.rng.choices((1, 2, 3), weights=(45, 35, 20))[0]
        rows = [self._row(order_id, product) for product in self.rng.sample(catalog.PRODUCTS, count)]
        order = FakeOrder(
            id=order_id,
            buyer=self._buyer(),
            date_created=at,
            date_modified=at,
            status_id=status_id,
            payment_status=payment_status,
            payment_method=self.rng.choice(catalog.PAYMENT_METHODS),
            shipping_cost=self.rng.choice(catalog.SHIPPING_COSTS),
            products=rows,
        )
        self.api.state.add_order(order)
        return order_id, self._emit(order_id, at, [("store/order/created", _order_data(order_id))])

    def set_status(
        self, order_id: int, status_id: int, payment_status: str | None = None
    ) -> list[BigCommerceWebhook]:
        at = self._tick(60, 6 * 3600)
        previous = self.api.state.set_status(order_id, status_id, payment_status, at)
        return self._emit(order_id, at, self._status_hooks(order_id, previous, status_id))

    def ship(self, order_id: int, items: Sequence[tuple[int, int]] | None = None) -> list[BigCommerceWebhook]:
        """One shipment of `items` ((product row id, quantity)); None ships everything left."""
        at = self._tick(3600, 2 * 24 * 3600)
        order = self.order(order_id)
        chosen = list(items) if items is not None else [(r.id, r.quantity_to_ship) for r in order.products]
        provider, name, prefix = self.rng.choice(catalog.CARRIERS)
        shipment = FakeShipment(
            id=self.api.state.next_id("shipment"),
            order_id=order_id,
            date_created=at,
            items=[(row_id, quantity) for row_id, quantity in chosen if quantity > 0],
            tracking_number=self._tracking_number(prefix),
            provider=provider,
            provider_name=name,
            order_address_id=self.api.state.next_id("address"),
        )
        previous = order.status_id
        self.api.state.add_shipment(order_id, shipment)
        created = ("store/shipment/created", {"type": "shipment", "id": shipment.id, "orderId": order_id})
        return self._emit(order_id, at, [created, *self._status_hooks(order_id, previous, order.status_id)])

    def correct_tracking(self, order_id: int, shipment_id: int) -> list[BigCommerceWebhook]:
        at = self._tick(300, 3 * 3600)
        prefix = self.rng.choice(catalog.CARRIERS)[2]
        self.api.state.update_tracking(order_id, shipment_id, self._tracking_number(prefix), at)
        updated = ("store/shipment/updated", {"type": "shipment", "id": shipment_id, "orderId": order_id})
        return self._emit(order_id, at, [updated])

    def refund(
        self, order_id: int, items: Sequence[tuple[int, int]], amount: Decimal | None = None, reason: str = ""
    ) -> list[BigCommerceWebhook]:
        """Refund `items` (their price unless `amount` says otherwise)."""
        at = self._tick(600, 24 * 3600)
        order = self.order(order_id)
        value = amount if amount is not None else sum((order.row(r).price * q for r, q in items), Decimal(0))
        refund = FakeRefund(self.api.state.next_id("refund"), order_id, at, value, list(items), reason)
        previous = order.status_id
        self.api.state.add_refund(order_id, refund)
        created = (
            "store/order/refund/created",
            {**_order_data(order_id), "refund": {"refund_id": refund.id}},
        )
        return self._emit(order_id, at, [created, *self._status_hooks(order_id, previous, order.status_id)])

    def refund_everything(self, order_id: int, reason: str) -> list[BigCommerceWebhook]:
        order = self.order(order_id)
        items = [(row.id, row.quantity - row.quantity_refunded) for row in order.products]
        left = order.total - order.refunded_amount
        return self.refund(order_id, [(r, q) for r, q in items if q > 0], left, reason)

    # --- plumbing --------------------------------------------------------------------

    def _tick(self, low_s: int, high_s: int) -> datetime:
        """The next action's moment; every action takes it before it changes anything, so
        one past `until` stops the history with the fake API as it was."""
        at = self.now + timedelta(seconds=self.rng.randint(low_s, high_s))
        if self.until is not None and at > self.until:
            raise _PastUntil
        self.now = at
        return self.now

    def _status_hooks(self, order_id: int, previous: int, current: int) -> list[tuple[str, Data]]:
        hooks: list[tuple[str, Data]] = []
        if previous != current:
            change = {"previous_status_id": previous, "new_status_id": current}
            hooks.append(("store/order/statusUpdated", {**_order_data(order_id), "status": change}))
        hooks.append(("store/order/updated", _order_data(order_id)))
        return hooks

    def _emit(self, order_id: int, at: datetime, hooks: list[tuple[str, Data]]) -> list[BigCommerceWebhook]:
        sent: list[BigCommerceWebhook] = []
        for scope, data in hooks:
            webhook = BigCommerceWebhook.build(
                scope=scope,
                store_id=self.store_id,
                store_hash=self.store_hash,
                data=data,
                at=int(at.timestamp()),
                webhook_id="msg_" + "".join(self.rng.choices(_BASE62, k=24)),
            )
            sent.append(webhook)
            if self.rng.random() < self.duplicate_chance:
                sent.append(webhook)
        return sent

    def _row(self, order_id: int, product: catalog.Product) -> FakeProductRow:
        quantity = self.rng.choices((1, 2, 3), weights=(60, 30, 10))[0]
        row_id = self.api.state.next_id("row")
        return FakeProductRow(
            row_id, order_id, product.product_id, product.name, product.sku, quantity, product.price
        )

    def _buyer(self) -> Buyer:
        first, last, street, city, state, zip_code, country = self.rng.choice(catalog.BUYERS)
        email = f"{first.lower()}.{last.lower()}@example.com"
        return Buyer(self.rng.randint(1, 500), first, last, email, street, city, state, zip_code, country)

    def _tracking_number(self, prefix: str) -> str:
        return prefix + "".join(self.rng.choices(string.digits, k=9)) + "US"


def _order_data(order_id: int) -> Data:
    return {"type": "order", "id": order_id}
