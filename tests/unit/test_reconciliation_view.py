"""Reconciliation's views and diffs: what Orderline and the platform can both say about an order.

Orderline's side is the fold of everything it learned; the platform's side is the fold of
what a sweep fetched (`platform_view`). Orders are order 5001 of `detector_orders`: two
mugs (L1) and a tea (L2), 25.00 paid.
"""

from __future__ import annotations

from dataclasses import fields
from decimal import Decimal

import pytest

from orderline.domain.facts import DriftField, Fact, HoldPlaced, LineQuantity, RefundRecorded
from orderline.domain.order import HOLD_GROUP_PREFIX
from orderline.domain.reconciliation import (
    RECONCILED_FIELDS,
    ReconcileView,
    differences,
    field_text,
    platform_view,
    view_of,
)
from orderline.domain.vocabulary import HoldReason, PaymentStatus, ShipmentState
from tests.unit.detector_orders import (
    ORDER,
    SHIP_ALL,
    at,
    fold_order,
    hold,
    refund_all,
    release,
    shipment,
    snapshot,
)

PLACED = snapshot(0)


def orderline_hold(hours: float, reason: HoldReason = HoldReason.ADDRESS) -> HoldPlaced:
    """A hold Orderline placed itself for an exception, as exception evaluation records it."""
    return HoldPlaced(ORDER, f"{HOLD_GROUP_PREFIX}address_invalid:postal_code", reason, at(hours))


def partial_refund(hours: float) -> RefundRecorded:
    return RefundRecorded(ORDER, "R-1", at(hours), Decimal("10"), (LineQuantity("L1", 1),))


def diff(ours: tuple[Fact, ...], theirs: tuple[Fact, ...]) -> list[tuple[str, str, str]]:
    found = differences(view_of(fold_order(*ours)), platform_view(theirs))
    return [(d.field, d.orderline, d.platform) for d in found]


def test_the_same_facts_give_equal_views_and_no_difference() -> None:
    facts = (PLACED, shipment("S1", 2, ("L1", 1)), partial_refund(3), hold(4, HoldReason.BACKORDER))

    ours, theirs = view_of(fold_order(*facts)), platform_view(facts)

    assert ours == theirs
    assert differences(ours, theirs) == ()


def test_a_cancellation_only_on_the_platform_differs_in_status_and_cancelled() -> None:
    cancelled = snapshot(5, cancelled_at=at(5), cancel_reason="customer")

    assert diff((PLACED,), (PLACED, cancelled)) == [
        ("status", "ready_to_fulfill", "cancelled"),
        ("cancelled", "no", "yes"),
    ]


def test_a_partial_refund_only_on_the_platform_differs_in_payment_refunds_and_amount() -> None:
    assert diff((PLACED,), (PLACED, partial_refund(3))) == [
        ("payment", "paid", "partially_refunded"),
        ("refunds", "-", "R-1"),
        ("refunded", "0.00", "10.00"),
    ]


def test_a_shipment_only_on_the_platform_differs_in_status_quantities_and_tracking() -> None:
    assert diff((PLACED,), (PLACED, shipment("S1", 2, ("L1", 2)))) == [
        ("status", "ready_to_fulfill", "partially_shipped"),
        ("shipped", "-", "line L1: 2"),
        ("tracking", "-", "1ZS1"),
    ]


def test_a_payment_the_platform_has_captured_differs_in_status_and_payment() -> None:
    pending = snapshot(0, payment_status=PaymentStatus.PENDING)

    assert diff((pending,), (pending, snapshot(1))) == [
        ("status", "pending_payment", "ready_to_fulfill"),
        ("payment", "pending", "paid"),
    ]


def test_a_hold_only_on_the_platform_differs_in_status_and_holds() -> None:
    assert diff((PLACED,), (PLACED, hold(1, HoldReason.FRAUD_REVIEW))) == [
        ("status", "ready_to_fulfill", "on_hold"),
        ("holds", "-", "fraud_review"),
    ]


def test_a_hold_released_on_the_platform_only_differs_the_other_way() -> None:
    held = (PLACED, hold(1, HoldReason.ADDRESS))

    assert diff(held, (*held, release(2))) == [
        ("status", "on_hold", "ready_to_fulfill"),
        ("holds", "address", "-"),
    ]


def test_an_orderline_hold_is_not_drift() -> None:
    # given an order Orderline holds for an address problem, which the platform never heard of
    ours = fold_order(PLACED, orderline_hold(1))
    assert ours.status == "on_hold"

    # when it is compared with the platform's view
    view = view_of(ours)

    # then the view is the order as it would be without the hold, and nothing differs
    assert (view.status, view.holds) == ("ready_to_fulfill", ())
    assert differences(view, platform_view((PLACED,))) == ()


