"""A WooCommerce REST v3 order (the body of order.created/updated/restored) -> facts.

The body is the latest state (Woo builds it when the delivery job runs and coalesces
quick changes), so it is treated as a snapshot: one OrderSnapshot, a RefundRecorded per
`refunds[]` entry (refunds.py), the shipments it shows (shipments.py) and the holds its
status implies (holds.py).

Cancellation has no date field (nor do the embedded refunds): `cancelled_at` is the
`date_modified_gmt` of the snapshot that shows the order cancelled.
"""

from __future__ import annotations

from orderline.connectors.woocommerce.fields import JsonObject, as_object, money, optional_str
from orderline.connectors.woocommerce.holds import order_holds
from orderline.connectors.woocommerce.order_view import OrderView
from orderline.connectors.woocommerce.refunds import order_refunds
from orderline.connectors.woocommerce.shipments import order_shipments
from orderline.connectors.woocommerce.statuses import Meaning
from orderline.domain.facts import Address, Fact, OrderSnapshot


def map_order(order: OrderView) -> list[Fact]:
    snapshot = map_order_snapshot(order)
    facts: list[Fact] = [snapshot]
    facts.extend(order_refunds(order))
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
