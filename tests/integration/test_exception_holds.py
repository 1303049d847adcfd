"""Exception holds reach the order's status through the fold, on both databases.

Order 7001 is placed Monday 1 March 2027 09:00 UTC. Its facts are stored through
`Processor.record_facts` (as processing stores them) and the order is made due; the
scheduler places and releases Orderline holds through the same `record_facts`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine

from orderline.domain.facts import Address, Fact, HoldPlaced, HoldsReleased, LineItem, OrderSnapshot
from orderline.domain.order_exceptions import BACKORDER, DEFAULT_CALENDAR, DEFAULT_POLICY, ExceptionPolicy
from orderline.domain.vocabulary import HoldReason, PaymentStatus
from orderline.persistence import exception_records as records
from orderline.persistence import order_queries
from orderline.persistence.projections import fact_counts
from orderline.services.exception_evaluation import CAUSE_CLEARED, evaluate_order
from orderline.services.processing import Processor
from orderline.services.scheduler import TickResult, enqueue_now, tick

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
STORE, ORDER = "shop1", "7001"
GOOD = Address(
    name="Ann Lee", address1="500 Howard St", city="San Francisco", postal_code="94107", country_code="US"
)
BAD_ZIP = replace(GOOD, postal_code="1234")
ADDRESS_KEY = "address_invalid:postal_code"
ADDRESS_GROUP = f"orderline:{ADDRESS_KEY}"


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def snapshot(hours: float, address: Address, payment: PaymentStatus = PaymentStatus.PAID) -> OrderSnapshot:
    return OrderSnapshot(
        order_id=ORDER,
        updated_at=at(hours),
        placed_at=T0,
        payment_status=payment,
        lines=(LineItem("L1", "Mug", 2, Decimal("10.00")),),
        order_number="#7001",
        currency="USD",
        total_price=Decimal("20.00"),
        shipping_address=address,
    )


def processor(engine: Engine) -> Processor:
    return Processor(engine, {}, lambda: T0)


def learn(engine: Engine, now: datetime, *facts: Fact) -> None:
    """What processing does with new facts: store them, refold, make the order due."""
    with engine.begin() as connection:
        processor(engine).record_facts(connection, STORE, ORDER, facts)
        enqueue_now(connection, [(STORE, ORDER)], now)


def run_tick(engine: Engine, now: datetime, policy: ExceptionPolicy = DEFAULT_POLICY) -> TickResult:
    recorder = processor(engine).record_facts
    return tick(engine, lambda _s: policy, lambda _s: DEFAULT_CALENDAR, now, record_facts=recorder)


def order(engine: Engine) -> dict[str, Any]:
    with engine.connect() as connection:
        state = order_queries.get_order(connection, STORE, ORDER)
    assert state is not None
    return state


def headline(engine: Engine) -> tuple[str, str, list[tuple[str, str]]]:
    state = order(engine)
    return state["status"], state["owner"], [(h["hold_group"], h["reason"]) for h in state["holds"]]


def exception(engine: Engine, key: str = ADDRESS_KEY) -> records.StoredException:
    with engine.connect() as connection:
        found = records.get_exception(connection, STORE, ORDER, key)
    assert found is not None
    return found


def fact_count(engine: Engine) -> int:
    with engine.connect() as connection:
        return fact_counts(connection, [(STORE, ORDER)])[(STORE, ORDER)]


def test_an_address_exception_holds_the_order_owned_by_support(engine: Engine) -> None:
    learn(engine, T0, snapshot(0, BAD_ZIP))

    result = run_tick(engine, T0)

    assert result.holds_placed == [(STORE, ORDER, ADDRESS_GROUP)]
    assert headline(engine) == ("on_hold", "support", [(ADDRESS_GROUP, "address")])
    (held,) = order(engine)["holds"]
    assert (held["placed_at"], held["owner"]) == (T0.isoformat(), "support")
    assert held["note"] == exception(engine).reason
    assert exception(engine).state == "open"


def test_evaluating_again_does_not_flap_or_duplicate_the_hold(engine: Engine) -> None:
    learn(engine, T0, snapshot(0, BAD_ZIP))
    run_tick(engine, T0)
    facts = fact_count(engine)

    with engine.begin() as connection:
        again = evaluate_order(
            connection, STORE, ORDER, DEFAULT_POLICY, DEFAULT_CALENDAR, T0, processor(engine).record_facts
        )
    later = run_tick(engine, at(60))  # past both escalation levels and the fulfilment SLA

    assert (again.opened, again.resolved, again.holds_placed, again.holds_released) == ([], [], [], [])
    assert (later.opened, later.resolved, later.holds_placed) == ([], [], [])
    assert fact_count(engine) == facts
    assert exception(engine).state == "open"
    # Held since placement, the order was never ready: no fulfilment SLA runs meanwhile.
    with engine.connect() as connection:
        assert set(records.load_exceptions(connection, STORE, ORDER)) == {ADDRESS_KEY}


def test_a_corrected_address_releases_the_hold_and_the_status_goes_back(engine: Engine) -> None:
    learn(engine, T0, snapshot(0, BAD_ZIP))
    run_tick(engine, T0)

    learn(engine, at(2), snapshot(2, GOOD))
    result = run_tick(engine, at(2))

    assert result.holds_released == [(STORE, ORDER, ADDRESS_GROUP)]
    assert (exception(engine).state, exception(engine).resolution) == ("resolved", CAUSE_CLEARED)
    assert headline(engine) == ("ready_to_fulfill", "operations", [])
    kinds = [(e["kind"], e["at"]) for e in order(engine)["timeline"] if e["kind"].startswith("hold_")]
    assert kinds == [("hold_placed", T0.isoformat()), ("hold_released", at(2).isoformat())]


def test_an_address_broken_again_is_held_again_after_the_release(engine: Engine) -> None:
    learn(engine, T0, snapshot(0, BAD_ZIP))
    run_tick(engine, T0)
    learn(engine, at(2), snapshot(2, GOOD))
    run_tick(engine, at(2))

    learn(engine, at(5), snapshot(5, BAD_ZIP))
    result = run_tick(engine, at(5))

    assert result.holds_placed == [(STORE, ORDER, ADDRESS_GROUP)]
    assert exception(engine).state == "open"
    assert headline(engine) == ("on_hold", "support", [(ADDRESS_GROUP, "address")])
    (held,) = order(engine)["holds"]
    assert held["placed_at"] == (at(2) + timedelta(microseconds=1)).isoformat()


def test_a_person_resolving_the_exception_releases_its_hold(engine: Engine) -> None:
    learn(engine, T0, snapshot(0, BAD_ZIP))
    run_tick(engine, T0)
    with engine.begin() as connection:
        records.resolve_exception(connection, exception(engine).id, at(1), "carrier accepts it", "ann")
        enqueue_now(connection, [(STORE, ORDER)], at(1))

    result = run_tick(engine, at(1))

    assert result.holds_released == [(STORE, ORDER, ADDRESS_GROUP)]
    assert headline(engine) == ("ready_to_fulfill", "operations", [])
    assert exception(engine).resolved_by == "ann"


def test_payment_pending_too_long_is_held_from_the_moment_it_opened_until_paid(engine: Engine) -> None:
    learn(engine, T0, snapshot(0, GOOD, PaymentStatus.PENDING))
    assert run_tick(engine, T0).holds_placed == []
    assert headline(engine) == ("pending_payment", "support", [])

    opened = run_tick(engine, at(24))
    assert opened.holds_placed == [(STORE, ORDER, "orderline:payment_failed:pending")]
    assert headline(engine) == ("on_hold", "support", [("orderline:payment_failed:pending", "payment")])
    assert order(engine)["holds"][0]["placed_at"] == at(24).isoformat()

    learn(engine, at(30), snapshot(30, GOOD, PaymentStatus.PAID))
    paid = run_tick(engine, at(30))
    assert [c.key for c in paid.resolved] == ["payment_failed:pending"]
    assert headline(engine) == ("ready_to_fulfill", "operations", [])


def test_findings_that_come_from_a_platform_hold_get_no_second_hold(engine: Engine) -> None:
    fraud = HoldPlaced(ORDER, "fo-1", HoldReason.FRAUD_REVIEW, at(1), "risk: high")
    stock = HoldPlaced(ORDER, "fo-2", HoldReason.BACKORDER, at(1), "restock expected 2027-03-09")
    learn(engine, at(1), snapshot(0, GOOD), fraud, stock)
    holding_backorders = DEFAULT_POLICY.with_rules(
        {"backorder": replace(DEFAULT_POLICY.rule(BACKORDER), places_hold=True)}
    )

    result = run_tick(engine, at(1), holding_backorders)

    assert {c.type for c in result.opened} == {"fraud_review", "backorder"}
    assert result.holds_placed == []
    assert headline(engine) == ("on_hold", "operations", [("fo-1", "fraud_review"), ("fo-2", "backorder")])

    learn(engine, at(3), HoldsReleased(ORDER, "fo-1", at(3)), HoldsReleased(ORDER, "fo-2", at(3)))
    released = run_tick(engine, at(3), holding_backorders)

    assert {c.type for c in released.resolved} == {"fraud_review", "backorder"}
    assert headline(engine) == ("ready_to_fulfill", "operations", [])


def test_without_record_facts_exceptions_open_but_no_hold_is_placed(engine: Engine) -> None:
    learn(engine, T0, snapshot(0, BAD_ZIP))

    tick(engine, lambda _s: DEFAULT_POLICY, lambda _s: DEFAULT_CALENDAR, T0)

    assert exception(engine).state == "open"
    assert headline(engine) == ("ready_to_fulfill", "operations", [])
