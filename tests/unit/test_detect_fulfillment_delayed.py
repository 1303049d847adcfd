"""fulfillment_delayed: not fully shipped within the SLA, in business hours on the store's calendar."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from orderline.domain.order_exceptions import (
    DEFAULT_POLICY,
    BusinessCalendar,
    detect_fulfillment_delayed,
    merge,
)
from orderline.domain.vocabulary import HoldReason, PaymentStatus

from .detector_orders import SHIP_ALL, T0, at, fold_order, hold, placed, release, shipment, snapshot

MINUTE = timedelta(minutes=1)
# T0 is Monday 09:00 UTC; the default calendar counts whole weekdays, so 48 business
# hours later is Wednesday 09:00.
DUE = datetime(2027, 3, 3, 9, 0, tzinfo=UTC)


def test_reported_exactly_at_the_sla_boundary() -> None:
    (finding,) = detect_fulfillment_delayed(placed(), DEFAULT_POLICY, DUE)

    assert finding.key == "fulfillment_delayed:sla"
    assert finding.opened_at == DUE
    assert finding.owner == "operations"
    assert finding.hold is None
    assert finding.reason == f"Not fully shipped within 48 business hours (due {DUE.isoformat()})"
    assert finding.data == (
        ("clock_started_at", T0.isoformat()),
        ("due_at", DUE.isoformat()),
        ("sla_business_hours", "48"),
    )


def test_not_reported_one_minute_before() -> None:
    assert detect_fulfillment_delayed(placed(), DEFAULT_POLICY, DUE - MINUTE) == []


def test_weekends_do_not_count() -> None:
    # Placed Friday 09:00 UTC: Friday, Monday -> due Tuesday 09:00.
    friday = datetime(2027, 3, 5, 9, 0, tzinfo=UTC)
    order = placed(placed_at=friday, updated_at=friday)

    assert detect_fulfillment_delayed(order, DEFAULT_POLICY, datetime(2027, 3, 9, 8, 59, tzinfo=UTC)) == []
    (finding,) = detect_fulfillment_delayed(order, DEFAULT_POLICY, datetime(2027, 3, 9, 9, 0, tzinfo=UTC))
    assert finding.opened_at == datetime(2027, 3, 9, 9, 0, tzinfo=UTC)


def test_sla_on_a_store_calendar_with_opening_hours_and_a_holiday() -> None:
    # A London warehouse, 9-17, that ships within two working days (16 business hours).
    london = BusinessCalendar("Europe/London", opens_at=time(9), closes_at=time(17))
    policy = merge(DEFAULT_POLICY, {"fulfillment_delayed": {"sla_business_hours": 16}})
    friday_3pm = datetime(2027, 3, 19, 15, 0, tzinfo=UTC)  # GMT: 15:00 local
    order = placed(placed_at=friday_3pm, updated_at=friday_3pm)
    # Friday 2 h, Monday 8 h, Tuesday 6 h -> Tuesday 23 March 15:00.
    due = datetime(2027, 3, 23, 15, 0, tzinfo=UTC)

    assert detect_fulfillment_delayed(order, policy, due - MINUTE, london) == []
    (finding,) = detect_fulfillment_delayed(order, policy, due, london)
    assert finding.opened_at == due


def test_the_clock_starts_when_the_payment_arrives() -> None:
    order = fold_order(
        snapshot(0, payment_status=PaymentStatus.PENDING), snapshot(30, payment_status=PaymentStatus.PAID)
    )
    due = at(30 + 48)  # Tuesday 15:00 + two whole weekdays = Thursday 15:00

    assert detect_fulfillment_delayed(order, DEFAULT_POLICY, due - MINUTE) == []
    (finding,) = detect_fulfillment_delayed(order, DEFAULT_POLICY, due)
    assert dict(finding.data)["clock_started_at"] == at(30).isoformat()


def test_the_clock_starts_when_a_hold_from_checkout_is_released() -> None:
    order = fold_order(snapshot(0), hold(0, HoldReason.FRAUD_REVIEW), release(6))

    (finding,) = detect_fulfillment_delayed(order, DEFAULT_POLICY, at(6 + 48))

    assert finding.opened_at == at(6 + 48)


def test_an_order_on_hold_is_left_to_its_hold() -> None:
    order = fold_order(snapshot(0), hold(10, HoldReason.CUSTOMER_REQUEST))

    assert detect_fulfillment_delayed(order, DEFAULT_POLICY, at(100)) == []


def test_after_the_hold_is_released_a_late_order_is_reported_at_its_due_time() -> None:
    order = fold_order(snapshot(0), hold(10, HoldReason.CUSTOMER_REQUEST), release(90))

    (finding,) = detect_fulfillment_delayed(order, DEFAULT_POLICY, at(100))

    assert finding.opened_at == DUE


def test_a_partially_shipped_order_is_still_late() -> None:
    order = fold_order(snapshot(0), shipment("S1", 5, ("L1", 2)))

    assert [f.key for f in detect_fulfillment_delayed(order, DEFAULT_POLICY, DUE)] == [
        "fulfillment_delayed:sla"
    ]


@pytest.mark.parametrize("ship_hour", [5, 60])
def test_a_fully_shipped_order_is_never_late(ship_hour: int) -> None:
    order = fold_order(snapshot(0), shipment("S1", ship_hour, *SHIP_ALL))

    assert detect_fulfillment_delayed(order, DEFAULT_POLICY, at(200)) == []


def test_an_unpaid_order_is_not_late() -> None:
    assert (
        detect_fulfillment_delayed(placed(payment_status=PaymentStatus.PENDING), DEFAULT_POLICY, at(200))
        == []
    )


def test_disabled_detector_yields_nothing() -> None:
    policy = merge(DEFAULT_POLICY, {"fulfillment_delayed": {"enabled": False}})

    assert detect_fulfillment_delayed(placed(), policy, at(200)) == []
