"""Reconciliation's comparison: what the platform and Orderline can both say about an order.

`view_of` reads a folded `Order` as a `ReconcileView`, the fields a platform's API can
confirm (status, payment, cancellation, fulfilled quantities per line, tracking numbers,
refunds, holds). Orderline's own holds (hold groups `orderline:<exception key>`) are left
out of both `status` and `holds`: the platform never placed them, so its view is the order
as it would be without them. `platform_view` folds the facts fetched from the platform
alone into the same view, and `differences` lists the fields where two views disagree, as
readable `DriftField`s that a `DriftObserved` fact carries onto the order.

A sweep compares every changed order, so `differences` answers the common case, equal
views, with one dataclass comparison.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from orderline.domain.facts import DriftField, Fact
from orderline.domain.fold import fold
from orderline.domain.lifecycle import StatusInputs, derive_status
from orderline.domain.order import Order
from orderline.domain.vocabulary import OrderStatus, ShipmentState

__all__ = [
    "RECONCILED_FIELDS",
    "DriftField",
    "ReconcileView",
    "differences",
    "field_text",
    "platform_view",
    "view_of",
]

RECONCILED_FIELDS: tuple[str, ...] = (
    "status",
    "payment",
    "cancelled",
    "shipped",
    "tracking",
    "refunds",
    "refunded",
    "holds",
)
"""The fields of a `ReconcileView`, in the order a diff lists them."""

NOTHING = "-"
"""The text of an empty field."""

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class ReconcileView:
    """What the platform and Orderline can both say about an order, comparable field by field."""

    status: str
    """The `OrderStatus` value as the platform can know it: without Orderline's own holds."""
    payment: str
    """The `PaymentStatus` value."""
    cancelled: bool
    shipped: tuple[tuple[str, int], ...]
    """(line id, fulfilled quantity), sorted; lines with nothing shipped are left out."""
    tracking: tuple[str, ...]
    """Tracking numbers of active shipments, sorted."""
    refunds: tuple[str, ...]
    """Refund ids, sorted."""
    refunded: Decimal
    """The total refunded amount."""
    holds: tuple[str, ...]
    """`HoldReason` values of the open platform holds, sorted, each once."""


def view_of(order: Order) -> ReconcileView:
    """The order as reconciliation compares it, Orderline's own holds left out."""
    # A sweep reads every changed order: empty parts (most orders have no refund or hold)
    # skip their sort, and comprehensions build lists a little faster than generators.
    platform_holds = [hold for hold in order.holds if not hold.is_placed_by_orderline] if order.holds else []
    refunds = order.refunds
    return ReconcileView(
        _status_without_orderline_holds(order, bool(platform_holds)).value,
        order.payment_status.value,
        order.cancelled_at is not None,
        tuple(
            sorted(
                [(line.line_id, line.shipped_quantity) for line in order.lines if line.shipped_quantity > 0]
            )
        ),
        _tracking(order),
        tuple(sorted([refund.refund_id for refund in refunds])) if refunds else (),
        sum([refund.amount for refund in refunds], _ZERO) if refunds else _ZERO,
        tuple(sorted({hold.reason.value for hold in platform_holds})) if platform_holds else (),
    )


def _tracking(order: Order) -> tuple[str, ...]:
    numbers = [
        number
        for shipment in order.shipments
        if shipment.state is ShipmentState.ACTIVE
        for number in shipment.tracking_numbers
    ]
    if len(numbers) > 1:
        numbers.sort()
    return tuple(numbers)


def _status_without_orderline_holds(order: Order, has_platform_holds: bool) -> OrderStatus:
    """The status the fold would derive if Orderline had placed no hold.

    Only an `on_hold` order held by Orderline alone reads differently. For it the rules of
    `derive_status` above the hold rule did not match and do not read holds (not
    cancelled, not returned or refunded, not fully shipped), so they still do not; the
    rules below it read the payment, the fulfilment and the shipped units, all on the order.
    """
    if order.status is not OrderStatus.ON_HOLD or has_platform_holds:
        return order.status
    shipped = unrefunded = 0
    for line in order.lines:
        shipped += line.shipped_quantity
        unrefunded += max(line.shipped_quantity - line.refunded_quantity, 0)
    axes = StatusInputs(
        payment_status=order.payment_status,
        fulfillment_status=order.fulfillment_status,
        shipped_units=shipped,
        shipped_unrefunded_units=unrefunded,
    )
    return derive_status(axes)


def platform_view(facts: Sequence[Fact]) -> ReconcileView:
    """The view of one order from the platform's facts alone (what a sweep fetched),
    folded like any order. ValueError when they hold no snapshot of the order."""
    if not facts:
        raise ValueError("no facts to fold into the platform's view")
    order_id = facts[0].order_id
    order = fold("", order_id, facts)
    if order is None:
        raise ValueError(f"no snapshot of order {order_id} among the platform's facts")
    return view_of(order)


def _joined(items: tuple[str, ...]) -> str:
    return ", ".join(items) if items else NOTHING


def _shipped_text(view: ReconcileView) -> str:
    if not view.shipped:
        return NOTHING
    return ", ".join(f"line {line_id}: {quantity}" for line_id, quantity in view.shipped)


_TEXTS: dict[str, Callable[[ReconcileView], str]] = {
    "status": lambda view: view.status,
    "payment": lambda view: view.payment,
    "cancelled": lambda view: "yes" if view.cancelled else "no",
    "shipped": _shipped_text,
    "tracking": lambda view: _joined(view.tracking),
    "refunds": lambda view: _joined(view.refunds),
    "refunded": lambda view: f"{view.refunded:.2f}",
    "holds": lambda view: _joined(view.holds),
}


def field_text(view: ReconcileView, field: str) -> str:
    """The readable text of one field ("ready_to_fulfill", "line 11: 2, line 12: 1", "12.50"; "-"
    when empty). ValueError for a name not in `RECONCILED_FIELDS`."""
    text = _TEXTS.get(field)
    if text is None:
        expected = ", ".join(RECONCILED_FIELDS)
        raise ValueError(f"unknown reconciled field {field!r}; expected one of {expected}")
    return text(view)


def differences(ours: ReconcileView, theirs: ReconcileView) -> tuple[DriftField, ...]:
    """The fields where Orderline's view (`ours`) and the platform's (`theirs`) differ, in
    `RECONCILED_FIELDS` order; () when they agree."""
    if ours == theirs:
        return ()
    return tuple(
        DriftField(name, field_text(ours, name), field_text(theirs, name))
        for name in RECONCILED_FIELDS
        if getattr(ours, name) != getattr(theirs, name)
    )
