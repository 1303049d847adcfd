"""Exception timers on both databases, with an explicit clock (issue 4, acceptance 2).

Order 7001 is placed Monday 1 March 2027 09:00 UTC. Its facts are folded and stored as
processing would store them; `enqueue_now` marks it touched, as processing will.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Engine, func, select

from orderline.domain.facts import Address, Fact, HoldPlaced, HoldsReleased, LineItem, OrderSnapshot
from orderline.domain.fold import fold
from orderline.domain.order_exceptions import (
    DEFAULT_CALENDAR,
    DEFAULT_POLICY,
    BusinessCalendar,
    ExceptionPolicy,
)
from orderline.domain.vocabulary import HoldReason, PaymentStatus
from orderline.persistence import exception_records as records
from orderline.persistence.database import make_engine
from orderline.persistence.exception_tables import order_exceptions
from orderline.persistence.projections import save_projections
from orderline.services.exception_evaluation import CAUSE_CLEARED, ExceptionChange, evaluate_order
from orderline.services.order_rows import projection_of
from orderline.services.scheduler import TickResult, enqueue_now, tick

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
STORE, ORDER = "shop1", "7001"
SECOND = timedelta(seconds=1)
GOOD = Address(
    name="Ann Lee", address1="500 Howard St", city="San Francisco", postal_code="94107", country_code="US"
)
BAD_ZIP = replace(GOOD, postal_code="1234")
ADDRESS_KEY = "address_invalid:postal_code"


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def snapshot(hours: float, address: Address) -> OrderSnapshot:
    return OrderSnapshot(
        order_id=ORDER,
        updated_at=at(hours),
        placed_at=T0,
        payment_status=PaymentStatus.PAID,
        lines=(LineItem("L1", "Mug", 2, Decimal("10.00")),),
        order_number="#7001",
        currency="USD",
        total_price=Decimal("20.00"),
        shipping_address=address,
    )


def store_facts(engine: Engine, now: datetime, *facts: Fact) -> None:
    """What processing does for a touched order: save its projection, make it due."""
    order = fold(STORE, ORDER, facts)
    assert order is not None
    with engine.begin() as connection:
        save_projections(connection, [projection_of(order, len(facts))])
        enqueue_now(connection, [(STORE, ORDER)], now)


def run_tick(engine: Engine, now: datetime, policy: ExceptionPolicy = DEFAULT_POLICY) -> TickResult:
    return tick(engine, lambda _store: policy, lambda _store: DEFAULT_CALENDAR, now)


def keys_of(changes: list[ExceptionChange]) -> list[tuple[str, int | None]]:
    return [(c.key, c.level) for c in changes]


def exception(engine: Engine, key: str = ADDRESS_KEY) -> records.StoredException:
    with engine.connect() as connection:
        found = records.get_exception(connection, STORE, ORDER, key)
    assert found is not None
    return found


def timer(engine: Engine) -> tuple[datetime, str] | None:
    with engine.connect() as connection:
        return records.get_timer(connection, STORE, ORDER)


def test_an_exception_opens_when_the_order_is_touched_and_its_timer_is_the_first_level(
    engine: Engine,
) -> None:
    store_facts(engine, T0, snapshot(0, BAD_ZIP))

    result = run_tick(engine, T0)

    assert keys_of(result.opened) == [(ADDRESS_KEY, None)]
    assert result.escalated == [] and result.resolved == []
    stored = exception(engine)
    assert (stored.state, stored.owner, stored.level_reached, stored.hold) == (
        "open",
        "support",
        0,
        "address",
    )
    assert timer(engine) == (at(4), "escalation")


def test_escalates_exactly_at_each_level_due_time_and_not_before(engine: Engine) -> None:
    store_facts(engine, T0, snapshot(0, BAD_ZIP))
    run_tick(engine, T0)

    before = run_tick(engine, at(4) - SECOND)
    assert before.orders == 0 and before.escalated == []
    assert exception(engine).level_reached == 0

    first = run_tick(engine, at(4))
    assert [(c.key, c.level, c.target) for c in first.escalated] == [(ADDRESS_KEY, 1, "support")]
    assert exception(engine).level_reached == 1
    assert timer(engine) == (at(24), "escalation")

    assert run_tick(engine, at(24) - SECOND).escalated == []
    second = run_tick(engine, at(24))
    assert keys_of(second.escalated) == [(ADDRESS_KEY, 2)]
    assert exception(engine).level_reached == 2


def test_evaluating_a_second_before_a_level_is_due_changes_nothing(engine: Engine) -> None:
    store_facts(engine, T0, snapshot(0, BAD_ZIP))
    run_tick(engine, T0)

    with engine.begin() as connection:
        evaluation = evaluate_order(
            connection, STORE, ORDER, DEFAULT_POLICY, DEFAULT_CALENDAR, at(4) - SECOND
        )

    assert (evaluation.opened, evaluation.escalated, evaluation.resolved) == ([], [], [])
    assert exception(engine).level_reached == 0


def test_a_restart_between_levels_loses_nothing(engine: Engine, database_url: str) -> None:
    store_facts(engine, T0, snapshot(0, BAD_ZIP))
    run_tick(engine, T0)
    engine.dispose()

    restarted = make_engine(database_url)
    try:
        late = run_tick(restarted, at(30))  # down over both levels: both escalate at once
        assert keys_of(late.escalated) == [(ADDRESS_KEY, 1), (ADDRESS_KEY, 2)]
        assert run_tick(restarted, at(30)).escalated == []
        with restarted.connect() as connection:
            actions = [e.action for e in records.list_events(connection, STORE, ORDER)]
        assert actions == ["opened", "escalated", "escalated"]
    finally:
        restarted.dispose()


def test_an_exception_detected_only_with_time_opens_when_its_moment_comes(engine: Engine) -> None:
    store_facts(engine, T0, snapshot(0, GOOD))
    run_tick(engine, T0)
    # 48 business hours from Monday 09:00 on the all-day Monday-Friday calendar.
    assert timer(engine) == (at(48), "detection")

    assert run_tick(engine, at(48) - SECOND).opened == []
    opened = run_tick(engine, at(48))

    assert keys_of(opened.opened) == [("fulfillment_delayed:sla", None)]


def test_a_corrected_address_resolves_the_exception_with_its_reason(engine: Engine) -> None:
    store_facts(engine, T0, snapshot(0, BAD_ZIP))
    run_tick(engine, T0)

    store_facts(engine, at(2), snapshot(0, BAD_ZIP), snapshot(2, GOOD))
    result = run_tick(engine, at(2))

    assert keys_of(result.resolved) == [(ADDRESS_KEY, None)]
    stored = exception(engine)
    assert (stored.state, stored.resolution, stored.resolved_at, stored.resolved_by) == (
        "resolved",
        CAUSE_CLEARED,
        at(2),
        None,
    )
    # Nothing left to escalate: the next due time is the fulfilment SLA, not level 1.
    assert timer(engine) == (at(48), "detection")
    assert run_tick(engine, at(4)).escalated == []


def test_a_released_fraud_hold_resolves_its_exception(engine: Engine) -> None:
    held = HoldPlaced(ORDER, "order", HoldReason.FRAUD_REVIEW, at(1), "risk: high")
    store_facts(engine, at(1), snapshot(0, GOOD), held)
    assert keys_of(run_tick(engine, at(1)).opened) == [("fraud_review:order", None)]

    store_facts(engine, at(3), snapshot(0, GOOD), held, HoldsReleased(ORDER, "order", at(3)))
    result = run_tick(engine, at(3))

    assert keys_of(result.resolved) == [("fraud_review:order", None)]
    assert exception(engine, "fraud_review:order").resolution == CAUSE_CLEARED


def test_a_cause_that_comes_back_reopens_the_exception(engine: Engine) -> None:
    store_facts(engine, T0, snapshot(0, BAD_ZIP))
    run_tick(engine, T0)
    store_facts(engine, at(1), snapshot(0, BAD_ZIP), snapshot(1, GOOD))
    run_tick(engine, at(1))

    store_facts(engine, at(5), snapshot(0, BAD_ZIP), snapshot(1, GOOD), snapshot(5, BAD_ZIP))
    result = run_tick(engine, at(5))

    # Opened at placement, so level 1 (due at 4 h) is already past: it escalates at once.
    assert keys_of(result.opened) == [(ADDRESS_KEY, None)]
    assert keys_of(result.escalated) == [(ADDRESS_KEY, 1)]
    stored = exception(engine)
    assert (stored.state, stored.resolution, stored.level_reached) == ("open", None, 1)
    with engine.connect() as connection:
        count = connection.execute(select(func.count()).select_from(order_exceptions)).scalar_one()
    assert count == 1


def test_a_person_resolving_a_still_present_exception_is_not_overruled(engine: Engine) -> None:
    store_facts(engine, T0, snapshot(0, BAD_ZIP))
    run_tick(engine, T0)
    with engine.begin() as connection:
        row = records.get_exception(connection, STORE, ORDER, ADDRESS_KEY)
        assert row is not None
        records.resolve_exception(connection, row.id, at(1), "carrier accepts it", "ann")

    store_facts(engine, at(2), snapshot(0, BAD_ZIP))
    result = run_tick(engine, at(30))

    assert (result.opened, result.escalated) == ([], [])
    assert exception(engine).resolved_by == "ann"


def test_enqueue_now_keeps_an_earlier_timer_and_brings_a_later_one_forward(engine: Engine) -> None:
    with engine.begin() as connection:
        records.set_timer(connection, STORE, "early", at(1), "escalation")
        records.set_timer(connection, STORE, "late", at(9), "escalation")
        enqueue_now(connection, [(STORE, "early"), (STORE, "late"), (STORE, "new")], at(5))
    with engine.connect() as connection:
        found = {o: records.get_timer(connection, STORE, o) for o in ("early", "late", "new")}

    assert found == {"early": (at(1), "escalation"), "late": (at(5), "touched"), "new": (at(5), "touched")}


def test_a_timer_of_an_order_that_is_not_stored_is_dropped(engine: Engine) -> None:
    with engine.begin() as connection:
        enqueue_now(connection, [(STORE, "ghost")], T0)

    assert run_tick(engine, T0).orders == 1
    with engine.connect() as connection:
        assert records.get_timer(connection, STORE, "ghost") is None


def test_a_tick_works_through_more_orders_than_one_batch(engine: Engine) -> None:
    with engine.begin() as connection:
        enqueue_now(connection, [(STORE, f"ghost-{n}") for n in range(5)], T0)

    result = tick(engine, lambda _s: DEFAULT_POLICY, lambda _s: DEFAULT_CALENDAR, T0, batch_size=2)

    assert result.orders == 5


def test_a_bounded_tick_leaves_the_rest_due_for_the_next_one(engine: Engine) -> None:
    with engine.begin() as connection:
        enqueue_now(connection, [(STORE, f"ghost-{n}") for n in range(5)], T0)

    first = tick(
        engine, lambda _s: DEFAULT_POLICY, lambda _s: DEFAULT_CALENDAR, T0, batch_size=2, max_batches=1
    )
    rest = tick(engine, lambda _s: DEFAULT_POLICY, lambda _s: DEFAULT_CALENDAR, T0, batch_size=2)

    assert (first.orders, rest.orders) == (2, 3)


def test_the_store_calendar_decides_when_the_sla_is_due(engine: Engine) -> None:
    store_facts(engine, T0, snapshot(0, GOOD))
    holiday = BusinessCalendar(holidays=frozenset({at(24).date()}))  # Tuesday off

    tick(engine, lambda _s: DEFAULT_POLICY, lambda _s: holiday, T0)

    assert timer(engine) == (at(72), "detection")
