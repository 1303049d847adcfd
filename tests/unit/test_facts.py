"""Canonical facts: dict round trips and the stability of fact_key."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from orderline.domain.facts import (
    FACT_TYPES,
    Address,
    DeliveryEvent,
    DriftField,
    DriftObserved,
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
from orderline.domain.vocabulary import DeliveryStatus, HoldReason, PaymentStatus, ShipmentState

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)

# One of each fact type, every optional field set, so a round trip exercises them all.
EVERY_FACT: list[Fact] = [
    OrderSnapshot(
        order_id="1001",
        updated_at=T0 + timedelta(minutes=5),
        placed_at=T0,
        payment_status=PaymentStatus.PAID,
        lines=(LineItem("L1", "Mug", 2, Decimal("12.50"), "MUG-1"), LineItem("L2", "Tea", 1)),
        order_number="#1001",
        email="ann@example.com",
        currency="EUR",
        total_price=Decimal("25.00"),
        cancelled_at=T0 + timedelta(hours=1),
        cancel_reason="customer",
        shipping_address=Address(name="Ann", address1="1 Main St", city="Lyon", country_code="FR"),
        platform_status="open",
        tags=("vip", "gift"),
    ),
    ShipmentRecorded(
        order_id="1001",
        shipment_id="S1",
        updated_at=T0 + timedelta(hours=2),
        created_at=T0 + timedelta(hours=1),
        lines=(LineQuantity("L1", 2),),
        state=ShipmentState.CANCELLED,
        tracking_numbers=("1Z999",),
        carrier="UPS",
        tracking_url="https://track.example/1Z999",
        delivery_status=DeliveryStatus.IN_TRANSIT,
    ),
    DeliveryEvent("1001", "S1", "E1", DeliveryStatus.DELIVERED, T0 + timedelta(days=2), "Left at door"),
    RefundRecorded(
        "1001", "R1", T0 + timedelta(days=3), Decimal("12.50"), (LineQuantity("L1", 1),), True, "damaged"
    ),
    HoldPlaced("1001", "FO-1", HoldReason.FRAUD_REVIEW, T0, "high risk", "HIGH_RISK_OF_FRAUD"),
    HoldsReleased(
        "1001", "FO-1", T0 + timedelta(hours=3), frozenset({HoldReason.ADDRESS, HoldReason.PAYMENT})
    ),
    DriftObserved(
        "1001",
        T0 + timedelta(days=4),
        T0 + timedelta(days=3, hours=2),
        (DriftField("status", "shipped", "cancelled"), DriftField("refunded", "0.00", "12.50")),
        "support_tool",
    ),
]


def _type_name(fact: Fact) -> str:
    return type(fact).__name__


def test_the_samples_cover_every_fact_type() -> None:
    assert {type(fact).__name__ for fact in EVERY_FACT} == set(FACT_TYPES)


@pytest.mark.parametrize("fact", EVERY_FACT, ids=_type_name)
def test_fact_round_trips_through_its_dict(fact: Fact) -> None:
    # given a fact serialised and sent through JSON
    data = json.loads(json.dumps(fact_to_dict(fact)))

    # when it is read back
    restored = fact_from_dict(data)

    # then it is equal, field for field, with the same types
    assert restored == fact
    assert type(restored) is type(fact)
    assert fact_to_dict(restored) == fact_to_dict(fact)


@pytest.mark.parametrize("fact", EVERY_FACT, ids=_type_name)
def test_fact_key_survives_a_round_trip(fact: Fact) -> None:
    restored = fact_from_dict(json.loads(json.dumps(fact_to_dict(fact))))

    assert fact_key(restored) == fact_key(fact)


def test_fact_key_is_the_same_for_an_equal_fact_built_separately() -> None:
    first = HoldPlaced("1001", "FO-1", HoldReason.ADDRESS, T0, "check street")
    second = HoldPlaced("1001", "FO-1", HoldReason.ADDRESS, T0, "check street")

    assert first is not second
    assert fact_key(first) == fact_key(second)


def test_fact_key_is_pinned_so_stored_keys_stay_valid() -> None:
    # Stored facts are deduplicated by this key: changing the encoding would silently
    # let every known fact in again. Change this value only with a migration.
    fact = HoldPlaced("1001", "FO-1", HoldReason.ADDRESS, T0, "check street")

    assert fact_key(fact) == "f62f664bc82632f9e368adae26069141"


def test_fact_key_changes_with_any_field() -> None:
    base = RefundRecorded("1001", "R1", T0, Decimal("5.00"))
    variants = [
        RefundRecorded("1002", "R1", T0, Decimal("5.00")),
        RefundRecorded("1001", "R2", T0, Decimal("5.00")),
        RefundRecorded("1001", "R1", T0 + timedelta(seconds=1), Decimal("5.00")),
        RefundRecorded("1001", "R1", T0, Decimal("5.01")),
        RefundRecorded("1001", "R1", T0, Decimal("5.00"), restock=True),
    ]

    assert len({fact_key(base), *(fact_key(v) for v in variants)}) == 1 + len(variants)


def test_fact_key_tells_apart_spellings_that_compare_equal() -> None:
    # Equal as values (same instant, same amount) but not the same content: the fold keeps
    # one of them, chosen by this key.
    utc = RefundRecorded("1001", "R1", T0, Decimal("5.0"))
    paris = RefundRecorded("1001", "R1", T0.astimezone(timezone(timedelta(hours=1))), Decimal("5.00"))

    assert utc == paris
    assert fact_key(utc) != fact_key(paris)
