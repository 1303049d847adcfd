"""split_shipment: more than one active parcel; informational, operations, no hold."""

from __future__ import annotations

from orderline.domain.order_exceptions import DEFAULT_POLICY, EscalationDue, detect_split_shipment, merge
from orderline.domain.vocabulary import ShipmentState

from .detector_orders import SHIP_ALL, at, fold_order, shipment, snapshot


def test_one_parcel_is_not_a_split() -> None:
    order = fold_order(snapshot(0), shipment("S1", 5, *SHIP_ALL))

    assert detect_split_shipment(order, DEFAULT_POLICY, at(6)) == []


def test_two_parcels_open_when_the_second_is_created() -> None:
    order = fold_order(snapshot(0), shipment("S1", 5, ("L1", 2)), shipment("S2", 30, ("L2", 1)))

    (finding,) = detect_split_shipment(order, DEFAULT_POLICY, at(31))

    assert finding.key == "split_shipment:order"
    assert finding.opened_at == at(30)
    assert finding.owner == "operations"
    assert finding.hold is None
    assert finding.reason == "Order ships in 2 parcels"
    assert finding.data == (("shipment_count", "2"), ("shipment_ids", "S1,S2"))
    assert finding.due_levels == (EscalationDue(1, at(30), "operations"),)


def test_a_third_parcel_keeps_the_same_exception() -> None:
    order = fold_order(
        snapshot(0),
        shipment("S1", 5, ("L1", 1)),
        shipment("S2", 30, ("L1", 1)),
        shipment("S3", 40, ("L2", 1)),
    )

    (finding,) = detect_split_shipment(order, DEFAULT_POLICY, at(41))

    assert (finding.key, finding.opened_at) == ("split_shipment:order", at(30))
    assert dict(finding.data)["shipment_count"] == "3"


def test_a_cancelled_parcel_does_not_count() -> None:
    order = fold_order(
        snapshot(0),
        shipment("S1", 5, *SHIP_ALL, state=ShipmentState.CANCELLED),
        shipment("S2", 30, *SHIP_ALL),
    )

    assert detect_split_shipment(order, DEFAULT_POLICY, at(31)) == []


def test_disabled_detector_yields_nothing() -> None:
    policy = merge(DEFAULT_POLICY, {"split_shipment": {"enabled": False}})
    order = fold_order(snapshot(0), shipment("S1", 5, ("L1", 2)), shipment("S2", 30, ("L2", 1)))

    assert detect_split_shipment(order, policy, at(31)) == []
