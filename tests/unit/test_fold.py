"""The fold: facts in any order, with any duplicates -> one Order state."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from orderline.domain.facts import (
    DeliveryEvent,
    Fact,
    HoldPlaced,
    HoldsReleased,
    LineItem,
    LineQuantity,
    OrderSnapshot,
    RefundRecorded,
    ShipmentRecorded,
    fact_from_dict,
    fact_key,
    fact_to_dict,
)
from orderline.domain.fold import fold, replay_order
from orderline.domain.lifecycle import Ownership
from orderline.domain.order import Order, order_from_dict, order_to_dict
from orderline.domain.vocabulary import (
    AnomalyKind,
    DeliveryStatus,
    FulfillmentStatus,
    HoldReason,
    OrderStatus,
    PaymentStatus,
    ShipmentState,
)

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
ORDER = "1001"


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def snapshot(minute: int = 0, **changes: object) -> OrderSnapshot:
    """Order 1001: two mugs (L1) and one tea (L2), 25.00 EUR, paid."""
    base = OrderSnapshot(
        order_id=ORDER,
        updated_at=at(minute),
        placed_at=T0,
        payment_status=PaymentStatus.PAID,
        lines=(LineItem("L1", "Mug", 2, Decimal("10.00"), "MUG"), LineItem("L2", "Tea", 1, Decimal("5.00"))),
        order_number="1001",
        email="ann@example.com",
        currency="EUR",
        total_price=Decimal("25.00"),
        platform_status="open",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def shipment(shipment_id: str, minute: int, *lines: tuple[str, int], **changes: object) -> ShipmentRecorded:
    base = ShipmentRecorded(
        order_id=ORDER,
        shipment_id=shipment_id,
        updated_at=at(minute),
        created_at=at(minute),
        lines=tuple(LineQuantity(line_id, quantity) for line_id, quantity in lines),
        carrier="UPS",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def delivery(shipment_id: str, minute: int, status: DeliveryStatus, event_id: str = "") -> DeliveryEvent:
    return DeliveryEvent(
        ORDER, shipment_id, event_id or f"{shipment_id}-{status}-{minute}", status, at(minute)
    )


def refund(
    refund_id: str, minute: int, amount: str, *lines: tuple[str, int], restock: bool = False
) -> RefundRecorded:
    quantities = tuple(LineQuantity(line_id, quantity) for line_id, quantity in lines)
    return RefundRecorded(ORDER, refund_id, at(minute), Decimal(amount), quantities, restock)


def hold(minute: int, reason: HoldReason, group: str = "FO-1") -> HoldPlaced:
    return HoldPlaced(ORDER, group, reason, at(minute))


def release(
    minute: int, group: str = "FO-1", remaining: frozenset[HoldReason] = frozenset()
) -> HoldsReleased:
    return HoldsReleased(ORDER, group, at(minute), remaining)


def fold_order(*facts: Fact, owners: Ownership | None = None) -> Order:
    order = fold("shop-eu", ORDER, facts, owners)
    assert order is not None
    return order


def kinds(order: Order) -> list[str]:
    return [entry.kind for entry in order.timeline]


def summaries(order: Order, kind: str) -> list[str]:
    return [entry.summary for entry in order.timeline if entry.kind == kind]


SHIP_ALL = (("L1", 2), ("L2", 1))


# --- basics ---------------------------------------------------------------------------


def test_fold_without_a_snapshot_is_none() -> None:
    assert fold("shop-eu", ORDER, [shipment("S1", 5, *SHIP_ALL)]) is None
    assert fold("shop-eu", ORDER, []) is None


def test_paid_order_is_ready_to_fulfill_and_owned_by_operations() -> None:
    order = fold_order(snapshot())

    assert order.status is OrderStatus.READY_TO_FULFILL
    assert order.payment_status is PaymentStatus.PAID
    assert order.fulfillment_status is FulfillmentStatus.UNFULFILLED
    assert order.owner == "operations"
    assert [(line.line_id, line.shipped_quantity, line.refunded_quantity) for line in order.lines] == [
        ("L1", 0, 0),
        ("L2", 0, 0),
    ]
    assert kinds(order) == ["order_placed", "status_changed"]
    assert order.timeline[1].summary == "Status set to ready_to_fulfill"


def test_unpaid_order_is_pending_payment_and_owned_by_support() -> None:
    order = fold_order(snapshot(payment_status=PaymentStatus.PENDING))

    assert order.status is OrderStatus.PENDING_PAYMENT
    assert order.owner == "support"


def test_facts_of_other_orders_are_ignored() -> None:
    foreign = replace(shipment("S9", 5, *SHIP_ALL), order_id="2002")

    order = fold_order(snapshot(), foreign)

    assert order.shipments == ()
    assert order.status is OrderStatus.READY_TO_FULFILL


# --- convergence ----------------------------------------------------------------------


def test_stale_snapshot_does_not_roll_back_status() -> None:
    # given an order that was paid at minute 10, and a pending snapshot from minute 1
    paid = snapshot(10)
    stale = snapshot(1, payment_status=PaymentStatus.PENDING)

    # when the stale retry arrives last
    order = fold_order(paid, stale)

    # then the newer snapshot still wins, and the stale one only sits in history
    assert order.status is OrderStatus.READY_TO_FULFILL
    assert order.payment_status is PaymentStatus.PAID
    assert summaries(order, "status_changed") == [
        "Status set to pending_payment",
        "Status changed from pending_payment to ready_to_fulfill",
    ]
    assert order == fold_order(stale, paid)


def test_snapshots_with_the_same_updated_at_resolve_to_the_larger_fact_key() -> None:
    paid = snapshot(5)
    voided = snapshot(5, payment_status=PaymentStatus.VOIDED)
    winner = max(paid, voided, key=fact_key)

    assert fold_order(paid, voided).payment_status is winner.payment_status
    assert fold_order(voided, paid).payment_status is winner.payment_status


def test_duplicates_do_not_change_the_state() -> None:
    facts: list[Fact] = [snapshot(), shipment("S1", 5, ("L1", 2)), refund("R1", 6, "5.00", ("L2", 1))]

    once = fold_order(*facts)
    thrice = fold_order(*facts, *reversed(facts), *facts)

    assert thrice == once
    assert summaries(once, "refund_recorded") == ["Refund R1 of 5.00 EUR recorded"]


def test_a_duplicate_read_back_from_storage_counts_once() -> None:
    facts: list[Fact] = [snapshot(), shipment("S1", 5, ("L1", 2)), hold(6, HoldReason.ADDRESS)]
    copies = [fact_from_dict(json.loads(json.dumps(fact_to_dict(fact)))) for fact in facts]

    assert fold_order(*facts, *copies) == fold_order(*facts)


def test_equal_facts_spelled_differently_count_once_and_deterministically() -> None:
    # given the same refund learned twice: amounts 5.0 and 5.00, the same instant in two zones
    utc = refund("R1", 6, "5.0")
    paris = replace(refund("R1", 6, "5.00"), created_at=at(6).astimezone(timezone(timedelta(hours=1))))

    # when folded in either order
    first = fold_order(snapshot(), utc, paris)
    second = fold_order(snapshot(), paris, utc)

    # then one refund is kept, the same one both times
    assert first == second
    assert len(first.refunds) == 1
    assert first.refunds[0].amount.as_tuple() == max(utc, paris, key=fact_key).amount.as_tuple()


def test_shipment_learned_before_the_snapshot_counts_once_the_snapshot_arrives() -> None:
    # given a shipment whose webhook is older than the first snapshot we have
    early = shipment("S1", 5, *SHIP_ALL)

    # when only the shipment is known, there is no order yet
    assert fold("shop-eu", ORDER, [early]) is None

    # then with the snapshot it counts, with no unknown-line anomaly
    order = fold_order(early, snapshot(20))
    assert order.status is OrderStatus.SHIPPED
    assert order.fulfillment_status is FulfillmentStatus.FULFILLED
    assert [line.shipped_quantity for line in order.lines] == [2, 1]
    assert order.anomalies == ()
    assert kinds(order) == ["order_placed", "shipment_created", "status_changed"]


def test_replay_order_is_by_time_then_kind() -> None:
    placed = snapshot(5)
    shipped = shipment("S1", 5, *SHIP_ALL)
    on_hold = hold(5, HoldReason.ADDRESS)
    released = release(5)
    early_refund = refund("R1", 1, "1.00")

    assert replay_order(ORDER, [released, on_hold, shipped, early_refund, placed]) == [
        early_refund,
        placed,
        shipped,
        on_hold,
        released,
    ]


# --- shipments and delivery -------------------------------------------------------------


def test_split_shipment_moves_through_partially_shipped_shipped_and_delivered() -> None:
    order = fold_order(
        snapshot(),
        shipment("S1", 10, ("L1", 2)),
        shipment("S2", 20, ("L2", 1)),
        delivery("S1", 30, DeliveryStatus.DELIVERED),
        delivery("S2", 40, DeliveryStatus.IN_TRANSIT),
        delivery("S2", 50, DeliveryStatus.DELIVERED),
    )

    assert order.status is OrderStatus.DELIVERED
    assert order.owner == "support"
    assert summaries(order, "status_changed") == [
        "Status set to ready_to_fulfill",
        "Status changed from ready_to_fulfill to partially_shipped",
        "Status changed from partially_shipped to shipped",
        "Status changed from shipped to delivered",
    ]
    assert [(s.shipment_id, s.delivery_status, s.delivered_at) for s in order.shipments] == [
        ("S1", DeliveryStatus.DELIVERED, at(30)),
        ("S2", DeliveryStatus.DELIVERED, at(50)),
    ]


def test_delivered_beats_in_transit_at_the_same_instant() -> None:
    facts: list[Fact] = [
        snapshot(),
        shipment("S1", 10, *SHIP_ALL),
        delivery("S1", 30, DeliveryStatus.DELIVERED),
        delivery("S1", 30, DeliveryStatus.IN_TRANSIT),
    ]

    assert fold_order(*facts).status is OrderStatus.DELIVERED
    assert fold_order(*reversed(facts)).status is OrderStatus.DELIVERED


def test_shipment_delivery_status_counts_as_an_event_at_its_updated_at() -> None:
    # given a carrier event at minute 30, and the platform's own record saying in_transit at 20
    order = fold_order(
        snapshot(),
        shipment("S1", 20, *SHIP_ALL, delivery_status=DeliveryStatus.IN_TRANSIT),
        delivery("S1", 30, DeliveryStatus.DELIVERED),
    )

    # then the later one wins
    assert order.shipments[0].delivery_status is DeliveryStatus.DELIVERED
    assert order.status is OrderStatus.DELIVERED


def test_delivered_at_is_the_first_of_consecutive_delivered_scans() -> None:
    order = fold_order(
        snapshot(),
        shipment("S1", 10, *SHIP_ALL),
        delivery("S1", 30, DeliveryStatus.DELIVERED),
        shipment("S1", 40, *SHIP_ALL, delivery_status=DeliveryStatus.DELIVERED),
    )

    assert order.shipments[0].delivered_at == at(30)


def test_cancelled_shipment_ships_nothing() -> None:
    order = fold_order(
        snapshot(),
        shipment("S1", 10, *SHIP_ALL),
        shipment("S1", 20, *SHIP_ALL, state=ShipmentState.CANCELLED),
    )

    assert order.status is OrderStatus.READY_TO_FULFILL
    assert order.fulfillment_status is FulfillmentStatus.UNFULFILLED
    assert [line.shipped_quantity for line in order.lines] == [0, 0]
    assert order.shipments[0].state is ShipmentState.CANCELLED
    assert summaries(order, "shipment_updated") == ["Shipment S1 updated (cancelled)"]
    assert order.anomalies == ()  # shipped -> ready_to_fulfill is a fulfilment cancelled on the platform


def test_stale_shipment_record_does_not_undo_a_cancellation() -> None:
    cancelled = shipment("S1", 20, *SHIP_ALL, state=ShipmentState.CANCELLED)
    stale = shipment("S1", 10, *SHIP_ALL)

    assert fold_order(snapshot(), cancelled, stale).status is OrderStatus.READY_TO_FULFILL


# --- holds ----------------------------------------------------------------------------


def test_hold_puts_the_order_on_hold_owned_by_the_hold_owner() -> None:
    order = fold_order(snapshot(), hold(5, HoldReason.FRAUD_REVIEW))

    assert order.status is OrderStatus.ON_HOLD
    assert order.owner == "operations"
    assert [(h.hold_group, h.reason, h.owner, h.placed_at) for h in order.holds] == [
        ("FO-1", HoldReason.FRAUD_REVIEW, "operations", at(5))
    ]


def test_release_keeps_the_reasons_still_listed_open() -> None:
    # given one fulfilment order held for address and payment
    facts: list[Fact] = [snapshot(), hold(5, HoldReason.ADDRESS), hold(5, HoldReason.PAYMENT)]

    # when the address hold is released and payment remains
    order = fold_order(*facts, release(10, remaining=frozenset({HoldReason.PAYMENT})))

    # then only the payment hold is open and the order stays on hold
    assert [h.reason for h in order.holds] == [HoldReason.PAYMENT]
    assert order.status is OrderStatus.ON_HOLD
    assert summaries(order, "hold_released") == ["Hold released on FO-1: address"]


def test_releasing_every_reason_returns_the_order_to_ready_to_fulfill() -> None:
    order = fold_order(snapshot(), hold(5, HoldReason.ADDRESS), hold(5, HoldReason.PAYMENT), release(10))

    assert order.holds == ()
    assert order.status is OrderStatus.READY_TO_FULFILL
    assert summaries(order, "status_changed")[-1] == "Status changed from on_hold to ready_to_fulfill"


def test_release_of_one_group_leaves_other_groups_held() -> None:
    order = fold_order(
        snapshot(),
        hold(5, HoldReason.BACKORDER, "FO-1"),
        hold(5, HoldReason.ADDRESS, "FO-2"),
        release(10, "FO-1"),
    )

    assert [(h.hold_group, h.reason) for h in order.holds] == [("FO-2", HoldReason.ADDRESS)]
    assert order.owner == "support"


def test_hold_placed_and_released_at_the_same_instant_is_released() -> None:
    order = fold_order(snapshot(), release(5), hold(5, HoldReason.ADDRESS))

    assert order.holds == ()
    assert order.status is OrderStatus.READY_TO_FULFILL


def test_hold_placed_again_after_a_release_is_open() -> None:
    order = fold_order(snapshot(), hold(5, HoldReason.ADDRESS), release(10), hold(15, HoldReason.ADDRESS))

    assert [(h.reason, h.placed_at) for h in order.holds] == [(HoldReason.ADDRESS, at(15))]


def test_a_repeated_placement_keeps_the_first_placement_time() -> None:
    order = fold_order(snapshot(), hold(5, HoldReason.ADDRESS), hold(8, HoldReason.ADDRESS))

    assert [h.placed_at for h in order.holds] == [at(5)]
    assert summaries(order, "hold_placed") == ["Hold placed on FO-1: address"]


def test_on_hold_owner_follows_priority_and_configured_owners() -> None:
    facts: list[Fact] = [snapshot(), hold(5, HoldReason.BACKORDER), hold(5, HoldReason.ADDRESS)]

    assert fold_order(*facts).owner == "support"
    assert fold_order(*facts, owners=Ownership(holds={HoldReason.ADDRESS: "logistics"})).owner == "logistics"


# --- refunds and payment ----------------------------------------------------------------


def test_partial_refund_marks_payment_partially_refunded_and_counts_the_line() -> None:
    order = fold_order(snapshot(), refund("R1", 5, "5.00", ("L2", 1)))

    assert order.payment_status is PaymentStatus.PARTIALLY_REFUNDED
    assert [line.refunded_quantity for line in order.lines] == [0, 1]
    assert order.status is OrderStatus.READY_TO_FULFILL
    assert summaries(order, "payment_changed") == ["Payment changed from paid to partially_refunded"]


def test_partially_refunded_line_is_fulfilled_by_shipping_the_rest() -> None:
    order = fold_order(snapshot(), refund("R1", 5, "5.00", ("L2", 1)), shipment("S1", 10, ("L1", 2)))

    assert order.fulfillment_status is FulfillmentStatus.FULFILLED
    assert order.status is OrderStatus.SHIPPED


def test_full_refund_before_shipping_is_refunded() -> None:
    order = fold_order(snapshot(), refund("R1", 5, "25.00", ("L1", 2), ("L2", 1)))

    assert order.payment_status is PaymentStatus.REFUNDED
    assert order.status is OrderStatus.REFUNDED
    assert order.fulfillment_status is FulfillmentStatus.UNFULFILLED
    assert order.owner == "support"


def test_restocked_refund_of_every_delivered_unit_is_returned() -> None:
    order = fold_order(
        snapshot(),
        shipment("S1", 10, *SHIP_ALL),
        delivery("S1", 20, DeliveryStatus.DELIVERED),
        refund("R1", 30, "25.00", ("L1", 2), ("L2", 1), restock=True),
    )

    assert order.status is OrderStatus.RETURNED
    assert summaries(order, "status_changed")[-1] == "Status changed from delivered to returned"


def test_refund_without_lines_after_delivery_keeps_delivered() -> None:
    order = fold_order(
        snapshot(),
        shipment("S1", 10, *SHIP_ALL),
        delivery("S1", 20, DeliveryStatus.DELIVERED),
        refund("R1", 30, "25.00"),
    )

    assert order.payment_status is PaymentStatus.REFUNDED
    assert order.status is OrderStatus.DELIVERED


# --- cancellation and anomalies -----------------------------------------------------------


def test_cancelled_snapshot_cancels_the_order() -> None:
    order = fold_order(snapshot(), snapshot(10, cancelled_at=at(9), cancel_reason="customer"))

    assert order.status is OrderStatus.CANCELLED
    assert order.cancelled_at == at(9)
    assert summaries(order, "cancelled") == ["Order cancelled: customer"]
    assert order.anomalies == ()


def test_over_shipment_is_an_anomaly_not_an_error() -> None:
    order = fold_order(snapshot(), shipment("S1", 10, *SHIP_ALL), shipment("S2", 20, ("L1", 1)))

    assert order.status is OrderStatus.SHIPPED
    assert order.lines[0].shipped_quantity == 3
    assert [(a.kind, a.detail, a.at) for a in order.anomalies] == [
        (AnomalyKind.OVER_SHIPPED, "Line L1 shipped 3 of 2 ordered", at(20))
    ]
    assert order.timeline[-1].summary == "Line L1 shipped 3 of 2 ordered"


def test_shipment_of_an_unknown_line_is_an_anomaly() -> None:
    order = fold_order(snapshot(), shipment("S1", 10, ("L9", 1)))

    assert [(a.kind, a.detail) for a in order.anomalies] == [
        (AnomalyKind.UNKNOWN_LINE, "Shipment S1 refers to unknown line L9")
    ]
    assert order.status is OrderStatus.READY_TO_FULFILL


def test_impossible_transition_is_applied_and_recorded() -> None:
    # given a delivered order
    facts: list[Fact] = [
        snapshot(),
        shipment("S1", 10, *SHIP_ALL),
        delivery("S1", 20, DeliveryStatus.DELIVERED),
    ]

    # when the platform then reports its only shipment cancelled
    order = fold_order(*facts, shipment("S1", 30, *SHIP_ALL, state=ShipmentState.CANCELLED))

    # then the facts win, and the move is flagged rather than raised
    assert order.status is OrderStatus.READY_TO_FULFILL
    detail = "Can't move order 1001 from delivered to ready_to_fulfill"
    assert [(a.kind, a.detail, a.at) for a in order.anomalies] == [
        (AnomalyKind.IMPOSSIBLE_TRANSITION, detail, at(30))
    ]
    assert [(e.kind, e.summary) for e in order.timeline[-2:]] == [
        ("status_changed", "Status changed from delivered to ready_to_fulfill"),
        ("anomaly", detail),
    ]


def test_uncancelled_order_is_an_impossible_transition() -> None:
    order = fold_order(snapshot(), snapshot(10, cancelled_at=at(10)), snapshot(20))

    assert order.status is OrderStatus.READY_TO_FULFILL
    assert [a.detail for a in order.anomalies] == ["Can't move order 1001 from cancelled to ready_to_fulfill"]


# --- the serialised form --------------------------------------------------------------


def test_order_round_trips_through_json() -> None:
    order = fold_order(
        snapshot(),
        shipment("S1", 10, ("L1", 3), tracking_numbers=("1Z",)),
        delivery("S1", 20, DeliveryStatus.DELIVERED),
        refund("R1", 30, "5.00", ("L2", 1)),
        hold(40, HoldReason.OTHER),
    )

    restored = order_from_dict(json.loads(json.dumps(order_to_dict(order))))

    assert restored == order


def test_order_dict_uses_plain_json_values() -> None:
    data = order_to_dict(fold_order(snapshot(), shipment("S1", 10, ("L1", 2))))

    assert data["status"] == "partially_shipped"
    assert data["total_price"] == "25.00"
    assert data["placed_at"] == "2024-03-01T09:00:00+00:00"
    assert data["shipments"][0]["lines"] == [{"line_id": "L1", "quantity": 2}]
    assert data["timeline"][-1]["data"] == {"current": "partially_shipped", "previous": "ready_to_fulfill"}


# --- convergence, generatively ----------------------------------------------------------

# A small plausible history with deliberate ties: two snapshots at one instant, a hold
# released at the instant it was placed, two carrier events at one instant, a shipment
# record superseded by its cancellation, and the same refund spelled two ways.
HISTORY: list[Fact] = [
    snapshot(0, payment_status=PaymentStatus.PENDING),
    snapshot(5),
    snapshot(5, payment_status=PaymentStatus.AUTHORIZED),
    snapshot(60, cancelled_at=at(60), cancel_reason="fraud"),
    hold(2, HoldReason.FRAUD_REVIEW),
    hold(2, HoldReason.ADDRESS),
    release(8, remaining=frozenset({HoldReason.ADDRESS})),
    release(12),
    hold(12, HoldReason.BACKORDER, "FO-2"),
    shipment("S1", 15, ("L1", 2)),
    shipment("S1", 25, ("L1", 2), state=ShipmentState.CANCELLED),
    shipment("S2", 18, ("L1", 1), ("L2", 1), delivery_status=DeliveryStatus.IN_TRANSIT),
    shipment("S3", 19, ("L9", 1)),
    delivery("S2", 30, DeliveryStatus.DELIVERED),
    delivery("S2", 30, DeliveryStatus.EXCEPTION),
    delivery("S1", 20, DeliveryStatus.DELIVERED),
    refund("R1", 40, "5.0", ("L2", 1), restock=True),
    replace(
        refund("R1", 40, "5.00", ("L2", 1), restock=True),
        created_at=at(40).astimezone(timezone(timedelta(hours=2))),
    ),
    refund("R2", 45, "20.00", ("L1", 2)),
]


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_fold_is_the_same_for_any_arrival_order_and_duplicates(data: st.DataObject) -> None:
    # given any subset of the history
    chosen = data.draw(st.lists(st.sampled_from(HISTORY), unique_by=fact_key), label="facts")
    # when it arrives shuffled and with duplicates
    duplicates = data.draw(st.lists(st.sampled_from(chosen), max_size=5) if chosen else st.just([]))
    arrival = data.draw(st.permutations(chosen + duplicates), label="arrival")

    shuffled = fold("shop-eu", ORDER, arrival)
    in_order = fold("shop-eu", ORDER, sorted(chosen, key=lambda f: (f.occurred_at, fact_key(f))))

    # then the state is the same as folding the facts in time order
    if in_order is None:
        assert shuffled is None
    else:
        assert shuffled is not None
        assert order_to_dict(shuffled) == order_to_dict(in_order)
        assert order_from_dict(json.loads(json.dumps(order_to_dict(shuffled)))) == shuffled


def test_every_timeline_entry_keeps_its_data_sorted_by_key() -> None:
    # The serialised form sorts data keys (some stores reorder JSON objects), so the fold
    # must produce them sorted too or a round trip would not give back an equal order.
    order = fold_order(*HISTORY, hold(70, HoldReason.OTHER), shipment("S4", 80, ("L1", 1)))

    assert {entry.kind for entry in order.timeline} >= {
        "order_placed", "status_changed", "payment_changed", "shipment_created", "shipment_updated",
        "delivery_event", "refund_recorded", "hold_placed", "hold_released", "cancelled", "anomaly",
    }  # fmt: skip
    assert [entry.data for entry in order.timeline] == [tuple(sorted(entry.data)) for entry in order.timeline]


def test_unmapped_platform_status_is_a_visible_anomaly_until_a_later_snapshot_maps_it() -> None:
    from dataclasses import replace

    from orderline.domain.facts import LineItem, OrderSnapshot
    from orderline.domain.vocabulary import AnomalyKind, PaymentStatus

    t0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    unmapped = OrderSnapshot(
        order_id="7",
        updated_at=t0,
        placed_at=t0,
        payment_status=PaymentStatus.PAID,
        lines=(LineItem("l1", "Mug", 1),),
        platform_status="awaiting-pickup-x",
        unmapped_status="awaiting-pickup-x",
    )
    mapped_later = replace(unmapped, updated_at=t0 + timedelta(hours=1), unmapped_status=None)

    flagged = fold("s", "7", [unmapped])
    cleared = fold("s", "7", [unmapped, mapped_later])

    assert flagged is not None and cleared is not None
    assert [(a.kind, a.at) for a in flagged.anomalies] == [(AnomalyKind.UNMAPPED_STATUS, t0)]
    assert "awaiting-pickup-x" in flagged.anomalies[0].detail
    assert cleared.anomalies == ()
