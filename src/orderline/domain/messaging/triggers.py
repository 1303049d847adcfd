"""What in an order's history is news for its buyer: triggers, derived from state alone.

A trigger is a value with a stable `key` (the same history always gives the same keys),
so the planner can tell which news a message already covered, however often an order is
evaluated. Triggers come from the canonical order and its exceptions only:

| kind | one per | at |
|---|---|---|
| order_confirmed | order | first time the status reached ready_to_fulfill or beyond |
| shipment_sent | active shipment | the shipment's creation |
| order_delivered | order | the last delivery, once the status is delivered |
| order_cancelled | order | the cancellation |
| refund_issued | refund | the refund's creation |
| exception_notice | buyer-facing exception opening | the exception's `opened_at` |
| exception_resolved | buyer-facing exception resolution | its resolution |

An exception that resolved before its notice went out gives no trigger at all: news that
is already over is not worth a message. Reminders (`exception_update`) are not triggers:
the cadence asks for them (see `planner`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from orderline.domain.messaging.kinds import MessageKind
from orderline.domain.order import Order
from orderline.domain.order_exceptions.order_state import datum
from orderline.domain.vocabulary import DeliveryStatus, OrderStatus, ShipmentState

READY_OR_BEYOND = frozenset(
    {OrderStatus.READY_TO_FULFILL, OrderStatus.PARTIALLY_SHIPPED, OrderStatus.SHIPPED, OrderStatus.DELIVERED}
)


@dataclass(frozen=True, slots=True)
class ExceptionView:
    """What messaging needs of one stored exception."""

    key: str
    type: str
    reason: str
    opened_at: datetime
    resolved_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    @property
    def notice_key(self) -> str:
        return notice_key(self.key, self.opened_at)


def notice_key(exception_key: str, opened_at: datetime) -> str:
    """The trigger key of the notice of an exception opened at `opened_at` (a reopening
    with a new `opened_at` is news again)."""
    return f"exception:{exception_key}:{opened_at.isoformat()}"


@dataclass(frozen=True, slots=True)
class Trigger:
    kind: MessageKind
    key: str
    at: datetime
    shipment_id: str | None = None
    refund_id: str | None = None
    exception: ExceptionView | None = None


def order_triggers(
    order: Order, exceptions: Sequence[ExceptionView], notified: frozenset[str]
) -> list[Trigger]:
    """Every trigger in the order's history, by time. `exceptions` are the buyer-facing
    ones; `notified` holds the trigger keys earlier messages covered."""
    found = [*_lifecycle(order), *_shipments(order), *_refunds(order)]
    found += exception_triggers(exceptions, notified)
    return sorted(found, key=lambda t: (t.at, t.key))


def _lifecycle(order: Order) -> list[Trigger]:
    found = []
    ready = next(
        (
            e.at
            for e in order.timeline
            if e.kind == "status_changed" and datum(e, "current") in READY_OR_BEYOND
        ),
        None,
    )
    if ready is not None:
        found.append(Trigger(MessageKind.ORDER_CONFIRMED, "confirmed", ready))
    if order.status is OrderStatus.DELIVERED:
        delivered = [s.delivered_at for s in order.shipments if s.delivered_at is not None]
        found.append(
            Trigger(MessageKind.ORDER_DELIVERED, "delivered", max(delivered, default=order.updated_at))
        )
    if order.status is OrderStatus.CANCELLED:
        found.append(
            Trigger(MessageKind.ORDER_CANCELLED, "cancelled", order.cancelled_at or order.updated_at)
        )
    return found


def _shipments(order: Order) -> list[Trigger]:
    return [
        Trigger(
            MessageKind.SHIPMENT_SENT, f"shipment:{s.shipment_id}", s.created_at, shipment_id=s.shipment_id
        )
        for s in order.shipments
        if s.state is ShipmentState.ACTIVE and s.delivery_status is not DeliveryStatus.RETURNED_TO_SENDER
    ]


def _refunds(order: Order) -> list[Trigger]:
    return [
        Trigger(MessageKind.REFUND_ISSUED, f"refund:{r.refund_id}", r.created_at, refund_id=r.refund_id)
        for r in order.refunds
    ]


def exception_triggers(exceptions: Sequence[ExceptionView], notified: frozenset[str]) -> list[Trigger]:
    """Notices of open exceptions (and of resolved ones already announced), resolutions of announced ones."""
    found = []
    for exc in exceptions:
        notice = exc.notice_key
        if exc.is_open or notice in notified:
            found.append(Trigger(MessageKind.EXCEPTION_NOTICE, notice, exc.opened_at, exception=exc))
        if exc.resolved_at is not None and notice in notified:
            resolved = f"{notice}:resolved"
            found.append(Trigger(MessageKind.EXCEPTION_RESOLVED, resolved, exc.resolved_at, exception=exc))
    return found
