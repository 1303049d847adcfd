"""The lifecycle table, the status derivation and the generated lifecycle page."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from orderline.domain.lifecycle import (
    HOLD_PRIORITY,
    LIFECYCLE,
    Ownership,
    StatusInputs,
    TransitionNotAllowed,
    can_transition,
    derive_payment_status,
    derive_status,
    require_transition,
)
from orderline.domain.lifecycle_doc import main, render_lifecycle_markdown
from orderline.domain.vocabulary import FulfillmentStatus, HoldReason, OrderStatus, PaymentStatus

P = PaymentStatus
F = FulfillmentStatus
S = OrderStatus

DOC_PATH = Path(__file__).resolve().parents[2] / "docs" / "lifecycle.md"

# (case, inputs, expected): each row isolates one rule of derive_status and its precedence.
DERIVE_CASES: list[tuple[str, StatusInputs, OrderStatus]] = [
    ("new unpaid order", StatusInputs(P.PENDING, F.UNFULFILLED), S.PENDING_PAYMENT),
    ("failed payment", StatusInputs(P.FAILED, F.UNFULFILLED), S.PENDING_PAYMENT),
    ("voided payment", StatusInputs(P.VOIDED, F.UNFULFILLED), S.PENDING_PAYMENT),
    ("authorized", StatusInputs(P.AUTHORIZED, F.UNFULFILLED), S.READY_TO_FULFILL),
    ("paid", StatusInputs(P.PAID, F.UNFULFILLED), S.READY_TO_FULFILL),
    ("partially refunded, unshipped", StatusInputs(P.PARTIALLY_REFUNDED, F.UNFULFILLED), S.READY_TO_FULFILL),
    (
        "unpaid but already shipping (cash on delivery)",
        StatusInputs(P.PENDING, F.PARTIAL, shipped_units=1, active_shipments=1),
        S.PARTIALLY_SHIPPED,
    ),
    ("partial", StatusInputs(P.PAID, F.PARTIAL, shipped_units=1, active_shipments=1), S.PARTIALLY_SHIPPED),
    (
        "fulfilled in transit",
        StatusInputs(P.PAID, F.FULFILLED, shipped_units=2, active_shipments=2),
        S.SHIPPED,
    ),
    (
        "fulfilled, one of two shipments delivered",
        StatusInputs(P.PAID, F.FULFILLED, shipped_units=2, active_shipments=2, delivered_shipments=1),
        S.SHIPPED,
    ),
    (
        "fulfilled, every shipment delivered",
        StatusInputs(P.PAID, F.FULFILLED, shipped_units=2, active_shipments=2, delivered_shipments=2),
        S.DELIVERED,
    ),
    ("fulfilled without an active shipment", StatusInputs(P.PAID, F.FULFILLED, shipped_units=1), S.SHIPPED),
    ("hold before shipping", StatusInputs(P.PAID, F.UNFULFILLED, has_open_holds=True), S.ON_HOLD),
    ("hold outranks unpaid", StatusInputs(P.PENDING, F.UNFULFILLED, has_open_holds=True), S.ON_HOLD),
    (
        "hold on the rest of a split shipment",
        StatusInputs(P.PAID, F.PARTIAL, has_open_holds=True, shipped_units=1, active_shipments=1),
        S.ON_HOLD,
    ),
    (
        "hold left open on a fully shipped order",
        StatusInputs(P.PAID, F.FULFILLED, has_open_holds=True, shipped_units=1, active_shipments=1),
        S.SHIPPED,
    ),
    ("refunded before shipping", StatusInputs(P.REFUNDED, F.UNFULFILLED), S.REFUNDED),
    ("refund outranks a hold", StatusInputs(P.REFUNDED, F.UNFULFILLED, has_open_holds=True), S.REFUNDED),
    (
        "money refunded, shipped units refunded too",
        StatusInputs(P.REFUNDED, F.FULFILLED, shipped_units=2, active_shipments=1),
        S.REFUNDED,
    ),
    (
        "money refunded, a shipped unit not refunded",
        StatusInputs(
            P.REFUNDED, F.FULFILLED, shipped_units=2, shipped_unrefunded_units=1, active_shipments=1
        ),
        S.SHIPPED,
    ),
    (
        "every delivered unit returned",
        StatusInputs(
            P.REFUNDED,
            F.FULFILLED,
            shipped_units=2,
            delivered_units=2,
            active_shipments=1,
            delivered_shipments=1,
        ),
        S.RETURNED,
    ),
    (
        "one of two delivered units returned",
        StatusInputs(
            P.PARTIALLY_REFUNDED,
            F.FULFILLED,
            shipped_units=2,
            shipped_unrefunded_units=1,
            delivered_units=2,
            delivered_unreturned_units=1,
            active_shipments=1,
            delivered_shipments=1,
        ),
        S.DELIVERED,
    ),
    (
        "delivered part returned, rest still to ship",
        StatusInputs(P.PARTIALLY_REFUNDED, F.PARTIAL, shipped_units=1, delivered_units=1, active_shipments=1),
        S.PARTIALLY_SHIPPED,
    ),
    ("cancelled before anything", StatusInputs(P.VOIDED, F.UNFULFILLED, is_cancelled=True), S.CANCELLED),
    (
        "cancellation outranks everything",
        StatusInputs(P.REFUNDED, F.FULFILLED, is_cancelled=True, has_open_holds=True, shipped_units=1),
        S.CANCELLED,
    ),
]


@pytest.mark.parametrize(("case", "inputs", "expected"), DERIVE_CASES, ids=[c[0] for c in DERIVE_CASES])
def test_derive_status(case: str, inputs: StatusInputs, expected: OrderStatus) -> None:
    assert derive_status(inputs) is expected


PAYMENT_CASES = [
    (P.PAID, "0", "30", P.PAID),
    (P.PAID, "10", "30", P.PARTIALLY_REFUNDED),
    (P.AUTHORIZED, "10", "30", P.PARTIALLY_REFUNDED),
    (P.PAID, "30", "30", P.REFUNDED),
    (P.PAID, "31", "30", P.REFUNDED),
    (P.PARTIALLY_REFUNDED, "30", "30", P.REFUNDED),
    (P.PARTIALLY_REFUNDED, "5", "30", P.PARTIALLY_REFUNDED),
    (P.REFUNDED, "0", "30", P.REFUNDED),
    (P.PAID, "5", "0", P.PARTIALLY_REFUNDED),
    (P.PENDING, "10", "30", P.PENDING),
    (P.VOIDED, "30", "30", P.VOIDED),
]


@pytest.mark.parametrize(("reported", "refunded", "total", "expected"), PAYMENT_CASES)
def test_payment_status_is_refined_by_known_refunds(
    reported: PaymentStatus, refunded: str, total: str, expected: PaymentStatus
) -> None:
    assert derive_payment_status(reported, Decimal(refunded), Decimal(total)) is expected


def test_lifecycle_table_has_a_rule_for_every_status() -> None:
    assert set(LIFECYCLE) == set(OrderStatus)


def test_only_on_hold_is_owned_by_hold_reason() -> None:
    assert [status for status, rule in LIFECYCLE.items() if rule.owner is None] == [S.ON_HOLD]


def test_default_owners_follow_the_design() -> None:
    owners = {status.value: rule.owner for status, rule in LIFECYCLE.items() if rule.owner is not None}

    assert owners == {
        "pending_payment": "support",
        "ready_to_fulfill": "operations",
        "partially_shipped": "operations",
        "shipped": "support",
        "delivered": "support",
        "cancelled": "support",
        "refunded": "support",
        "returned": "support",
    }


@pytest.mark.parametrize(
    ("current", "proposed", "allowed"),
    [
        (S.READY_TO_FULFILL, S.SHIPPED, True),
        (S.PENDING_PAYMENT, S.DELIVERED, True),
        (S.SHIPPED, S.READY_TO_FULFILL, True),
        (S.DELIVERED, S.RETURNED, True),
        (S.DELIVERED, S.READY_TO_FULFILL, False),
        (S.DELIVERED, S.PARTIALLY_SHIPPED, False),
        (S.CANCELLED, S.REFUNDED, True),
        (S.CANCELLED, S.READY_TO_FULFILL, False),
        (S.REFUNDED, S.RETURNED, True),
        (S.REFUNDED, S.SHIPPED, False),
        (S.RETURNED, S.CANCELLED, False),
        (S.RETURNED, S.RETURNED, True),
    ],
)
def test_can_transition(current: OrderStatus, proposed: OrderStatus, allowed: bool) -> None:
    assert can_transition(current, proposed) is allowed


def test_a_status_never_lists_itself_as_next() -> None:
    assert [status for status, rule in LIFECYCLE.items() if status in rule.next] == []


def test_require_transition_names_the_order_and_both_statuses() -> None:
    with pytest.raises(TransitionNotAllowed) as refused:
        require_transition("1001", S.DELIVERED, S.READY_TO_FULFILL)

    assert str(refused.value) == "Can't move order 1001 from delivered to ready_to_fulfill"


def test_require_transition_accepts_an_allowed_move() -> None:
    require_transition("1001", S.READY_TO_FULFILL, S.PARTIALLY_SHIPPED)  # does not raise


def test_on_hold_owner_is_the_owner_of_the_highest_priority_hold() -> None:
    ownership = Ownership()

    owner = ownership.status_owner(S.ON_HOLD, (HoldReason.BACKORDER, HoldReason.ADDRESS))

    # address (support) outranks backorder (operations)
    assert owner == "support"


def test_hold_priority_puts_fraud_review_first() -> None:
    assert HOLD_PRIORITY[0] is HoldReason.FRAUD_REVIEW
    assert set(HOLD_PRIORITY) == set(HoldReason)


def test_ownership_overrides_replace_only_what_they_name() -> None:
    ownership = Ownership(statuses={S.SHIPPED: "carrier-desk"}, holds={HoldReason.ADDRESS: "logistics"})

    assert ownership.status_owner(S.SHIPPED) == "carrier-desk"
    assert ownership.status_owner(S.DELIVERED) == "support"
    assert ownership.status_owner(S.ON_HOLD, (HoldReason.ADDRESS,)) == "logistics"
    assert ownership.hold_owner(HoldReason.PAYMENT) == "support"


def test_lifecycle_page_is_up_to_date() -> None:
    # Regenerate with: python -m orderline.domain.lifecycle_doc > docs/lifecycle.md
    assert DOC_PATH.read_text(encoding="utf-8") == render_lifecycle_markdown()


def test_lifecycle_page_lists_every_status_and_hold_reason() -> None:
    page = render_lifecycle_markdown()

    assert all(f"| `{status.value}` |" in page for status in OrderStatus)
    assert all(f"`{reason.value}` — " in page for reason in HoldReason)


def test_lifecycle_doc_main_prints_the_page(capsys: pytest.CaptureFixture[str]) -> None:
    main()

    assert capsys.readouterr().out == render_lifecycle_markdown()
