"""detect_all: every enabled detector, sorted; deterministic at any later `now`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from orderline.domain.order import Order
from orderline.domain.order_exceptions import (
    DEFAULT_POLICY,
    EXCEPTION_TYPES,
    EscalationDue,
    Finding,
    detect_all,
    detect_state_drift,
    merge,
)
from orderline.domain.vocabulary import DeliveryStatus, ExceptionType, HoldReason, PaymentStatus

from .detector_orders import T0, address, at, delivery, fold_order, hold, placed, shipment, snapshot


def troubled_order() -> Order:
    """Pending payment, a bad ZIP, a fraud hold, two parcels of which one bounced."""
    return fold_order(
        snapshot(0, payment_status=PaymentStatus.PENDING, shipping_address=address(postal_code="1234")),
        hold(1, HoldReason.FRAUD_REVIEW),
        shipment("S1", 2, ("L1", 1)),
        shipment("S2", 3, ("L1", 1)),
        delivery("S1", 4, DeliveryStatus.FAILED_ATTEMPT),
    )


def test_every_exception_type_has_a_detector() -> None:
    assert {spec.type for spec in EXCEPTION_TYPES} == set(ExceptionType)
    assert all(callable(spec.detect) for spec in EXCEPTION_TYPES)


def test_findings_are_sorted_by_opened_at_then_type_then_key() -> None:
    findings = detect_all(troubled_order(), DEFAULT_POLICY, at(100))

    assert [(f.opened_at, f.key) for f in findings] == [
        (T0, "address_invalid:postal_code"),
        (at(1), "fraud_review:order"),
        (at(3), "split_shipment:order"),
        (at(4), "delivery_exception:S1"),
        (at(4 + 72), "stale_order:on_hold"),
    ]


def test_the_same_order_at_a_later_now_gives_the_same_findings() -> None:
    order = troubled_order()

    earlier = detect_all(order, DEFAULT_POLICY, at(100))
    later = detect_all(order, DEFAULT_POLICY, at(1000))

    assert earlier == later


def test_a_finding_keeps_its_opened_at_as_time_passes() -> None:
    order = placed(payment_status=PaymentStatus.PENDING)

    first = {f.key: f for f in detect_all(order, DEFAULT_POLICY, at(25))}
    second = {f.key: f for f in detect_all(order, DEFAULT_POLICY, at(90))}

    assert second["payment_failed:pending"] == first["payment_failed:pending"]
    assert set(second) - set(first) == {"stale_order:pending_payment"}


def test_escalations_are_due_exactly_after_each_level() -> None:
    (finding,) = [
        f for f in detect_all(troubled_order(), DEFAULT_POLICY, at(100)) if f.type == "fraud_review"
    ]

    assert finding.due_levels == (
        EscalationDue(1, at(1) + timedelta(hours=4), "operations"),
        EscalationDue(2, at(1) + timedelta(hours=24), "operations"),
    )
    assert finding.levels_due(at(5) - timedelta(microseconds=1)) == ()
    assert finding.levels_due(at(5)) == finding.due_levels[:1]
    assert finding.levels_due(at(25)) == finding.due_levels


def test_times_are_normalised_to_utc() -> None:
    new_york = timezone(timedelta(hours=-5))
    local = T0.astimezone(new_york)
    order = placed(placed_at=local, updated_at=local, payment_status=PaymentStatus.FAILED)

    (finding,) = [f for f in detect_all(order, DEFAULT_POLICY, at(1)) if f.type == "payment_failed"]

    assert finding.opened_at.tzinfo is UTC
    assert finding.opened_at.isoformat() == "2027-03-01T09:00:00+00:00"


def test_disabled_detectors_are_skipped() -> None:
    policy = merge(DEFAULT_POLICY, {"split_shipment": {"enabled": False}, "stale_order": {"enabled": False}})

    findings = detect_all(troubled_order(), policy, at(100))

    assert {f.type for f in findings} == {
        ExceptionType.ADDRESS_INVALID,
        ExceptionType.FRAUD_REVIEW,
        ExceptionType.DELIVERY_EXCEPTION,
    }


def test_nothing_to_report_on_a_healthy_order() -> None:
    assert detect_all(placed(), DEFAULT_POLICY, at(1)) == []


def test_nothing_is_reported_before_it_happened() -> None:
    # A backtest may evaluate an order at a `now` before some of its facts.
    assert detect_all(troubled_order(), DEFAULT_POLICY, datetime(2027, 3, 1, 8, 0, tzinfo=UTC)) == []


def test_state_drift_needs_platform_data_and_reports_nothing_here() -> None:
    assert detect_state_drift(troubled_order(), DEFAULT_POLICY, at(1000)) == []


def test_findings_are_hashable_values() -> None:
    first = detect_all(troubled_order(), DEFAULT_POLICY, at(100))
    again = detect_all(troubled_order(), DEFAULT_POLICY, at(100))

    assert all(isinstance(f, Finding) for f in first)
    assert set(first) == set(again)
