"""The fold never raises on odd quantities or unknown lines: connectors now refuse them,
but facts stored before they did are folded again on every replay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from orderline.domain.facts import LineItem, LineQuantity, OrderSnapshot, RefundRecorded, ShipmentRecorded
from orderline.domain.fold import fold
from orderline.domain.order import Order
from orderline.domain.vocabulary import AnomalyKind, FulfillmentStatus, OrderStatus, PaymentStatus

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
ORDER = "1001"


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def snapshot(*lines: tuple[str, int]) -> OrderSnapshot:
    return OrderSnapshot(
        order_id=ORDER,
        updated_at=T0,
        placed_at=T0,
        payment_status=PaymentStatus.PAID,
        lines=tuple(LineItem(line_id, "Mug", quantity, Decimal("10")) for line_id, quantity in lines),
        order_number="1001",
        total_price=Decimal("10"),
    )


def shipment(shipment_id: str, *lines: tuple[str, int]) -> ShipmentRecorded:
    return ShipmentRecorded(
        order_id=ORDER,
        shipment_id=shipment_id,
        updated_at=at(10),
        created_at=at(10),
        lines=tuple(LineQuantity(line_id, quantity) for line_id, quantity in lines),
    )


def folded(*facts: object) -> Order:
    order = fold("s1", ORDER, facts)  # type: ignore[arg-type]
    assert order is not None
    return order


def kinds(order: Order) -> list[AnomalyKind]:
    return [anomaly.kind for anomaly in order.anomalies]


def test_a_negative_ordered_quantity_with_nothing_shipped_folds_without_an_anomaly() -> None:
    order = folded(snapshot(("L1", -1)))

    assert order.status is OrderStatus.READY_TO_FULFILL
    assert [(line.line_id, line.quantity, line.shipped_quantity) for line in order.lines] == [("L1", -1, 0)]
    assert order.anomalies == ()


def test_a_zero_quantity_line_that_ships_a_unit_is_over_shipped() -> None:
    order = folded(snapshot(("L1", 0), ("L2", 1)), shipment("S1", ("L1", 1), ("L2", 1)))

    assert kinds(order) == [AnomalyKind.OVER_SHIPPED]
    assert order.anomalies[0].detail == "Line L1 shipped 1 of 0 ordered"
    assert order.anomalies[0].at == at(10)


def test_a_negative_shipped_quantity_ships_nothing_and_un_ships_nothing() -> None:
    order = folded(snapshot(("L1", 2)), shipment("S1", ("L1", 2)), shipment("S2", ("L1", -5)))

    assert [line.shipped_quantity for line in order.lines] == [2]
    assert order.fulfillment_status is FulfillmentStatus.FULFILLED
    assert order.anomalies == ()


def test_a_shipment_of_zero_units_ships_nothing() -> None:
    order = folded(snapshot(("L1", 2)), shipment("S1", ("L1", 0)))

    assert [line.shipped_quantity for line in order.lines] == [0]
    assert order.fulfillment_status is FulfillmentStatus.UNFULFILLED
    assert order.anomalies == ()


def test_a_shipment_naming_an_unknown_line_is_an_anomaly_not_an_error() -> None:
    order = folded(snapshot(("L1", -1)), shipment("S1", ("L9", 3)))

    assert kinds(order) == [AnomalyKind.UNKNOWN_LINE]
    assert order.anomalies[0].detail == "Shipment S1 refers to unknown line L9"


def test_a_negative_refunded_quantity_refunds_no_units() -> None:
    refund = RefundRecorded(ORDER, "R1", at(5), Decimal("0"), lines=(LineQuantity("L1", -3),))

    order = folded(snapshot(("L1", 1)), refund)

    assert [line.refunded_quantity for line in order.lines] == [0]
    assert order.anomalies == ()
