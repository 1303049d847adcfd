"""payment_failed: pending too long, failed, authorization about to lapse."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from orderline.domain.order_exceptions import DEFAULT_POLICY, EscalationDue, detect_payment_failed, merge
from orderline.domain.vocabulary import HoldReason, PaymentStatus

from .detector_orders import SHIP_ALL, T0, at, fold_order, placed, shipment, snapshot

PENDING = PaymentStatus.PENDING


@pytest.mark.parametrize(
    ("age_hours", "is_reported"),
    [(1, False), (23, False), (23.99, False), (24, True), (25, True), (240, True)],
)
def test_pending_payment_is_reported_from_24_hours_on(age_hours: float, is_reported: bool) -> None:
    order = placed(payment_status=PENDING)

    findings = detect_payment_failed(order, DEFAULT_POLICY, at(age_hours))

    assert [f.key for f in findings] == (["payment_failed:pending"] if is_reported else [])


def test_pending_payment_opens_at_the_threshold_with_a_payment_hold() -> None:
    order = placed(payment_status=PENDING)

    (finding,) = detect_payment_failed(order, DEFAULT_POLICY, at(25))

    assert finding.opened_at == at(24)
    assert finding.owner == "support"
    assert finding.hold is HoldReason.PAYMENT
    assert finding.reason == "Payment still pending after 24 h"
    assert finding.due_levels == (EscalationDue(1, at(28), "support"), EscalationDue(2, at(48), "support"))
    assert finding.data == (("pending_since", T0.isoformat()),)


def test_pending_counts_from_when_the_payment_went_back_to_pending() -> None:
    # Authorized at checkout, the authorization voided by the gateway and re-requested at 10 h.
    order = fold_order(
        snapshot(0, payment_status=PaymentStatus.AUTHORIZED), snapshot(10, payment_status=PENDING)
    )

    assert detect_payment_failed(order, DEFAULT_POLICY, at(33)) == []
    (finding,) = detect_payment_failed(order, DEFAULT_POLICY, at(34))
    assert finding.opened_at == at(34)


def test_pending_after_shipping_is_not_a_payment_exception() -> None:
    # Cash on delivery: the goods left before the money came.
    order = fold_order(snapshot(0, payment_status=PENDING), shipment("S1", 2, *SHIP_ALL))

    assert detect_payment_failed(order, DEFAULT_POLICY, at(48)) == []


def test_the_pending_threshold_is_a_policy_setting() -> None:
    policy = merge(DEFAULT_POLICY, {"payment_failed": {"pending_after": timedelta(hours=2)}})

    (finding,) = detect_payment_failed(placed(payment_status=PENDING), policy, at(2))

    assert finding.opened_at == at(2)


def test_failed_payment_opens_at_placement_when_it_failed_from_the_start() -> None:
    (finding,) = detect_payment_failed(placed(payment_status=PaymentStatus.FAILED), DEFAULT_POLICY, at(1))

    assert finding.key == "payment_failed:failed"
    assert finding.opened_at == T0
    assert finding.hold is HoldReason.PAYMENT


def test_failed_payment_opens_when_the_payment_failed() -> None:
    order = fold_order(snapshot(0, payment_status=PENDING), snapshot(5, payment_status=PaymentStatus.FAILED))

    (finding,) = detect_payment_failed(order, DEFAULT_POLICY, at(6))

    assert finding.opened_at == at(5)
    assert finding.data == (("failed_at", at(5).isoformat()),)


@pytest.mark.parametrize(
    ("now", "is_reported"),
    [(at(6 * 24) - timedelta(minutes=1), False), (at(6 * 24), True), (at(8 * 24), True)],
)
def test_authorization_about_to_expire(now: datetime, is_reported: bool) -> None:
    order = placed(payment_status=PaymentStatus.AUTHORIZED)

    findings = detect_payment_failed(order, DEFAULT_POLICY, now)

    assert [f.key for f in findings] == (["payment_failed:authorization_expiring"] if is_reported else [])


def test_authorization_expiring_carries_its_expiry_and_no_hold() -> None:
    order = fold_order(
        snapshot(0, payment_status=PENDING), snapshot(10, payment_status=PaymentStatus.AUTHORIZED)
    )

    (finding,) = detect_payment_failed(order, DEFAULT_POLICY, at(10 + 6 * 24))

    assert finding.opened_at == at(10 + 6 * 24)
    assert finding.hold is None
    assert finding.data == (("expires_at", at(10 + 7 * 24).isoformat()),)
    assert finding.reason == (
        f"Payment authorization expires at {at(10 + 7 * 24).isoformat()}; capture it or ask for a new one"
    )


@pytest.mark.parametrize(
    "payment_status", [PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.VOIDED]
)
def test_settled_payments_are_not_exceptions(payment_status: PaymentStatus) -> None:
    assert detect_payment_failed(placed(payment_status=payment_status), DEFAULT_POLICY, at(500)) == []


def test_a_cancelled_order_has_no_payment_exception() -> None:
    order = placed(payment_status=PaymentStatus.FAILED, cancelled_at=at(0))

    assert detect_payment_failed(order, DEFAULT_POLICY, at(1)) == []


def test_disabled_detector_yields_nothing() -> None:
    policy = merge(DEFAULT_POLICY, {"payment_failed": {"enabled": False}})

    assert detect_payment_failed(placed(payment_status=PaymentStatus.FAILED), policy, at(1)) == []
