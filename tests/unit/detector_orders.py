"""Payload-shaped orders for the exception detector tests, built by folding canonical facts
as the connectors emit them. Times are hours after T0, Monday 1 March 2027, 09:00 UTC."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from orderline.domain.facts import (
    Address,
    DeliveryEvent,
    Fact,
    HoldPlaced,
    HoldsReleased,
    LineItem,
    LineQuantity,
    OrderSnapshot,
    RefundRecorded,
    ShipmentRecorded,
)
from orderline.domain.fold import fold
from orderline.domain.order import Order
from orderline.domain.vocabulary import DeliveryStatus, HoldReason, PaymentStatus

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
ORDER = "5001"

ADDRESS = Address(
    name="Ann Lee",
    address1="500 Howard St",
    city="San Francisco",
    province="CA",
    postal_code="94107",
    country_code="US",
)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def snapshot(hours: float = 0, **changes: object) -> OrderSnapshot:
    """Order 5001, placed at T0: two mugs (L1) and one tea (L2), paid, shipping to ADDRESS."""
    base = OrderSnapshot(
        order_id=ORDER,
        updated_at=at(hours),
        placed_at=T0,
        payment_status=PaymentStatus.PAID,
        lines=(LineItem("L1", "Mug", 2, Decimal("10.00")), LineItem("L2", "Tea", 1, Decimal("5.00"))),
        order_number="#5001",
        currency="USD",
        total_price=Decimal("25.00"),
        shipping_address=ADDRESS,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def address(**changes: object) -> Address:
    return replace(ADDRESS, **changes)  # type: ignore[arg-type]


def shipment(shipment_id: str, hours: float, *lines: tuple[str, int], **changes: object) -> ShipmentRecorded:
    base = ShipmentRecorded(
        order_id=ORDER,
        shipment_id=shipment_id,
        updated_at=at(hours),
        created_at=at(hours),
        lines=tuple(LineQuantity(line_id, quantity) for line_id, quantity in lines),
        tracking_numbers=(f"1Z{shipment_id}",),
        carrier="UPS",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


SHIP_ALL = (("L1", 2), ("L2", 1))


def delivery(shipment_id: str, hours: float, status: DeliveryStatus) -> DeliveryEvent:
    return DeliveryEvent(ORDER, shipment_id, f"{shipment_id}-{status}-{hours}", status, at(hours))


def hold(hours: float, reason: HoldReason, group: str = "FO-1", note: str | None = None) -> HoldPlaced:
    return HoldPlaced(ORDER, group, reason, at(hours), note)


def release(hours: float, group: str = "FO-1") -> HoldsReleased:
    return HoldsReleased(ORDER, group, at(hours))


def fold_order(*facts: Fact) -> Order:
    order = fold("acme-us", ORDER, facts)
    assert order is not None
    return order


def placed(**changes: object) -> Order:
    """The order as its first snapshot tells it, with `changes` to that snapshot."""
    return fold_order(snapshot(0, **changes))


def refund_all(hours: float) -> RefundRecorded:
    """A full refund of the money and every line."""
    return RefundRecorded(
        ORDER, f"R-{hours}", at(hours), Decimal("25.00"), tuple(LineQuantity(*q) for q in SHIP_ALL)
    )
