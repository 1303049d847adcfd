"""What the detectors ask of a folded `Order` beyond its fields: which statuses are still
open, and since when the order has been in its present payment or delivery state.

Those moments are read from the order's own timeline, never from the clock, so a detector
run again later opens the same exception at the same instant. When the timeline does not
say (a state the order already had in its first snapshot), the answer is `placed_at`.
"""

from __future__ import annotations

from datetime import datetime

from orderline.domain.order import Order, Shipment, TimelineEntry
from orderline.domain.vocabulary import OrderStatus, ShipmentState

_S = OrderStatus

TO_SHIP: frozenset[OrderStatus] = frozenset(
    {_S.PENDING_PAYMENT, _S.ON_HOLD, _S.READY_TO_FULFILL, _S.PARTIALLY_SHIPPED}
)
"""Statuses with units still to ship: an address or a payment problem still matters."""

CLOSED: frozenset[OrderStatus] = frozenset({_S.CANCELLED, _S.REFUNDED, _S.RETURNED})
"""Nothing is left to do for the order itself."""

SETTLED: frozenset[OrderStatus] = CLOSED | {_S.DELIVERED}
"""Terminal for staleness: no further progress is expected."""

_FULFILLABLE = frozenset({_S.READY_TO_FULFILL, _S.PARTIALLY_SHIPPED, _S.SHIPPED, _S.DELIVERED})


def datum(entry: TimelineEntry, key: str) -> str | None:
    """One value of a timeline entry's data (pairs are few; no dict is built)."""
    for name, value in entry.data:
        if name == key:
            return value
    return None


def payment_status_since(order: Order) -> datetime:
    """When the order's payment status became what it is now."""
    for entry in reversed(order.timeline):
        if entry.kind == "payment_changed":
            return entry.at if datum(entry, "current") == order.payment_status else order.placed_at
    return order.placed_at


def ready_since(order: Order) -> datetime | None:
    """When the order first became ready to fulfil (or went straight past it): placement
    for an order that was ready from its first snapshot on. None if it never was.

    Only the status an instant ends with counts: a snapshot and the hold a connector
    places with it share one timestamp, and the order was never ready in between.
    """
    changes = [(e.at, datum(e, "current")) for e in order.timeline if e.kind == "status_changed"]
    settled = [
        change
        for change, after in zip(changes, [*changes[1:], None], strict=True)
        if not after or after[0] != change[0]
    ]
    for index, (moment, status) in enumerate(settled):
        if status in _FULFILLABLE:
            return order.placed_at if index == 0 else max(moment, order.placed_at)
    return None


def delivery_status_since(order: Order, shipment: Shipment) -> datetime:
    """When `shipment` entered its present delivery status: the first carrier event of the
    latest unbroken run of that status, else the shipment's own `updated_at`."""
    since: datetime | None = None
    for entry in order.timeline:
        if entry.kind != "delivery_event" or datum(entry, "shipment_id") != shipment.shipment_id:
            continue
        is_same_status = datum(entry, "status") == shipment.delivery_status
        since = (since or entry.at) if is_same_status else None
    return since or shipment.updated_at


def active_shipments(order: Order) -> tuple[Shipment, ...]:
    """Shipments that count (not cancelled or failed), in creation order."""
    return tuple(s for s in order.shipments if s.state is ShipmentState.ACTIVE)
