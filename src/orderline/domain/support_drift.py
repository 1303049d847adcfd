"""Support-tool drift: a helpdesk ticket that shows its order in another status than the
canonical one.

Helpdesks show an order's status in their own words: the shop integration's order panel
(Shopify's "Unfulfilled", WooCommerce's "Completed") or a custom field the merchant keeps.
Each word below stands for the canonical statuses it agrees with; a ticket whose word agrees
with none of them is drift (the agent answers the buyer from a stale view). A word not
listed is not judged: it is reported as unreadable, never as drift.

"Unfulfilled" agrees with every status before shipping, holds included: a platform whose
admin does not show Orderline's hold still says unfulfilled, which is true.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from orderline.domain.vocabulary import OrderStatus

S = OrderStatus
_BEFORE_SHIPPING = frozenset({S.PENDING_PAYMENT, S.ON_HOLD, S.READY_TO_FULFILL})
_SHIPPED = frozenset({S.SHIPPED, S.DELIVERED})

AGREEING: Mapping[str, frozenset[OrderStatus]] = {
    "pending": frozenset({S.PENDING_PAYMENT}),
    "pending payment": frozenset({S.PENDING_PAYMENT}),
    "awaiting payment": frozenset({S.PENDING_PAYMENT}),
    "unpaid": frozenset({S.PENDING_PAYMENT}),
    "on hold": frozenset({S.ON_HOLD}),
    "held": frozenset({S.ON_HOLD}),
    "unfulfilled": _BEFORE_SHIPPING,
    "open": _BEFORE_SHIPPING,
    "processing": frozenset({S.READY_TO_FULFILL, S.ON_HOLD}),
    "paid": frozenset({S.READY_TO_FULFILL, S.ON_HOLD}),
    "ready to fulfill": frozenset({S.READY_TO_FULFILL}),
    "ready to ship": frozenset({S.READY_TO_FULFILL}),
    "awaiting fulfillment": frozenset({S.READY_TO_FULFILL}),
    "awaiting shipment": frozenset({S.READY_TO_FULFILL}),
    "partially fulfilled": frozenset({S.PARTIALLY_SHIPPED}),
    "partially shipped": frozenset({S.PARTIALLY_SHIPPED}),
    "fulfilled": _SHIPPED,
    "shipped": _SHIPPED,
    "completed": _SHIPPED,
    "complete": _SHIPPED,
    "in transit": frozenset({S.SHIPPED}),
    "delivered": frozenset({S.DELIVERED}),
    "cancelled": frozenset({S.CANCELLED}),
    "canceled": frozenset({S.CANCELLED}),
    "voided": frozenset({S.CANCELLED}),
    "refunded": frozenset({S.REFUNDED}),
    "returned": frozenset({S.RETURNED}),
}
"""Each helpdesk word (normalised: lower case, `-` and `_` as spaces) and the canonical
statuses it agrees with."""


@dataclass(frozen=True, slots=True)
class SupportDrift:
    """A ticket's word that disagrees with the order's canonical status."""

    word: str
    canonical: OrderStatus

    @property
    def readable(self) -> str:
        return f"the ticket shows {self.word!r}, Orderline says {self.canonical.value}"


def normalised(word: str) -> str:
    return re.sub(r"[\s_-]+", " ", word.strip().lower())


def is_readable(word: str) -> bool:
    """Whether `word` is one the table judges."""
    return normalised(word) in AGREEING


def support_drift(word: str | None, canonical: OrderStatus) -> SupportDrift | None:
    """The drift a ticket showing `word` is, for an order whose status is `canonical`;
    None when they agree, or the word is missing or not one the table judges."""
    if word is None:
        return None
    agreeing = AGREEING.get(normalised(word))
    if agreeing is None or canonical in agreeing:
        return None
    return SupportDrift(normalised(word), canonical)
