"""state_drift's `reconciliation` finding: open while the platform's view, as a sweep saw it,
still differs from Orderline's; gone once the platform's answer is folded."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from orderline.domain.facts import DriftObserved, Fact, HoldPlaced, LineQuantity, RefundRecorded
from orderline.domain.order import HOLD_GROUP_PREFIX
from orderline.domain.order_exceptions import DEFAULT_POLICY, Finding, detect_all
from orderline.domain.order_exceptions.detectors.state_drift import STATE_DRIFT, detect_state_drift
from orderline.domain.reconciliation import differences, platform_view, view_of
from orderline.domain.vocabulary import FulfillmentStatus, HoldReason, PaymentStatus
from tests.unit.detector_orders import ORDER, T0, at, fold_order, snapshot

NOW = T0 + timedelta(days=3)
PLACED = snapshot(0)
CANCELLED = snapshot(5, cancelled_at=at(5), cancel_reason="customer")
REFUND = RefundRecorded(ORDER, "R-1", at(6), Decimal("12.5"), (LineQuantity("L1", 1),))


def sweep(ours: tuple[Fact, ...], theirs: tuple[Fact, ...], hours: float = 10) -> DriftObserved:
    """What a sweep at `hours` records: Orderline's order against the platform's facts."""
    found = differences(view_of(fold_order(*ours)), platform_view(theirs))
    changed_at = max(fact.occurred_at for fact in theirs)
    return DriftObserved(ORDER, at(hours), changed_at, found)


def reconciliation(*facts: Fact, now: float | None = None) -> list[Finding]:
    order = fold_order(*facts)
    moment = NOW if now is None else at(now)
    return [f for f in detect_state_drift(order, DEFAULT_POLICY, moment) if f.key.endswith(":reconciliation")]


def test_a_drift_opens_with_a_readable_diff_since_the_platforms_change() -> None:
    # given a sweep that found a cancellation and a refund only on the platform
    seen = sweep((PLACED,), (PLACED, CANCELLED, REFUND))

    # when the order with that observation is evaluated
    (finding,) = reconciliation(PLACED, seen)

    # then one finding, opened when the platform changed, says what differs
    assert (finding.key, finding.opened_at, finding.hold) == ("state_drift:reconciliation", at(6), None)
    assert finding.reason == (
        "status: Orderline ready_to_fulfill, platform cancelled; "
        "payment: Orderline paid, platform partially_refunded; cancelled: Orderline no, platform yes; "
        "refunds: Orderline -, platform R-1; "
        "refunded: Orderline 0.00, platform 12.50 — since 2027-03-01T15:00:00Z"
    )
    assert dict(finding.data) == {
        "cancelled.orderline": "no",
        "cancelled.platform": "yes",
        "fields": "status,payment,cancelled,refunds,refunded",
        "payment.orderline": "paid",
        "payment.platform": "partially_refunded",
        "refunded.orderline": "0.00",
        "refunded.platform": "12.50",
        "refunds.orderline": "-",
        "refunds.platform": "R-1",
        "status.orderline": "ready_to_fulfill",
        "status.platform": "cancelled",
    }
    assert finding.owner == "operations"


def test_the_drift_goes_away_once_the_platforms_facts_are_folded() -> None:
    seen = sweep((PLACED,), (PLACED, CANCELLED, REFUND))

    assert reconciliation(PLACED, seen, CANCELLED, REFUND) == []


def test_a_partly_healed_drift_names_only_what_still_differs() -> None:
    seen = sweep((PLACED,), (PLACED, CANCELLED, REFUND))

    (finding,) = reconciliation(PLACED, seen, REFUND)

    assert dict(finding.data)["fields"] == "status,cancelled"
    assert finding.opened_at == at(6)  # the same finding: its moment does not move


def test_an_orderline_hold_keeps_no_drift_open() -> None:
    # given the platform captured a payment Orderline missed, while Orderline holds the
    # order for an address problem of its own
    pending = snapshot(0, payment_status=PaymentStatus.PENDING)
    ours_hold = HoldPlaced(
        ORDER, f"{HOLD_GROUP_PREFIX}address_invalid:postal_code", HoldReason.ADDRESS, at(1)
    )
    seen = sweep((pending, ours_hold), (pending, snapshot(4)))
    assert [d.field for d in seen.fields] == ["status", "payment"]
    assert reconciliation(pending, ours_hold, seen) != []

    # when the platform's snapshot is folded, the order is still held by Orderline
    healed = fold_order(pending, ours_hold, seen, snapshot(4))
    assert healed.status == "on_hold"

    # then nothing differs any more: the hold is Orderline's, not drift
    assert reconciliation(pending, ours_hold, seen, snapshot(4)) == []


def test_a_sweep_that_saw_agreement_clears_the_drift() -> None:
    seen = sweep((PLACED,), (PLACED, CANCELLED))
    agreed = DriftObserved(ORDER, at(12), at(12), ())

    assert reconciliation(PLACED, seen, agreed) == []


def test_a_drift_whose_moment_is_still_ahead_is_not_reported() -> None:
    seen = sweep((PLACED,), (PLACED, CANCELLED))

    assert reconciliation(PLACED, seen, now=4) == []
    assert len(reconciliation(PLACED, seen, now=5)) == 1


def test_a_disabled_rule_reports_no_drift() -> None:
    seen = sweep((PLACED,), (PLACED, CANCELLED))
    rule = replace(DEFAULT_POLICY.rule(STATE_DRIFT), enabled=False)
    policy = DEFAULT_POLICY.with_rules({STATE_DRIFT.type: rule})

    assert detect_state_drift(fold_order(PLACED, seen), policy, NOW) == []


def test_the_fulfilment_finding_is_kept_beside_the_reconciliation_one() -> None:
    claim = snapshot(3, platform_fulfillment=FulfillmentStatus.FULFILLED)
    seen = sweep((PLACED,), (PLACED, CANCELLED))

    keys = [f.key for f in detect_all(fold_order(PLACED, claim, seen), DEFAULT_POLICY, NOW)]

    assert keys.count("state_drift:fulfillment") == 1
    assert keys.count("state_drift:reconciliation") == 1
