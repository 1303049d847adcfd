"""delivery_exception: a carrier problem on an active parcel, opened when the parcel got it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from orderline.domain.order_exceptions import DEFAULT_POLICY, detect_delivery_exception, merge
from orderline.domain.vocabulary import DeliveryStatus, ShipmentState

from .detector_orders import SHIP_ALL, at, delivery, fold_order, refund_all, shipment, snapshot

D = DeliveryStatus


@pytest.mark.parametrize(
    ("status", "is_reported"),
    [
        (D.LABEL_CREATED, False),
        (D.IN_TRANSIT, False),
        (D.OUT_FOR_DELIVERY, False),
        (D.DELIVERED, False),
        (D.FAILED_ATTEMPT, True),
        (D.EXCEPTION, True),
        (D.RETURNED_TO_SENDER, True),
    ],
)
def test_carrier_statuses(status: DeliveryStatus, is_reported: bool) -> None:
    order = fold_order(snapshot(0), shipment("S1", 5, *SHIP_ALL), delivery("S1", 20, status))

    findings = detect_delivery_exception(order, DEFAULT_POLICY, at(21))

    assert [f.key for f in findings] == (["delivery_exception:S1"] if is_reported else [])


def test_opened_at_the_carrier_event_and_owned_by_support() -> None:
    order = fold_order(
        snapshot(0),
        shipment("S1", 5, *SHIP_ALL),
        delivery("S1", 10, D.IN_TRANSIT),
        delivery("S1", 20, D.EXCEPTION),
    )

    (finding,) = detect_delivery_exception(order, DEFAULT_POLICY, at(21))

    assert finding.opened_at == at(20)
    assert finding.owner == "support"
    assert finding.hold is None
    assert finding.reason == "Shipment S1: carrier (UPS) reports exception"
    assert finding.data == (
        ("carrier", "UPS"),
        ("delivery_status", "exception"),
        ("shipment_id", "S1"),
        ("since", at(20).isoformat()),
        ("tracking_numbers", "1ZS1"),
    )


def test_a_status_reported_on_the_shipment_record_opens_at_its_update() -> None:
    order = fold_order(
        snapshot(0), shipment("S1", 30, *SHIP_ALL, created_at=at(5), delivery_status=D.FAILED_ATTEMPT)
    )

    (finding,) = detect_delivery_exception(order, DEFAULT_POLICY, at(31))

    assert finding.opened_at == at(30)


def test_a_repeated_status_keeps_its_first_time() -> None:
    order = fold_order(
        snapshot(0),
        shipment("S1", 5, *SHIP_ALL),
        delivery("S1", 20, D.FAILED_ATTEMPT),
        delivery("S1", 44, D.FAILED_ATTEMPT),
    )

    (finding,) = detect_delivery_exception(order, DEFAULT_POLICY, at(45))

    assert finding.opened_at == at(20)


def test_a_new_problem_after_the_parcel_moved_again_opens_later() -> None:
    order = fold_order(
        snapshot(0),
        shipment("S1", 5, *SHIP_ALL),
        delivery("S1", 20, D.EXCEPTION),
        delivery("S1", 30, D.IN_TRANSIT),
        delivery("S1", 40, D.EXCEPTION),
    )

    (finding,) = detect_delivery_exception(order, DEFAULT_POLICY, at(41))

    assert finding.opened_at == at(40)


def test_the_parcel_moving_again_clears_the_exception() -> None:
    order = fold_order(
        snapshot(0),
        shipment("S1", 5, *SHIP_ALL),
        delivery("S1", 20, D.EXCEPTION),
        delivery("S1", 30, D.IN_TRANSIT),
    )

    assert detect_delivery_exception(order, DEFAULT_POLICY, at(31)) == []


def test_one_exception_per_parcel() -> None:
    order = fold_order(
        snapshot(0),
        shipment("S1", 5, ("L1", 2)),
        shipment("S2", 6, ("L2", 1)),
        delivery("S1", 20, D.FAILED_ATTEMPT),
        delivery("S2", 21, D.RETURNED_TO_SENDER),
    )

    findings = detect_delivery_exception(order, DEFAULT_POLICY, at(22))

    assert [(f.key, f.opened_at) for f in findings] == [
        ("delivery_exception:S1", at(20)),
        ("delivery_exception:S2", at(21)),
    ]


def test_a_cancelled_parcel_does_not_count() -> None:
    order = fold_order(
        snapshot(0),
        shipment("S1", 5, *SHIP_ALL, state=ShipmentState.CANCELLED),
        delivery("S1", 20, D.EXCEPTION),
    )

    assert detect_delivery_exception(order, DEFAULT_POLICY, at(21)) == []


def test_a_refunded_order_is_closed() -> None:
    order = fold_order(
        snapshot(0), shipment("S1", 5, *SHIP_ALL), delivery("S1", 20, D.RETURNED_TO_SENDER), refund_all(30)
    )

    assert detect_delivery_exception(order, DEFAULT_POLICY, at(31)) == []


def test_grace_and_statuses_are_policy_settings() -> None:
    policy = merge(
        DEFAULT_POLICY,
        {
            "delivery_exception": {
                "grace": timedelta(hours=2),
                "statuses": ["exception", "returned_to_sender"],
            }
        },
    )
    order = fold_order(
        snapshot(0),
        shipment("S1", 5, ("L1", 2)),
        shipment("S2", 6, ("L2", 1)),
        delivery("S1", 20, D.FAILED_ATTEMPT),
        delivery("S2", 20, D.EXCEPTION),
    )

    assert detect_delivery_exception(order, policy, at(21)) == []
    (finding,) = detect_delivery_exception(order, policy, at(22))
    assert (finding.key, finding.opened_at) == ("delivery_exception:S2", at(22))


def test_disabled_detector_yields_nothing() -> None:
    policy = merge(DEFAULT_POLICY, {"delivery_exception": {"enabled": False}})
    order = fold_order(snapshot(0), shipment("S1", 5, *SHIP_ALL), delivery("S1", 20, D.EXCEPTION))

    assert detect_delivery_exception(order, policy, at(21)) == []
