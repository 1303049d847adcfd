"""The simulated order as WooCommerce keeps it: status, dates, lines, refunds, tracking.

The story (history.py) changes this state one save at a time; bodies.py renders it as
the REST v3 JSON a webhook carries at that moment.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal

from orderline.simulation.woocommerce.catalog import Gateway, Place, Product

CENT = Decimal("0.01")


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Buyer:
    customer_id: int
    first_name: str
    last_name: str
    email: str
    phone: str
    street: str
    place: Place


@dataclass(slots=True)
class SimLine:
    line_id: int
    product: Product
    quantity: int
    backordered: int = 0
    """The `Backordered` line meta WooCommerce writes when stock is reduced below zero."""

    @property
    def subtotal(self) -> Decimal:
        return self.product.price * self.quantity


@dataclass(frozen=True, slots=True)
class SimRefund:
    refund_id: int
    reason: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class SimTracking:
    tracking_id: str
    provider: str
    number: str
    shipped_on: datetime
    """Midnight of the shipping day in the site's time zone (the plugin's date picker)."""


@dataclass(slots=True)
class SimOrder:
    order_id: int
    order_key: str
    created_at: datetime
    site_tz: tzinfo
    buyer: Buyer
    gateway: Gateway
    lines: list[SimLine]
    shipping: tuple[str, str, int, Decimal]
    """(method_title, method_id, instance_id, cost)."""
    shipping_line_id: int
    tax_line_id: int
    status: str = "pending"
    modified_at: datetime = field(init=False)
    paid_at: datetime | None = None
    completed_at: datetime | None = None
    transaction_id: str = ""
    refunds: list[SimRefund] = field(default_factory=list)
    tracking: list[SimTracking] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.modified_at = self.created_at

    @property
    def subtotal(self) -> Decimal:
        return sum((line.subtotal for line in self.lines), Decimal("0"))

    @property
    def cart_tax(self) -> Decimal:
        return cents(self.subtotal * self.buyer.place.tax_rate)

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.cart_tax + self.shipping[3]

    @property
    def refunded(self) -> Decimal:
        return sum((refund.amount for refund in self.refunds), Decimal("0"))

    def unit_refund(self, line: SimLine) -> Decimal:
        """What refunding one unit of `line` pays back, tax included."""
        return cents(line.product.price * (1 + self.buyer.place.tax_rate))

    def local(self, at: datetime | None) -> str | None:
        """A site-local REST date: no offset, whole seconds."""
        if at is None:
            return None
        return at.astimezone(self.site_tz).replace(tzinfo=None, microsecond=0).isoformat()

    @staticmethod
    def gmt(at: datetime | None) -> str | None:
        if at is None:
            return None
        return at.astimezone(UTC).replace(tzinfo=None, microsecond=0).isoformat()


class IdSource:
    """WordPress post and item ids: increasing, unique within one simulated order."""

    def __init__(self, rng: random.Random, start: int) -> None:
        self._rng = rng
        self._last = start

    def next(self) -> int:
        self._last += self._rng.randint(1, 9)
        return self._last

    def hex(self, digits: int = 32) -> str:
        return f"{self._rng.getrandbits(4 * digits):0{digits}x}"
