"""Shopify Refund -> RefundRecorded.

The same shape arrives as the body of refunds/create and embedded in an Order's
`refunds[]`. The refunded amount is what actually went back to the buyer: the sum
of the successful `refund` transactions.
"""

from __future__ import annotations

from decimal import Decimal

from orderline.connectors.shopify.fields import (
    JsonObject,
    money,
    object_list,
    optional_datetime,
    optional_str,
    required_datetime,
    required_id,
    required_quantity,
)
from orderline.domain.facts import LineQuantity, RefundRecorded

# RefundLineItemRestockType: RETURN and CANCEL put stock back, LEGACY_RESTOCK is the
# deprecated form of either; NO_RESTOCK does not.
_RESTOCKING_TYPES = frozenset({"return", "cancel", "legacy_restock"})


def map_refund(body: JsonObject, order_id: str | None = None) -> RefundRecorded:
    """`order_id` is given for an embedded refund (its parent order)."""
    refund_id = required_id(body, "id", "refund")
    where = f"refund {refund_id}"
    created_at = optional_datetime(body, "created_at", where)
    line_items = object_list(body, "refund_line_items", where)
    return RefundRecorded(
        order_id=order_id if order_id is not None else required_id(body, "order_id", where),
        refund_id=refund_id,
        created_at=created_at if created_at is not None else required_datetime(body, "processed_at", where),
        amount=_refunded_amount(body, where),
        lines=tuple(
            _refunded_line(item, f"{where}: refund_line_items[{i}]") for i, item in enumerate(line_items)
        ),
        restock=body.get("restock") is True or any(_restocks(item, where) for item in line_items),
        note=optional_str(body, "note", where),
    )


def _refunded_line(item: JsonObject, where: str) -> LineQuantity:
    return LineQuantity(
        line_id=required_id(item, "line_item_id", where),
        quantity=required_quantity(item, "quantity", where),
    )


def _restocks(item: JsonObject, where: str) -> bool:
    restock_type = optional_str(item, "restock_type", where)
    return restock_type is not None and restock_type.lower() in _RESTOCKING_TYPES


def _refunded_amount(body: JsonObject, where: str) -> Decimal:
    total = Decimal("0")
    for i, transaction in enumerate(object_list(body, "transactions", where)):
        if transaction.get("kind") == "refund" and transaction.get("status") == "success":
            total += money(transaction, "amount", f"{where}: transactions[{i}]")
    return total
