"""fraud_review: a platform fraud hold becomes one exception that holds the order."""

from __future__ import annotations

from orderline.domain.order_exceptions import DEFAULT_POLICY, detect_fraud_review, merge
from orderline.domain.vocabulary import ExceptionType, HoldReason, PaymentStatus

from .detector_orders import at, fold_order, hold, release, snapshot


def test_a_fraud_hold_is_an_operations_exception_that_holds_fulfilment() -> None:
    # Shopify: HIGH_RISK_OF_FRAUD on both fulfillment orders, placed a minute apart.
    order = fold_order(
        snapshot(0), hold(0.1, HoldReason.FRAUD_REVIEW, "FO-1"), hold(0.2, HoldReason.FRAUD_REVIEW, "FO-2")
    )

    (finding,) = detect_fraud_review(order, DEFAULT_POLICY, at(1))

    assert finding.type is ExceptionType.FRAUD_REVIEW
    assert finding.key == "fraud_review:order"
    assert finding.opened_at == at(0.1)
    assert finding.owner == "operations"
    assert finding.hold is HoldReason.FRAUD_REVIEW
    assert finding.reason == "Held for fraud review"
    assert finding.data == (("hold_groups", "FO-1,FO-2"),)


def test_bigcommerce_manual_verification_reads_its_note() -> None:
    # BigCommerce status 12: the connector places an order-wide hold with this note.
    note = "Manual Verification Required (status_id=12)"
    order = fold_order(
        snapshot(0, payment_status=PaymentStatus.PENDING), hold(0, HoldReason.FRAUD_REVIEW, "order", note)
    )

    (finding,) = detect_fraud_review(order, DEFAULT_POLICY, at(1))

    assert finding.reason == f"Held for fraud review: {note}"
    assert finding.opened_at == at(0)


def test_a_released_fraud_hold_is_no_longer_an_exception() -> None:
    order = fold_order(snapshot(0), hold(0, HoldReason.FRAUD_REVIEW), release(3))

    assert detect_fraud_review(order, DEFAULT_POLICY, at(4)) == []


def test_other_holds_are_not_fraud_reviews() -> None:
    order = fold_order(snapshot(0), hold(0, HoldReason.CUSTOMER_REQUEST))

    assert detect_fraud_review(order, DEFAULT_POLICY, at(1)) == []


def test_a_cancelled_order_under_review_is_closed() -> None:
    order = fold_order(snapshot(2, cancelled_at=at(2)), hold(0, HoldReason.FRAUD_REVIEW))

    assert detect_fraud_review(order, DEFAULT_POLICY, at(3)) == []


def test_disabled_detector_yields_nothing() -> None:
    policy = merge(DEFAULT_POLICY, {"fraud_review": {"enabled": False}})
    order = fold_order(snapshot(0), hold(0, HoldReason.FRAUD_REVIEW))

    assert detect_fraud_review(order, policy, at(1)) == []
