"""Refunds of an order -> RefundRecorded.

The V2 order only says how much went back (`refunded_amount`); the V3 payment-actions
API itemizes it: one refund per id, with its time, amount and refunded product rows.
Whatever part of `refunded_amount` the V3 list does not cover (refunds recorded before
payment actions existed, or a token that may not read them) becomes one synthetic
refund, `{order_id}:unitemized`: a stable id, so each later reading replaces the
earlier one (the fold keeps the latest by time) instead of adding to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from orderline.connectors.bigcommerce.fields import (
    JsonObject,
    iso_datetime,
    money,
    object_list,
    optional_str,
    required_id,
    required_quantity,
)
from orderline.domain.facts import LineQuantity, RefundRecorded

UNITEMIZED_NOTE = "part of refunded_amount not itemized by the V3 refunds API"


def map_refunds(
    order_id: str, rows: Sequence[JsonObject], refunded_amount: Decimal, modified_at: datetime
) -> list[RefundRecorded]:
    refunds = [_refund(row, order_id, modified_at) for row in rows]
    unitemized = refunded_amount - sum((refund.amount for refund in refunds), Decimal(0))
    if unitemized > 0:
        refunds.append(
            RefundRecorded(
                order_id=order_id,
                refund_id=f"{order_id}:unitemized",
                created_at=modified_at,
                amount=unitemized,
                note=UNITEMIZED_NOTE,
            )
        )
    return refunds


def _refund(row: JsonObject, order_id: str, modified_at: datetime) -> RefundRecorded:
    refund_id = str(required_id(row, "id", f"order {order_id}: refund"))
    where = f"order {order_id}: refund {refund_id}"
    return RefundRecorded(
        order_id=order_id,
        refund_id=refund_id,
        created_at=iso_datetime(row, "created", where) or modified_at,
        amount=money(row, "total_amount", where),
        lines=tuple(
            LineQuantity(str(required_id(item, "item_id", where)), required_quantity(item, "quantity", where))
            for item in object_list(row.get("items"), f"{where}: items")
            # Only PRODUCT items carry a quantity of an order line (item_id = product row id).
            if item.get("item_type") == "PRODUCT" and item.get("quantity")
        ),
        note=optional_str(row, "reason", where),
    )
