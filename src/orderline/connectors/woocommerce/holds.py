"""Holds a WooCommerce snapshot implies. Woo has no hold object, so every snapshot says
for each hold group either "held" (HoldPlaced) or "not held" (HoldsReleased), both at
the snapshot's `updated_at`: whatever subset of snapshots arrives, the latest one
decides, so holds converge by time.

- `woo-status`: the order is `on-hold` after it was paid (`date_paid_gmt` set), which is
  how merchants hold an order by hand — or in a plugin status the store maps to
  on_hold. Woo records no reason, so the reason is `other` (owned by operations, who
  own manual holds) with the raw status as `platform_reason`; `customer_request` would
  claim a reason nobody stated. An unpaid `on-hold` is "awaiting payment confirmation"
  (BACS, cheque): the payment axis shows it (pending), not a hold.
- `woo-backorder`: a line carries a backordered quantity (line meta `Backordered`, named
  in the store's locale) while the order is paid and still has something to ship.
  WooCommerce never removes that meta when stock arrives, so the hold also ends when
  the status says nothing is left to ship (completed, cancelled, refunded, ...) or when
  the merchant deletes the meta.

An `on-hold` order carrying the meta `_orderline_hold` is Orderline's own hold written
back (`writeback`): the status group says nothing then (no hold, no release), so the echo
changes nothing; once the merchant moves the order off `on-hold`, the usual release of
`woo-status` is how Orderline hears that its hold was released on the platform.
"""

from __future__ import annotations

from orderline.connectors.woocommerce.fields import meta_value
from orderline.connectors.woocommerce.order_view import OrderView
from orderline.connectors.woocommerce.statuses import NOTHING_TO_SHIP, Meaning
from orderline.connectors.woocommerce.writeback import ON_HOLD_STATUS, ORDERLINE_META
from orderline.domain.facts import Fact, HoldPlaced, HoldsReleased
from orderline.domain.vocabulary import HoldReason, PaymentStatus

STATUS_HOLD_GROUP = "woo-status"
BACKORDER_HOLD_GROUP = "woo-backorder"


def order_holds(order: OrderView) -> list[Fact]:
    if is_orderline_hold(order):
        # Orderline's own hold written back (`writeback`), reported to us: already known,
        # and neither a platform hold nor a release of one.
        return [_backorder_hold(order)]
    return [_status_hold(order), _backorder_hold(order)]


def is_orderline_hold(order: OrderView) -> bool:
    """`on-hold` because Orderline put it there: the order carries Orderline's meta."""
    return order.status == ON_HOLD_STATUS and bool(meta_value(order.body, ORDERLINE_META, order.where))


def _status_hold(order: OrderView) -> Fact:
    is_manual_hold = order.meaning is Meaning.ON_HOLD and order.paid_at is not None
    if not (is_manual_hold or order.meaning is Meaning.HELD):
        return HoldsReleased(order.order_id, STATUS_HOLD_GROUP, order.updated_at)
    return HoldPlaced(
        order_id=order.order_id,
        hold_group=STATUS_HOLD_GROUP,
        reason=HoldReason.OTHER,
        placed_at=order.updated_at,
        platform_reason=order.status,
    )


def _backorder_hold(order: OrderView) -> Fact:
    units = sum(order.backordered.values())
    is_waiting = order.payment is PaymentStatus.PAID and order.meaning not in NOTHING_TO_SHIP
    if units == 0 or not is_waiting:
        return HoldsReleased(order.order_id, BACKORDER_HOLD_GROUP, order.updated_at)
    lines = ", ".join(f"line {line_id}: {count}" for line_id, count in sorted(order.backordered.items()))
    return HoldPlaced(
        order_id=order.order_id,
        hold_group=BACKORDER_HOLD_GROUP,
        reason=HoldReason.BACKORDER,
        placed_at=order.updated_at,
        note=f"{units} unit(s) backordered ({lines})",
    )
