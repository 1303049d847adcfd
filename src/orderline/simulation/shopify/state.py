"""The simulated order as Shopify keeps it: lines, fulfillments, refunds, statuses.

The story (history.py) changes this state one merchant action at a time; the body
builders (bodies.py) render it as Shopify's REST JSON at that moment.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal

from orderline.simulation.shopify.catalog import Destination, Product

CENT = Decimal("0.01")


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def money_text(amount: Decimal) -> str:
    return str(cents(amount))


@dataclass(frozen=True, slots=True)
class Buyer:
    customer_id: int
    first_name: str
    last_name: str
    email: str
    phone: str
    street: str
    destination: Destination
    address_id: int


@dataclass(slots=True)
class SimLine:
    line_id: int
    fo_line_id: int
    product: Product
    variant: tuple[int, str, str, str]
    quantity: int
    refunded: int = 0
    shipped: int = 0
    """Units in active (not cancelled) fulfillments."""

    @property
    def price(self) -> Decimal:
        return Decimal(self.variant[3])

    @property
    def unshipped(self) -> int:
        return max(0, self.quantity - self.refunded - self.shipped)


@dataclass(slots=True)
class SimFulfillment:
    fulfillment_id: int
    sequence: int
    lines: list[tuple[SimLine, int]]
    created_at: datetime
    updated_at: datetime
    carrier: str
    tracking_number: str
    tracking_url: str
    status: str = "success"
    shipment_status: str | None = None


@dataclass(slots=True)
class SimRefund:
    refund_id: int
    transaction_id: int
    created_at: datetime
    amount: Decimal
    lines: list[tuple[SimLine, int, str, int]]
    """(line, quantity, restock_type, refund_line_item_id)."""
    note: str | None


@dataclass(slots=True)
class SimOrder:
    order_id: int
    number: int
    token: str
    created_at: datetime
    tz: tzinfo
    buyer: Buyer
    lines: list[SimLine]
    shipping: tuple[str, Decimal]
    gateway: str
    tags: tuple[str, ...]
    financial_status: str
    fulfillment_order_id: int
    updated_at: datetime = field(init=False)
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None
    fulfillments: list[SimFulfillment] = field(default_factory=list)
    refunds: list[SimRefund] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.updated_at = self.created_at

    @property
    def name(self) -> str:
        return f"#{self.number}"

    @property
    def subtotal(self) -> Decimal:
        return sum((line.price * line.quantity for line in self.lines), Decimal("0"))

    @property
    def total_tax(self) -> Decimal:
        return cents(self.subtotal * self.buyer.destination.tax_rate)

    @property
    def total_price(self) -> Decimal:
        return self.subtotal + self.shipping[1] + self.total_tax

    @property
    def refunded_amount(self) -> Decimal:
        return sum((refund.amount for refund in self.refunds), Decimal("0"))

    @property
    def fulfillment_status(self) -> str | None:
        shipped = sum(line.shipped for line in self.lines)
        if shipped == 0:
            return None
        return "fulfilled" if all(line.unshipped == 0 for line in self.lines) else "partial"

    def line_refund_amount(self, line: SimLine, quantity: int) -> Decimal:
        """What a refund of `quantity` units of `line` pays back, tax included."""
        return cents(line.price * quantity * (1 + self.buyer.destination.tax_rate))

    def local(self, at: datetime) -> str:
        """A body timestamp: the shop's local time, whole seconds, with its offset."""
        return at.astimezone(self.tz).replace(microsecond=0).isoformat()


class IdSource:
    """Shopify-looking ids: unique within one simulated order, drawn from the rng."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._used: set[int] = set()

    def next(self, digits: int = 13) -> int:
        while True:
            value = self._rng.randrange(10 ** (digits - 1), 10**digits)
            if value not in self._used:
                self._used.add(value)
                return value
