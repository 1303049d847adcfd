"""The status-transition audit's judgement (domain/status_audit.py): statuses counted,
unknown words found, moves the lifecycle table refuses reported with example orders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from orderline.domain.status_audit import ImpossibleTransition, StatusSeen, StatusVocabulary, audit_statuses
from orderline.domain.vocabulary import OrderStatus as S

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
WOO = StatusVocabulary(
    core={"pending": S.PENDING_PAYMENT, "processing": S.READY_TO_FULFILL, "completed": S.SHIPPED,
          "cancelled": S.CANCELLED, "failed": None},
    status_map={"shipped": S.SHIPPED},
)  # fmt: skip


def history(order_id: str, *words: str) -> list[StatusSeen]:
    return [StatusSeen(order_id, T0 + timedelta(minutes=n), word) for n, word in enumerate(words)]


def test_statuses_are_counted_and_an_unknown_word_is_found() -> None:
    seen = [
        *history("1", "pending", "processing", "awaiting-shipment"),
        *history("2", "processing", "shipped"),
    ]

    audit = audit_statuses("woo1", WOO, seen)

    assert [(s.status, s.states, s.is_core, s.is_known, s.maps_to) for s in audit.statuses] == [
        ("processing", 2, True, True, S.READY_TO_FULFILL),
        ("awaiting-shipment", 1, False, False, None),
        ("pending", 1, True, True, S.PENDING_PAYMENT),
        ("shipped", 1, False, True, S.SHIPPED),
    ]
    assert audit.unknown == ("awaiting-shipment",)
    assert audit.impossible == ()
    assert not audit.is_clean


def test_a_move_the_lifecycle_refuses_is_reported_per_pair_with_example_orders() -> None:
    seen = [
        *history("1", "processing", "cancelled", "processing"),
        *history("2", "cancelled", "pending"),
        *history(
            "3", "cancelled", "awaiting-shipment", "processing"
        ),  # an unknown word in between is skipped
        *history("4", "completed", "processing"),  # shipped -> ready_to_fulfill: a shipment cancelled
        *history("5", "cancelled", "failed", "processing"),  # failed has no single status: skipped
    ]

    audit = audit_statuses("woo1", WOO, seen)

    assert audit.impossible == (
        ImpossibleTransition("cancelled", "processing", 3, ("1", "3", "5")),
        ImpossibleTransition("cancelled", "pending", 1, ("2",)),
    )


def test_a_store_whose_statuses_are_all_known_and_allowed_is_clean() -> None:
    audit = audit_statuses("woo1", WOO, history("1", "pending", "processing", "completed", "shipped"))

    assert audit.is_clean
    assert audit_statuses("woo1", WOO, []).statuses == ()
