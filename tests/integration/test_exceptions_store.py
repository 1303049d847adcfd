"""The exception records and timers on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, inspect
from sqlalchemy.exc import IntegrityError

from orderline.domain.order_exceptions import ADDRESS_INVALID, DEFAULT_POLICY, FRAUD_REVIEW, Finding
from orderline.persistence import exception_records as records
from orderline.persistence.database import migrate
from orderline.persistence.exception_records import QueueFilter

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
SOON = timedelta(minutes=60)


def address_finding(opened_at: datetime = T0) -> Finding:
    return ADDRESS_INVALID.finding(DEFAULT_POLICY.rule(ADDRESS_INVALID), "postal_code", opened_at, "bad ZIP")


def fraud_finding(opened_at: datetime = T0) -> Finding:
    return FRAUD_REVIEW.finding(DEFAULT_POLICY.rule(FRAUD_REVIEW), "order", opened_at, "risk: high")


def test_an_opened_exception_reads_back_exactly(engine: Engine) -> None:
    with engine.begin() as connection:
        records.open_exception(connection, "s1", "o1", address_finding(), level_reached=0)
        stored = records.load_exceptions(connection, "s1", "o1")

    row = stored["address_invalid:postal_code"]
    assert (row.type, row.owner, row.opened_at, row.reason, row.hold) == (
        "address_invalid",
        "support",
        T0,
        "bad ZIP",
        "address",
    )
    assert row.due_levels == address_finding().due_levels
    assert (row.first_due_at, row.level_reached, row.state, row.notes) == (T0 + 4 * HOUR, 0, "open", [])


def test_one_row_per_order_and_key(engine: Engine) -> None:
    with engine.begin() as connection:
        records.open_exception(connection, "s1", "o1", address_finding(), 0)
    with pytest.raises(IntegrityError), engine.begin() as connection:
        records.open_exception(connection, "s1", "o1", address_finding(), 0)


def test_reopening_clears_the_resolution_and_acknowledgement_but_keeps_notes(engine: Engine) -> None:
    with engine.begin() as connection:
        records.open_exception(connection, "s1", "o1", address_finding(), 0)
        row_id = records.load_exceptions(connection, "s1", "o1")["address_invalid:postal_code"].id
        records.acknowledge_exception(connection, row_id, T0 + HOUR, "ann")
        records.add_note(connection, row_id, T0 + HOUR, "ann", "called")
        records.resolve_exception(connection, row_id, T0 + 2 * HOUR, "cause cleared", None)
        records.reopen_exception(connection, row_id, address_finding(), 1)
        row = records.get_exception(connection, "s1", "o1", "address_invalid:postal_code")

    assert row is not None
    assert (row.state, row.resolved_at, row.resolution, row.acknowledged_by, row.level_reached) == (
        "open",
        None,
        None,
        None,
        1,
    )
    assert row.notes == [{"at": (T0 + HOUR).isoformat(), "by": "ann", "text": "called"}]


def test_due_timers_come_earliest_first_and_only_when_due(engine: Engine) -> None:
    with engine.begin() as connection:
        records.set_timer(connection, "s1", "late", T0 + 2 * HOUR, "escalation")
        records.set_timer(connection, "s1", "early", T0, "detection")
        records.set_timer(connection, "s2", "future", T0 + 3 * HOUR, "escalation")
        due = records.due_timers(connection, T0 + 2 * HOUR, limit=10)
        first = records.due_timers(connection, T0 + 2 * HOUR, limit=1)

    assert due == [("s1", "early"), ("s1", "late")]
    assert first == [("s1", "early")]


def _queue(engine: Engine) -> None:
    with engine.begin() as connection:
        records.open_exception(connection, "s1", "breached", address_finding(T0 - 5 * HOUR), 1)
        records.open_exception(connection, "s1", "soon", address_finding(T0 - 3.5 * HOUR), 0)
        records.open_exception(connection, "s2", "ok", fraud_finding(T0), 0)
        records.open_exception(connection, "s2", "closed", fraud_finding(T0), 0)
        closed = records.get_exception(connection, "s2", "closed", "fraud_review:order")
        assert closed is not None
        records.resolve_exception(connection, closed.id, T0, "done", "ann")


def _listed(engine: Engine, where: QueueFilter, now: datetime = T0) -> list[tuple[str, str]]:
    with engine.connect() as connection:
        return [(row.order_id, sla) for row, sla in records.list_queue(connection, where, now, SOON, 50)]


def test_the_queue_lists_open_exceptions_oldest_first_with_their_sla_state(engine: Engine) -> None:
    _queue(engine)

    assert _listed(engine, QueueFilter()) == [("breached", "breached"), ("soon", "due_soon"), ("ok", "ok")]
    assert _listed(engine, QueueFilter(state="resolved")) == [("closed", "ok")]
    assert _listed(engine, QueueFilter(owner="operations", store_id="s2")) == [("ok", "ok")]
    assert _listed(engine, QueueFilter(sla="due_soon")) == [("soon", "due_soon")]


def test_sla_is_breached_exactly_when_the_first_level_is_due(engine: Engine) -> None:
    _queue(engine)  # "ok" opened at T0: first level due at T0 + 4 h
    ops = QueueFilter(owner="operations")

    assert _listed(engine, ops, T0 + 3 * HOUR - timedelta(seconds=1)) == [("ok", "ok")]
    assert _listed(engine, ops, T0 + 3 * HOUR) == [("ok", "due_soon")]
    assert _listed(engine, ops, T0 + 4 * HOUR - timedelta(seconds=1)) == [("ok", "due_soon")]
    assert _listed(engine, ops, T0 + 4 * HOUR) == [("ok", "breached")]


def test_counts_per_owner_ignore_the_owner_filter_but_keep_the_others(engine: Engine) -> None:
    _queue(engine)

    with engine.connect() as connection:
        everything = records.count_by_owner(connection, QueueFilter(owner="support"), T0, SOON)
        in_s1 = records.count_by_owner(connection, QueueFilter(store_id="s1"), T0, SOON)

    assert everything == {"operations": 1, "support": 2}
    assert in_s1 == {"support": 2}


def test_migrating_twice_is_harmless_and_creates_the_timer_index(engine: Engine) -> None:
    migrate(engine)

    indexes = {index["name"] for index in inspect(engine).get_indexes("timers")}
    assert indexes == {"ix_timers_due_at"}
