"""The refunds a WooCommerce order body lists -> RefundRecorded.

The embedded entries are `{id, reason, total}` with a negative total and no date, so
each is recorded at the snapshot's `updated_at`. Every later snapshot restates it at its
own time; the fold keeps the latest, so a refund's `created_at` reads "known by", not
"refunded at" (the refund's own date needs `GET /orders/{id}/refunds`).
"""

from __future__ import annotations

from orderline.connectors.base import PayloadError
from orderline.connectors.woocommerce.fields import (
    JsonObject,
    decimal_value,
    object_list,
    optional_str,
    required_id,
)
from orderline.connectors.woocommerce.order_view import OrderView
from orderline.domain.facts import RefundRecorded


def order_refunds(order: OrderView) -> list[RefundRecorded]:
    return [
        _refund(refund, i, order) for i, refund in enumerate(object_list(order.body, "refunds", order.where))
    ]


def _refund(refund: JsonObject, index: int, order: OrderView) -> RefundRecorded:
    where = f"{order.where}: refunds[{index}]"
    refund_id = required_id(refund, "id", where)
    if refund.get("total") in (None, ""):
        raise PayloadError(f"{where}: total is missing")
    total = decimal_value(refund["total"], f"{where}: total")
    return RefundRecorded(
        order_id=order.order_id,
        refund_id=refund_id,
        created_at=order.updated_at,
        # Woo lists refunds with a negative total; the amount that went back is positive.
        amount=abs(total),
        # REST v3 calls the note `reason`; the documented sample still says `refund`.
        note=optional_str(refund, "reason", where) or optional_str(refund, "refund", where),
    )
