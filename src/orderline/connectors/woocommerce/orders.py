"""A WooCommerce REST v3 order (the body of order.created/updated/restored) -> facts.

The body is the latest state (Woo builds it when the delivery job runs and coalesces
quick changes), so it is treated as a snapshot: one OrderSnapshot, a RefundRecorded per
`refunds[]` entry, the shipments it shows (shipments.py) and the holds its status
implies (holds.py).

Refunds: the embedded entries are `{id, reason, total}` with a negative total and no
date, so each is recorded at the snapshot's `updated_at`. Every later snapshot restates
it at its own time; the fold keeps the latest, so a refund's `created_at` reads "known
by", not "refunded at" (the refund's own date needs `GET /orders/{id}/refunds`).
Cancellation has no date field either: `cancelled_at` is the `date_modified_gmt` of the
snapshot that shows the order cancelled.
"""

from __future__ import annotations

from orderline.connectors.base import PayloadError
from orderline.connectors.woocommerce.fields import (
    JsonObject,
    as_object,
    decimal_value,
    money,
    object_list,
    optional_str,
    required_id,
)
from orderline.connectors.woocommerce.holds import order_holds
from orderline.connectors.woocommerce.order_view import OrderView
from orderline.connectors.woocommerce.shipments import order_shipments
from orderline.connectors.woocommerce.statuses import Meaning
from orderline.domain.facts import Address, Fact, OrderSnapshot, RefundRecorded


def map_order(order: OrderView) -> list[Fact]:
    snapshot = map_order_snapshot(order)
    facts: list[Fact] = [snapshot]
    facts.extend(
        _refund(refund, i, order) for i, refund in enumerate(object_list(order.body, "refunds", order.where))
    )
    facts.extend(order_shipments(order))
    facts.extend(order_holds(order))
    return facts


def map_order_snapshot(order: OrderView) -> OrderSnapshot:
    body, where = order.body, order.where
    return OrderSnapshot(
        order_id=order.order_id,
        updated_at=order.updated_at,
        placed_at=order.placed_at,
        payment_status=order.payment,
        lines=order.lines,
        order_number=_order_number(body, order),
        email=_email(body, where),
        currency=optional_str(body, "currency", where) or "",
        total_price=money(body, "total", where),
        cancelled_at=order.updated_at if order.meaning is Meaning.CANCELLED else None,
        shipping_address=_address(body.get("shipping"), f"{where}: shipping"),
        platform_status=order.status,
        unmapped_status=order.status if order.meaning is Meaning.UNMAPPED else None,
    )


def _email(body: JsonObject, where: str) -> str | None:
    billing = body.get("billing")
    if billing is None:
        return None
    return optional_str(as_object(billing, f"{where}: billing"), "email", f"{where}: billing")


def _order_number(body: JsonObject, order: OrderView) -> str:
    # Sequential-number plugins replace `number` ("WC-1042"); core sends the id as a string.
    number = body.get("number")
    if isinstance(number, int) and not isinstance(number, bool):
        return str(number)
    return optional_str(body, "number", order.where) or order.order_id


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


def _address(value: object, where: str) -> Address | None:
    """The shipping address; None when every field is empty (virtual or download orders)."""
    if value is None:
        return None
    address = as_object(value, where)
    first = optional_str(address, "first_name", where)
    last = optional_str(address, "last_name", where)
    result = Address(
        name=" ".join(part for part in (first, last) if part) or None,
        company=optional_str(address, "company", where),
        address1=optional_str(address, "address_1", where),
        address2=optional_str(address, "address_2", where),
        city=optional_str(address, "city", where),
        province=optional_str(address, "state", where),
        postal_code=optional_str(address, "postcode", where),
        country_code=optional_str(address, "country", where),
        phone=optional_str(address, "phone", where),
    )
    return None if result == Address() else result
