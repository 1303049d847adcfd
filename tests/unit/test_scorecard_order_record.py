"""What the scorecard keeps of a folded order: shipping times, carrier, traits, flags."""

from __future__ import annotations

from decimal import Decimal

from orderline.domain.facts import LineItem, LineQuantity, RefundRecorded
from orderline.domain.scorecard.order_record import MAX_TEXT_CHARS, bounded_texts, derive_order
from orderline.domain.scorecard.records import OrderTraits
from orderline.domain.vocabulary import ShipmentState
from tests.unit.detector_orders import (
    ORDER,
    SHIP_ALL,
    address,
    at,
    fold_order,
    refund_all,
    shipment,
    snapshot,
)


def test_an_order_nothing_shipped_of_has_no_shipping_times_and_no_carrier() -> None:
    derived = derive_order(fold_order(snapshot()))

    assert (derived.first_shipped_at, derived.last_shipped_at, derived.carrier) == (None, None, None)
    assert (derived.is_cancelled, derived.is_refunded) == (False, False)


def test_the_traits_come_from_the_lines_the_price_and_the_ship_country() -> None:
    order = fold_order(
        snapshot(lines=(LineItem("L1", "Mug", 2, Decimal("10.00"), "MUG-1"), LineItem("L2", "Tea", 1)))
    )

    assert derive_order(order).traits == OrderTraits(
        line_count=2,
        unit_count=3,
        total_price=Decimal("25.00"),
        currency="USD",
        ship_country="US",
        skus=("MUG-1",),
        titles=("Mug", "Tea"),
    )


def test_a_ship_country_is_upper_cased_and_a_blank_one_is_none() -> None:
    lower = fold_order(snapshot(shipping_address=address(country_code=" de ")))
    blank = fold_order(snapshot(shipping_address=address(country_code="  ")))
    absent = fold_order(snapshot(shipping_address=None))

    assert derive_order(lower).traits.ship_country == "DE"
    assert derive_order(blank).traits.ship_country is None
    assert derive_order(absent).traits.ship_country is None


def test_a_partly_shipped_order_has_a_first_but_no_last_shipment() -> None:
    order = fold_order(snapshot(), shipment("S1", 5, ("L1", 2)))

    derived = derive_order(order)

    assert (derived.first_shipped_at, derived.last_shipped_at, derived.carrier) == (at(5), None, "UPS")


def test_the_last_shipment_is_the_one_that_completed_the_order_and_the_carrier_the_first_ones() -> None:
    order = fold_order(
        snapshot(),
        shipment("S1", 5, ("L1", 1), carrier="DHL"),
        shipment("S2", 9, ("L1", 1), ("L2", 1)),
        shipment("S3", 30, ("L2", 1)),  # a reshipment after completion changes nothing
    )

    derived = derive_order(order)

    assert (derived.first_shipped_at, derived.last_shipped_at, derived.carrier) == (at(5), at(9), "DHL")


def test_cancelled_and_failed_shipments_ship_nothing() -> None:
    order = fold_order(
        snapshot(),
        shipment("S0", 1, *SHIP_ALL, carrier="FedEx", state=ShipmentState.CANCELLED),
        shipment("S1", 4, *SHIP_ALL, state=ShipmentState.FAILED),
        shipment("S2", 7, ("L1", 2)),
    )

    derived = derive_order(order)

    assert (derived.first_shipped_at, derived.last_shipped_at, derived.carrier) == (at(7), None, "UPS")


def test_a_refunded_line_needs_no_shipping_for_the_order_to_be_complete() -> None:
    refund_tea = RefundRecorded(ORDER, "R1", at(2), Decimal("5.00"), (LineQuantity("L2", 1),))
    order = fold_order(snapshot(), refund_tea, shipment("S1", 6, ("L1", 2)))

    derived = derive_order(order)

    assert (derived.last_shipped_at, derived.is_refunded) == (at(6), True)


def test_an_order_refunded_whole_before_shipping_never_shipped() -> None:
    derived = derive_order(fold_order(snapshot(), refund_all(3)))

    assert (derived.first_shipped_at, derived.last_shipped_at, derived.is_refunded) == (None, None, True)


def test_a_cancelled_order_reads_cancelled() -> None:
    derived = derive_order(fold_order(snapshot(), snapshot(2, cancelled_at=at(2), cancel_reason="customer")))

    assert derived.is_cancelled is True


def test_texts_are_kept_whole_up_to_the_limit_and_a_single_long_one_is_cut() -> None:
    half = "x" * (MAX_TEXT_CHARS // 2)

    assert bounded_texts([half, half, "y"]) == (half,)
    assert bounded_texts([half, half[:-1], "y"]) == (half, half[:-1])
    assert bounded_texts(["z" * (MAX_TEXT_CHARS + 5)]) == ("z" * MAX_TEXT_CHARS,)
    assert bounded_texts(["a\nb", "  ", "c"]) == ("a b", "c")
