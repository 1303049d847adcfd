"""The parts of a WooCommerce order body every mapper reads, parsed once.

The body of order.created / order.updated / order.restored is the full REST v3 order
(`/wc/v3/orders/{id}`), built when the delivery job runs: a snapshot of the latest state.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from orderline.connectors.base import PayloadError
from orderline.connectors.limits import check_quantity, echo
from orderline.connectors.woocommerce.fields import (
    JsonObject,
    decimal_value,
    meta_value,
    money,
    object_list,
    optional_gmt,
    optional_str,
    required_gmt,
    required_id,
    required_quantity,
    required_str,
)
from orderline.connectors.woocommerce.settings import WooStoreSettings
from orderline.connectors.woocommerce.statuses import Meaning, meaning_of, normalise_status, payment_status
from orderline.domain.facts import LineItem
from orderline.domain.vocabulary import PaymentStatus


@dataclass(frozen=True, slots=True)
class OrderView:
    body: JsonObject
    order_id: str
    where: str
    """"order 727", for error messages."""
    status: str
    """The raw REST status, normalised (no `wc-` prefix, lower case)."""
    meaning: Meaning
    updated_at: datetime
    placed_at: datetime
    paid_at: datetime | None
    completed_at: datetime | None
    lines: tuple[LineItem, ...]
    backordered: Mapping[str, int]
    """Backordered units by line id (lines with none are absent)."""

    @property
    def payment(self) -> PaymentStatus:
        return payment_status(self.meaning, self.paid_at is not None)


def read_order_view(body: JsonObject, settings: WooStoreSettings) -> OrderView:
    order_id = required_id(body, "id", "order")
    where = f"order {order_id}"
    status = normalise_status(required_str(body, "status", where))
    items = object_list(body, "line_items", where)
    return OrderView(
        body=body,
        order_id=order_id,
        where=where,
        status=status,
        meaning=meaning_of(status, settings.statuses),
        updated_at=required_gmt(body, "date_modified_gmt", where),
        placed_at=required_gmt(body, "date_created_gmt", where),
        paid_at=optional_gmt(body, "date_paid_gmt", where),
        completed_at=optional_gmt(body, "date_completed_gmt", where),
        lines=tuple(_line(item, f"{where}: line_items[{i}]") for i, item in enumerate(items)),
        backordered=_backordered(items, settings.backorder_meta_key, where),
    )


def _line(item: JsonObject, where: str) -> LineItem:
    quantity = required_quantity(item, "quantity", where)
    return LineItem(
        line_id=required_id(item, "id", where),
        # REST names keep HTML entities ("Ship Your Idea &ndash; Color: Black").
        title=html.unescape(optional_str(item, "name", where) or ""),
        quantity=quantity,
        unit_price=_unit_price(item, quantity, where),
        sku=optional_str(item, "sku", where),
    )


def _unit_price(item: JsonObject, quantity: int, where: str) -> Decimal:
    """`price` (a JSON number since WC 3.0); older bodies only have the line `subtotal`."""
    price = item.get("price")
    if price is not None and price != "":
        return decimal_value(price, f"{where}: price")
    subtotal = money(item, "subtotal", where)
    return subtotal / quantity if quantity else subtotal


def _backordered(items: list[JsonObject], meta_key: str, where: str) -> dict[str, int]:
    found: dict[str, int] = {}
    for i, item in enumerate(items):
        line_where = f"{where}: line_items[{i}]"
        value = meta_value(item, meta_key, line_where)
        if value is None or value == "":
            continue
        field = f"{line_where}: meta {meta_key!r}"
        quantity = decimal_value(value, field)
        if quantity != quantity.to_integral_value() or quantity < 0:
            raise PayloadError(f"{field} must be a whole quantity, got {echo(value)}")
        if quantity > 0:
            found[required_id(item, "id", line_where)] = check_quantity(int(quantity), field)
    return found
