"""The in-memory state of a fake BigCommerce store: orders, product rows, shipments, refunds.

Mutations behave the way the platform does where Orderline depends on it: every change
bumps the order's `date_modified`; creating a shipment moves the order to 3 Partially
Shipped or 2 Shipped on its own; a refund adds to `refunded_amount` and moves the order
to 14 Partially Refunded or 4 Refunded. All access goes through one lock, because the
fake HTTP server answers from another thread.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

SHIPPED = 2
PARTIALLY_SHIPPED = 3
REFUNDED = 4
PARTIALLY_REFUNDED = 14


@dataclass
class FakeProductRow:
    id: int
    order_id: int
    product_id: int
    name: str
    sku: str
    quantity: int
    price: Decimal
    quantity_shipped: int = 0
    quantity_refunded: int = 0

    @property
    def quantity_to_ship(self) -> int:
        return max(self.quantity - self.quantity_refunded - self.quantity_shipped, 0)


@dataclass
class FakeShipment:
    id: int
    order_id: int
    date_created: datetime
    items: list[tuple[int, int]]
    """(product row id, quantity)."""
    tracking_number: str
    provider: str
    provider_name: str
    order_address_id: int


@dataclass
class FakeRefund:
    id: int
    order_id: int
    created: datetime
    amount: Decimal
    items: list[tuple[int, int]]
    reason: str


@dataclass
class Buyer:
    customer_id: int
    first_name: str
    last_name: str
    email: str
    street: str
    city: str
    state: str
    zip: str
    country_iso2: str


@dataclass
class FakeOrder:
    id: int
    buyer: Buyer
    date_created: datetime
    date_modified: datetime
    status_id: int
    payment_status: str
    payment_method: str
    shipping_cost: Decimal
    products: list[FakeProductRow]
    shipments: list[FakeShipment] = field(default_factory=list)
    refunds: list[FakeRefund] = field(default_factory=list)
    currency: str = "USD"
    date_shipped: datetime | None = None
    staff_notes: str = ""

    @property
    def subtotal(self) -> Decimal:
        return sum((row.price * row.quantity for row in self.products), Decimal(0))

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.shipping_cost

    @property
    def refunded_amount(self) -> Decimal:
        return sum((refund.amount for refund in self.refunds), Decimal(0))

    @property
    def items_total(self) -> int:
        return sum(row.quantity for row in self.products)

    @property
    def items_shipped(self) -> int:
        return sum(row.quantity_shipped for row in self.products)

    def row(self, row_id: int) -> FakeProductRow:
        return next(row for row in self.products if row.id == row_id)


class FakeStoreState:
    def __init__(self, store_hash: str) -> None:
        self.store_hash = store_hash
        self.lock = threading.RLock()
        self.orders: dict[int, FakeOrder] = {}
        self._next_ids = {"order": 100, "row": 1000, "shipment": 1, "refund": 1, "address": 500}

    def next_id(self, kind: str) -> int:
        with self.lock:
            self._next_ids[kind] += 1
            return self._next_ids[kind]

    def add_order(self, order: FakeOrder) -> None:
        with self.lock:
            self.orders[order.id] = order

    def set_status(self, order_id: int, status_id: int, payment_status: str | None, at: datetime) -> int:
        """Change the status (and payment_status when given); returns the previous status id."""
        with self.lock:
            order = self.orders[order_id]
            previous, order.status_id = order.status_id, status_id
            if payment_status is not None:
                order.payment_status = payment_status
            order.date_modified = at
            return previous

    def add_shipment(self, order_id: int, shipment: FakeShipment) -> None:
        with self.lock:
            order = self.orders[order_id]
            for row_id, quantity in shipment.items:
                order.row(row_id).quantity_shipped += quantity
            order.shipments.append(shipment)
            is_complete = all(row.quantity_to_ship == 0 for row in order.products)
            order.status_id = SHIPPED if is_complete else PARTIALLY_SHIPPED
            order.date_shipped = shipment.date_created
            order.date_modified = shipment.date_created

    def update_tracking(self, order_id: int, shipment_id: int, tracking_number: str, at: datetime) -> None:
        with self.lock:
            order = self.orders[order_id]
            shipment = next(s for s in order.shipments if s.id == shipment_id)
            shipment.tracking_number = tracking_number
            order.date_modified = at

    def add_refund(self, order_id: int, refund: FakeRefund) -> None:
        with self.lock:
            order = self.orders[order_id]
            for row_id, quantity in refund.items:
                order.row(row_id).quantity_refunded += quantity
            order.refunds.append(refund)
            is_full = order.refunded_amount >= order.total
            order.status_id = REFUNDED if is_full else PARTIALLY_REFUNDED
            order.payment_status = "refunded" if is_full else "partially refunded"
            order.date_modified = refund.created

    def delete_order(self, order_id: int) -> None:
        with self.lock:
            self.orders.pop(order_id, None)

    def snapshot_orders(self) -> Sequence[FakeOrder]:
        with self.lock:
            return list(self.orders.values())
