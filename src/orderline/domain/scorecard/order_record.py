"""What the scorecard keeps of one canonical order: its traits for order-type rules, when it
shipped (first parcel, and the parcel that completed it), its carrier, and whether it was
cancelled or refunded.

`derive_order` is a pure function of the folded `Order`; the service stores its result per
order and turns it into an `OrderRecord` when a scorecard is built, so the formulas never
read an order's whole state.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from orderline.domain.order import Order, Shipment
from orderline.domain.scorecard.carriers import carrier_name
from orderline.domain.scorecard.records import OrderTraits
from orderline.domain.vocabulary import OrderStatus, ShipmentState

MAX_TEXT_CHARS = 1_000
"""How much of an order's SKUs, and of its line titles, order-type rules can see: whole
values in line order until the next would pass this many characters (one longer than
that alone is cut). Keeps a stored order bounded whatever its line count."""
TEXT_SEPARATOR = "\n"
"""Joins an order's SKUs or titles when stored; taken out of the values themselves."""


@dataclass(frozen=True, slots=True)
class DerivedOrder:
    """One order as the scorecard counts it, before its types and exceptions are known."""

    traits: OrderTraits
    first_shipped_at: datetime | None
    """When the first active shipment was created; None while nothing has shipped."""
    last_shipped_at: datetime | None
    """When the shipment that completed the order was created; None until it is complete."""
    carrier: str | None
    """The first active shipment's carrier, under its one name (`carriers.carrier_name`)."""
    is_cancelled: bool
    is_refunded: bool


def derive_order(order: Order) -> DerivedOrder:
    shipments = _active(order)
    return DerivedOrder(
        traits=order_traits(order),
        first_shipped_at=shipments[0].created_at if shipments else None,
        last_shipped_at=completed_at(order),
        carrier=carrier_name(shipments[0].carrier) if shipments else None,
        is_cancelled=order.status is OrderStatus.CANCELLED,
        is_refunded=bool(order.refunds),
    )


def order_traits(order: Order) -> OrderTraits:
    address = order.shipping_address
    country = (address.country_code or "").strip().upper() if address is not None else ""
    return OrderTraits(
        line_count=len(order.lines),
        unit_count=sum(max(line.quantity, 0) for line in order.lines),
        total_price=order.total_price,
        currency=order.currency,
        ship_country=country or None,
        skus=bounded_texts(line.sku for line in order.lines if line.sku),
        titles=bounded_texts(line.title for line in order.lines if line.title),
    )


def completed_at(order: Order) -> datetime | None:
    """When the active shipment was created after which every line had shipped all its
    units but the refunded ones (the fold's count: a refunded unit needs no shipping);
    None while some unit is still to ship, or when nothing shipped at all."""
    needed = {line.line_id: line.quantity - line.refunded_quantity for line in order.lines}
    shipped: dict[str, int] = {}
    for shipment in _active(order):
        for part in shipment.lines:
            # A negative quantity moves nothing, as the fold counts it.
            shipped[part.line_id] = shipped.get(part.line_id, 0) + max(part.quantity, 0)
        if all(shipped.get(line_id, 0) >= units for line_id, units in needed.items()):
            return shipment.created_at
    return None


def bounded_texts(values: Iterable[str]) -> tuple[str, ...]:
    """`values` (separators turned into spaces, blanks dropped) up to MAX_TEXT_CHARS in all,
    counting one separator between each."""
    kept: list[str] = []
    used = 0
    for raw in values:
        value = " ".join(raw.split(TEXT_SEPARATOR)).strip()
        if not value:
            continue
        room = MAX_TEXT_CHARS - used - (len(TEXT_SEPARATOR) if kept else 0)
        if len(value) > room:
            if not kept:
                kept.append(value[:MAX_TEXT_CHARS])
            break
        kept.append(value)
        used += len(value) + (len(TEXT_SEPARATOR) if len(kept) > 1 else 0)
    return tuple(kept)


def _active(order: Order) -> list[Shipment]:
    # The fold keeps shipments by creation time; sorted again so this never depends on it.
    active = [s for s in order.shipments if s.state is ShipmentState.ACTIVE]
    return sorted(active, key=lambda s: (s.created_at, s.shipment_id))
