"""A reconciliation's observation opens a state_drift exception with a readable diff, and the
platform's answer, folded as facts, resolves it with "cause cleared", on both databases.

Order 7101 is placed Monday 1 March 2027 09:00 UTC. Facts are stored through
`Processor.record_facts` (as processing stores them) and the scheduler evaluates the order.
The observation is made as a sweep makes it: Orderline's stored order against the
platform's facts, read with `view_of` and `platform_view`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Engine

from orderline.domain.facts import Address, DriftObserved, Fact, LineItem, OrderSnapshot
from orderline.domain.order import Order, order_from_dict
from orderline.domain.order_exceptions import DEFAULT_CALENDAR, DEFAULT_POLICY
from orderline.domain.reconciliation import differences, platform_view, view_of
from orderline.domain.vocabulary import PaymentStatus
from orderline.persistence import exception_records as records
from orderline.persistence import order_queries
from orderline.services.exception_evaluation import CAUSE_CLEARED
from orderline.services.processing import Processor
from orderline.services.scheduler import TickResult, enqueue_now, tick

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
STORE, ORDER = "shop1", "7101"
DRIFT_KEY = "state_drift:reconciliation"
GOOD = Address(
    name="Ann Lee", address1="500 Howard St", city="San Francisco", postal_code="94107", country_code="US"
)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


PLACED = OrderSnapshot(
    order_id=ORDER,
    updated_at=T0,
    placed_at=T0,
    payment_status=PaymentStatus.PAID,
    lines=(LineItem("L1", "Mug", 2, Decimal("10.00")),),
    order_number="#7101",
    currency="USD",
    total_price=Decimal("20.00"),
    shipping_address=GOOD,
)


def processor(engine: Engine) -> Processor:
    return Processor(engine, {}, lambda: T0)


def learn(engine: Engine, now: datetime, *facts: Fact) -> None:
    with engine.begin() as connection:
        processor(engine).record_facts(connection, STORE, ORDER, facts)
        enqueue_now(connection, [(STORE, ORDER)], now)


def run_tick(engine: Engine, now: datetime) -> TickResult:
    recorder = processor(engine).record_facts
    return tick(engine, lambda _s: DEFAULT_POLICY, lambda _s: DEFAULT_CALENDAR, now, record_facts=recorder)


def stored_order(engine: Engine) -> Order:
    with engine.connect() as connection:
        state = order_queries.get_order(connection, STORE, ORDER)
    assert state is not None
    return order_from_dict(state)


def observe(engine: Engine, now: datetime, platform: tuple[Fact, ...]) -> DriftObserved:
    """What a sweep at `now` records for the platform's facts."""
    found = differences(view_of(stored_order(engine)), platform_view(platform))
    return DriftObserved(ORDER, now, max(fact.occurred_at for fact in platform), found)


def drift_exception(engine: Engine) -> records.StoredException | None:
    with engine.connect() as connection:
        return records.get_exception(connection, STORE, ORDER, DRIFT_KEY)


def test_a_cancellation_only_on_the_platform_opens_drift_and_heals_when_folded(engine: Engine) -> None:
    # given an order Orderline knows as paid and ready, which the platform cancelled at 5 h
    learn(engine, T0, PLACED)
    run_tick(engine, T0)
    cancelled = replace(PLACED, updated_at=at(5), cancelled_at=at(5), cancel_reason="customer")

    # when a sweep at 10 h observes it
    seen = observe(engine, at(10), (PLACED, cancelled))
    learn(engine, at(10), seen)
    opened = run_tick(engine, at(10))

    # then a state_drift exception opens at the platform's change with the readable diff
    assert [c.key for c in opened.opened] == [DRIFT_KEY]
    found = drift_exception(engine)
    assert found is not None
    assert (found.state, found.opened_at) == ("open", at(5))
    assert found.reason == (
        "status: Orderline ready_to_fulfill, platform cancelled; cancelled: Orderline no, platform yes"
        " — since 2027-03-01T14:00:00Z"
    )
    order = stored_order(engine)
    assert (order.status, order.drift_changed_at, order.drift_observed_at) == (
        "ready_to_fulfill",
        at(5),
        at(10),
    )
    assert [e.kind for e in order.timeline if e.kind.startswith("drift")] == ["drift_observed"]

    # when the platform's answer is folded as a fact
    learn(engine, at(11), cancelled)
    healed = run_tick(engine, at(11))

    # then the order reads cancelled and the exception resolves by itself
    assert [c.key for c in healed.resolved] == [DRIFT_KEY]
    found = drift_exception(engine)
    assert found is not None
    assert (found.state, found.resolution) == ("resolved", CAUSE_CLEARED)
    assert stored_order(engine).status == "cancelled"


def test_an_orderline_hold_is_not_drift_and_stays_when_a_drift_heals(engine: Engine) -> None:
    # given an order Orderline holds for its address; the platform knows of no hold
    learn(engine, T0, replace(PLACED, shipping_address=replace(GOOD, postal_code="1234")))
    run_tick(engine, T0)
    assert stored_order(engine).status == "on_hold"
    platform = (replace(PLACED, shipping_address=replace(GOOD, postal_code="1234")),)

    # when a sweep compares it with the platform
    agreeing = observe(engine, at(3), platform)

    # then the hold is not drift
    assert agreeing.fields == ()

    # and when the platform voids the payment later, only that is drift, healed once folded
    voided = replace(platform[0], updated_at=at(6), payment_status=PaymentStatus.VOIDED)
    seen = observe(engine, at(8), (*platform, voided))
    assert [d.field for d in seen.fields] == ["status", "payment"]
    learn(engine, at(8), seen)
    assert [c.key for c in run_tick(engine, at(8)).opened] == [DRIFT_KEY]

    learn(engine, at(9), voided)
    healed = run_tick(engine, at(9))

    assert DRIFT_KEY in [c.key for c in healed.resolved]
    order = stored_order(engine)
    assert [h.hold_group for h in order.holds] == ["orderline:address_invalid:postal_code"]
