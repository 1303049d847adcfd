"""A fetched V2 order and its product rows -> OrderSnapshot.

V2 orders have no cancelled_at, delivery or hold fields; the status id carries them, and
what it means is dated by the order's `date_modified` (the platform's own updated_at,
which is what snapshots merge by). The holds the status implies are `holds`.
"""

from __future__ import annotations

from orderline.connectors.bigcommerce.fields import (
    JsonObject,
    as_object,
    money,
    optional_str,
    required_id,
    required_int,
    required_quantity,
    required_rfc2822_datetime,
)
from orderline.connectors.bigcommerce.statuses import STATUSES, UNMAPPED_PAYMENT
from orderline.domain.facts import LineItem, OrderSnapshot
from orderline.domain.vocabulary import FulfillmentStatus


def status_id_of(order: JsonObject) -> int:
    return required_int(order, "status_id", f"order {required_id(order, 'id', 'order')}")


def map_snapshot(order: JsonObject, products: list[JsonObject]) -> OrderSnapshot:
    order_id = required_id(order, "id", "order")
    where = f"order {order_id}"
    status_id = required_int(order, "status_id", where)
    meaning = STATUSES.get(status_id)
    modified_at = required_rfc2822_datetime(order, "date_modified", where)
    payment_field = (optional_str(order, "payment_status", where) or "").strip().lower()
    is_cancelled = meaning is not None and meaning.is_cancelled
    return OrderSnapshot(
        order_id=str(order_id),
        updated_at=modified_at,
        placed_at=required_rfc2822_datetime(order, "date_created", where),
        payment_status=(meaning.payment if meaning else UNMAPPED_PAYMENT)(payment_field),
        lines=tuple(_line(row, where) for row in products),
        # BigCommerce shows the order id as the order number.
        order_number=str(order_id),
        email=_email(order, where),
        currency=optional_str(order, "currency_code", where) or "",
        total_price=money(order, "total_inc_tax", where),
        # No cancellation time in V2: the change that made it cancelled is the last one seen.
        cancelled_at=modified_at if is_cancelled else None,
        cancel_reason=meaning.cancel_reason if meaning is not None and is_cancelled else None,
        platform_status=f"status_id={status_id}",
        unmapped_status=None if meaning is not None else f"status_id={status_id}",
        # 2 Shipped / 3 Partially Shipped are the store's own claim; a merchant can set
        # them by hand without creating shipments, which is exactly what drift should show.
        platform_fulfillment=_SHIPPING_CLAIMS.get(status_id),
    )


_SHIPPING_CLAIMS = {2: FulfillmentStatus.FULFILLED, 3: FulfillmentStatus.PARTIAL}


def _line(row: JsonObject, where: str) -> LineItem:
    # The product row id is what shipments (order_product_id) and refunds (item_id) name.
    line_id = str(required_id(row, "id", f"{where}: product row"))
    where = f"{where}: product row {line_id}"
    return LineItem(
        line_id=line_id,
        title=optional_str(row, "name", where) or "",
        quantity=required_quantity(row, "quantity", where),
        unit_price=money(row, "price_inc_tax", where),
        sku=optional_str(row, "sku", where),
    )


def _email(order: JsonObject, where: str) -> str | None:
    billing = order.get("billing_address")
    if billing is None:
        return None
    return optional_str(as_object(billing, f"{where}: billing_address"), "email", f"{where}: billing_address")
