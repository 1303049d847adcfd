"""WooCommerce order statuses and what each one means canonically (reference §2.4, §4).

A Woo status folds payment and fulfilment into one word, and plugins add their own
words. Every status is first read as a `Meaning` — the one place a Woo word gains a
canonical sense — and the payment status, holds and synthetic shipments are derived
from the meaning, never from the raw word. A store's `status_map` (plugin status ->
canonical OrderStatus) is consulted before the core table, so a merchant can also
re-read a core status (e.g. "completed" means delivered in their shop).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from orderline.domain.vocabulary import OrderStatus, PaymentStatus


class Meaning(StrEnum):
    AWAITING_PAYMENT = "awaiting_payment"
    """pending: placed, not paid."""
    ON_HOLD = "on_hold"
    """Core on-hold: "awaiting payment confirmation" (BACS, cheque) until `date_paid` is
    set; once paid, merchants use it as a manual hold."""
    HELD = "held"
    """A plugin status the store maps to on_hold: a hold whether paid or not."""
    READY = "ready"
    """processing: paid, stock reduced, waiting to ship."""
    PARTIALLY_SHIPPED = "partially_shipped"
    SHIPPED = "shipped"
    """completed ("order fulfilled and complete"), or a plugin `shipped`."""
    AT_PICKUP = "at_pickup"
    """ready-for-pickup (WC 11.3+ local pickup): packed and waiting for the buyer."""
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"
    """Woo sets `refunded` only for a full refund; partial refunds keep the status."""
    FAILED = "failed"
    """The payment failed (declined, or abandoned at the gateway)."""
    UNMAPPED = "unmapped"
    """Neither core nor in the store's status_map: the order shows an anomaly."""


CORE_STATUSES: Mapping[str, Meaning] = {
    "pending": Meaning.AWAITING_PAYMENT,
    "processing": Meaning.READY,
    "on-hold": Meaning.ON_HOLD,
    "completed": Meaning.SHIPPED,
    "cancelled": Meaning.CANCELLED,
    "refunded": Meaning.REFUNDED,
    "failed": Meaning.FAILED,
    "ready-for-pickup": Meaning.AT_PICKUP,
}

DRAFT_STATUSES = frozenset({"checkout-draft", "draft", "auto-draft", "new"})
"""Internal statuses of carts that are not orders yet; block checkout's drafts still
reach order.updated (woocommerce/woocommerce#66995)."""
TRASH_STATUS = "trash"

MAPPED_MEANINGS: Mapping[OrderStatus, Meaning] = {
    OrderStatus.PENDING_PAYMENT: Meaning.AWAITING_PAYMENT,
    OrderStatus.ON_HOLD: Meaning.HELD,
    OrderStatus.READY_TO_FULFILL: Meaning.READY,
    OrderStatus.PARTIALLY_SHIPPED: Meaning.PARTIALLY_SHIPPED,
    OrderStatus.SHIPPED: Meaning.SHIPPED,
    OrderStatus.DELIVERED: Meaning.DELIVERED,
    OrderStatus.CANCELLED: Meaning.CANCELLED,
    OrderStatus.REFUNDED: Meaning.REFUNDED,
}
"""What a status_map target means. `returned` is absent on purpose: a Woo order body
has no restock data, so nothing in it can show a return."""

MAPPABLE_STATUSES = frozenset(status.value for status in MAPPED_MEANINGS)

MEANING_STATUS: Mapping[Meaning, OrderStatus | None] = {
    **{meaning: status for status, meaning in MAPPED_MEANINGS.items()},
    # on-hold is payment_pending while unpaid: the lifecycle refuses the same moves into both.
    Meaning.ON_HOLD: OrderStatus.ON_HOLD,
    Meaning.AT_PICKUP: OrderStatus.SHIPPED,
    Meaning.FAILED: None,  # pending or cancelled, by policy
    Meaning.UNMAPPED: None,
}
"""The canonical status a meaning stands for, as the status audit judges moves between
Woo words (`domain/status_audit.py`); None where no single one does."""

PAID_MEANINGS = frozenset({Meaning.READY, Meaning.PARTIALLY_SHIPPED, Meaning.SHIPPED, Meaning.DELIVERED})
"""Paid even without `date_paid`, like Woo's own `wc_get_is_paid_statuses()` (processing,
completed): the fixture's completed BACS order has `date_paid: null`."""

FULFILLED_MEANINGS = frozenset({Meaning.SHIPPED, Meaning.AT_PICKUP, Meaning.DELIVERED})
"""Statuses that claim every unit has left (or is waiting at the pickup point)."""

NOTHING_TO_SHIP = FULFILLED_MEANINGS | {Meaning.CANCELLED, Meaning.REFUNDED}


def normalise_status(status: str) -> str:
    """Woo's REST `status` has no `wc-` prefix; configs may be written with it."""
    value = status.strip().lower()
    return value[3:] if value.startswith("wc-") else value


def meaning_of(status: str, status_map: Mapping[str, OrderStatus]) -> Meaning:
    """`status` already normalised; the store's map wins over the core table."""
    mapped = status_map.get(status)
    if mapped is not None:
        return MAPPED_MEANINGS[mapped]
    return CORE_STATUSES.get(status, Meaning.UNMAPPED)


def payment_status(meaning: Meaning, is_paid_dated: bool) -> PaymentStatus:
    """The payment axis from the status and `date_paid` (the payment signal, reference §2.4).

    Refunds are not read here: the fold refines paid into (partially) refunded from the
    RefundRecorded facts of `refunds[]`."""
    if meaning is Meaning.REFUNDED:
        return PaymentStatus.REFUNDED
    if meaning is Meaning.FAILED:
        return PaymentStatus.FAILED
    if is_paid_dated or meaning in PAID_MEANINGS:
        return PaymentStatus.PAID
    if meaning is Meaning.CANCELLED:
        # Cancelled before any payment was taken: nothing to refund, the payment is void.
        return PaymentStatus.VOIDED
    return PaymentStatus.PENDING