def test_an_orderline_hold_next_to_a_platform_hold_shows_only_the_platforms() -> None:
    view = view_of(fold_order(PLACED, orderline_hold(1), hold(2, HoldReason.BACKORDER)))

    assert (view.status, view.holds) == ("on_hold", ("backorder",))


@pytest.mark.parametrize(
    "history",
    [
        (PLACED,),
        (snapshot(0, payment_status=PaymentStatus.PENDING),),
        (snapshot(0, payment_status=PaymentStatus.PENDING), shipment("S1", 1, ("L1", 1))),
        (PLACED, shipment("S1", 1, ("L1", 2))),
        (PLACED, shipment("S1", 1, ("L1", 2)), partial_refund(2)),
        (PLACED, shipment("S1", 1, ("L1", 1)), refund_all(2)),
        # All the money back, but not for the mug that shipped: still partially shipped.
        (PLACED, shipment("S1", 1, ("L1", 1)), RefundRecorded(ORDER, "R-2", at(2), Decimal(25), ())),
        (PLACED, shipment("S1", 1, *SHIP_ALL)),
        (PLACED, refund_all(2)),
        (PLACED, snapshot(3, cancelled_at=at(3))),
        (PLACED, hold(0.5, HoldReason.FRAUD_REVIEW)),
    ],
    ids=lambda history: "+".join(type(fact).__name__ for fact in history),
)
def test_an_orderline_hold_leaves_the_view_as_if_it_had_never_been_placed(history: tuple[Fact, ...]) -> None:
    # The view's status is derived without refolding; refolding without the hold must agree.
    with_hold = view_of(fold_order(*history, orderline_hold(4, HoldReason.PAYMENT)))

    assert with_hold == view_of(fold_order(*history))


def test_a_cancelled_shipment_ships_nothing_and_tracks_nothing() -> None:
    shipped = shipment("S1", 1, ("L1", 2))
    cancelled = shipment("S1", 2, ("L1", 2), state=ShipmentState.CANCELLED)

    view = view_of(fold_order(PLACED, shipped, cancelled))

    assert (view.shipped, view.tracking) == ((), ())


def test_refunded_amounts_spelled_differently_are_the_same_amount() -> None:
    refund = partial_refund(3)
    respelled = RefundRecorded(ORDER, "R-1", at(3), Decimal("10.00"), refund.lines)

    assert diff((PLACED, refund), (PLACED, respelled)) == []


def test_field_texts_read_as_people_write_them() -> None:
    view = ReconcileView(
        status="partially_shipped",
        payment="partially_refunded",
        cancelled=False,
        shipped=(("11", 2), ("12", 1)),
        tracking=("1ZA", "1ZB"),
        refunds=("R-1",),
        refunded=Decimal("12.5"),
        holds=(),
    )

    assert {name: field_text(view, name) for name in RECONCILED_FIELDS} == {
        "status": "partially_shipped",
        "payment": "partially_refunded",
        "cancelled": "no",
        "shipped": "line 11: 2, line 12: 1",
        "tracking": "1ZA, 1ZB",
        "refunds": "R-1",
        "refunded": "12.50",
        "holds": "-",
    }


def test_the_reconciled_fields_are_the_views_fields_in_order() -> None:
    assert tuple(f.name for f in fields(ReconcileView)) == RECONCILED_FIELDS


def test_an_unknown_field_is_refused_by_name() -> None:
    view = view_of(fold_order(PLACED))

    with pytest.raises(ValueError, match="'colour'"):
        field_text(view, "colour")


def test_differences_list_every_differing_field_in_order() -> None:
    ours = view_of(fold_order(PLACED))
    theirs = platform_view(
        (PLACED, shipment("S1", 1, ("L1", 1)), partial_refund(2), hold(3, HoldReason.OTHER))
    )

    assert [d.field for d in differences(ours, theirs)] == [
        "status", "payment", "shipped", "tracking", "refunds", "refunded", "holds",
    ]  # fmt: skip
    assert differences(ours, theirs)[0] == DriftField("status", "ready_to_fulfill", "on_hold")


def test_the_platform_view_needs_a_snapshot() -> None:
    with pytest.raises(ValueError, match="no snapshot of order 5001"):
        platform_view((shipment("S1", 1, ("L1", 1)),))
    with pytest.raises(ValueError, match="no facts"):
        platform_view(())
