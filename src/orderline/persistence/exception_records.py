"""Repository of exceptions, their history and the timers table (see exception_tables.py).

Plain reads and writes: deciding what opens, escalates or resolves is the service's
(`orderline.services.exception_evaluation`); this module only keeps what it decided.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, bindparam, case, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from orderline.domain.order_exceptions import EXCEPTION_TYPES, EscalationDue, Finding
from orderline.persistence.exception_tables import exception_events, order_exceptions, timers
from orderline.persistence.projections import of_orders

OPEN = "open"
RESOLVED = "resolved"
OrderKey = tuple[str, str]  # (store_id, order_id)


@dataclass(frozen=True, slots=True)
class StoredException:
    id: int
    store_id: str
    order_id: str
    key: str
    type: str
    owner: str
    opened_at: datetime
    reason: str
    hold: str | None
    due_levels: tuple[EscalationDue, ...]
    first_due_at: datetime | None
    level_reached: int
    state: str
    resolved_at: datetime | None
    resolution: str | None
    resolved_by: str | None
    assignee: str | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    notes: list[dict[str, Any]]

    @property
    def is_open(self) -> bool:
        return self.state == OPEN


def _levels_to_json(levels: Iterable[EscalationDue]) -> list[dict[str, Any]]:
    return [{"level": lv.level, "due_at": lv.due_at.isoformat(), "target": lv.target} for lv in levels]


def _levels_from_json(items: Sequence[dict[str, Any]]) -> tuple[EscalationDue, ...]:
    return tuple(
        EscalationDue(int(i["level"]), datetime.fromisoformat(i["due_at"]), str(i["target"])) for i in items
    )


def _stored(row: Row[Any], *, skip: str = "") -> StoredException:
    values = {name: value for name, value in row._mapping.items() if name != skip}
    values["due_levels"] = _levels_from_json(values["due_levels"])
    values["notes"] = list(values["notes"])
    return StoredException(**values)


def _finding_values(finding: Finding, level_reached: int) -> dict[str, Any]:
    return {
        "type": finding.type.value,
        "owner": finding.owner,
        "opened_at": finding.opened_at,
        "reason": finding.reason,
        "hold": finding.hold.value if finding.hold else None,
        "due_levels": _levels_to_json(finding.due_levels),
        "first_due_at": finding.due_levels[0].due_at if finding.due_levels else None,
        "level_reached": level_reached,
    }


# Built once: the scheduler runs this per evaluated order, and building a statement
# costs more than running it.
_ORDER_EXCEPTIONS = select(order_exceptions).where(
    order_exceptions.c.store_id == bindparam("store_id"), order_exceptions.c.order_id == bindparam("order_id")
)


def load_exceptions(connection: Connection, store_id: str, order_id: str) -> dict[str, StoredException]:
    """Every exception of one order, open or resolved, by key."""
    rows = connection.execute(_ORDER_EXCEPTIONS, {"store_id": store_id, "order_id": order_id}).all()
    return {row.key: _stored(row) for row in rows}


def load_exceptions_of(
    connection: Connection, keys: Sequence[OrderKey]
) -> dict[OrderKey, dict[str, StoredException]]:
    """`load_exceptions` of many orders in a few queries (an order with none is absent)."""
    found: dict[OrderKey, dict[str, StoredException]] = {}
    for start in range(0, len(keys), 400):
        chunk = keys[start : start + 400]
        for row in connection.execute(select(order_exceptions).where(of_orders(order_exceptions, chunk))):
            found.setdefault((row.store_id, row.order_id), {})[row.key] = _stored(row)
    return found


def get_exception(connection: Connection, store_id: str, order_id: str, key: str) -> StoredException | None:
    row = connection.execute(
        select(order_exceptions).where(
            order_exceptions.c.store_id == store_id,
            order_exceptions.c.order_id == order_id,
            order_exceptions.c.key == key,
        )
    ).one_or_none()
    return None if row is None else _stored(row)


def open_exception(
    connection: Connection, store_id: str, order_id: str, finding: Finding, level_reached: int
) -> None:
    writes = ExceptionWrites()
    writes.open(store_id, order_id, finding, level_reached)
    writes.write(connection)


def is_current(row: StoredException, finding: Finding, level_reached: int) -> bool:
    """True when the stored exception already says what `finding` says (no UPDATE needed)."""
    return (
        row.type == finding.type.value
        and row.owner == finding.owner
        and row.opened_at == finding.opened_at
        and row.reason == finding.reason
        and row.hold == (finding.hold.value if finding.hold else None)
        and row.due_levels == finding.due_levels
        and row.level_reached == level_reached
    )


def refresh_exception(connection: Connection, row_id: int, finding: Finding, level_reached: int) -> None:
    """Keep an open exception in step with its finding (reason, owner, ladder, level)."""
    writes = ExceptionWrites()
    writes.refresh(row_id, finding, level_reached)
    writes.write(connection)


def reopen_exception(connection: Connection, row_id: int, finding: Finding, level_reached: int) -> None:
    """A resolved exception whose cause is back: open again, acknowledgement cleared;
    assignee and notes are kept, they are still about the same problem."""
    writes = ExceptionWrites()
    writes.reopen(row_id, finding, level_reached)
    writes.write(connection)


def resolve_exception(
    connection: Connection, row_id: int, now: datetime, resolution: str, actor: str | None
) -> None:
    writes = ExceptionWrites()
    writes.resolve(row_id, now, resolution, actor)
    writes.write(connection)


@dataclass(frozen=True, slots=True)
class ExceptionEvent:
    """One line of an exception's history; `actor` None is Orderline itself."""

    store_id: str
    order_id: str
    key: str
    at: datetime
    action: str
    actor: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


def _update_by_id(*columns: str) -> Any:
    """UPDATE order_exceptions SET each of `columns` WHERE id = :row_id, built once and run
    with many parameter sets (bind names differ from the column names, as an UPDATE's
    executemany needs)."""
    return (
        update(order_exceptions)
        .where(order_exceptions.c.id == bindparam("row_id"))
        .values({name: bindparam(f"new_{name}") for name in columns})
    )


_FINDING_COLUMNS = (
    "type",
    "owner",
    "opened_at",
    "reason",
    "hold",
    "due_levels",
    "first_due_at",
    "level_reached",
)
_CLEARED_ON_REOPEN = ("resolved_at", "resolution", "resolved_by", "acknowledged_at", "acknowledged_by")
_OPEN_EXCEPTION = insert(order_exceptions)
_REFRESH = _update_by_id(*_FINDING_COLUMNS)
_REOPEN = _update_by_id("state", *_CLEARED_ON_REOPEN, *_FINDING_COLUMNS)
_RESOLVE = _update_by_id("state", "resolved_at", "resolution", "resolved_by")
_RECORD_EVENTS = insert(exception_events)
"""Statements built once: the scheduler writes exceptions for every evaluated order, and
compiling a statement each time was most of what a write cost."""


class ExceptionWrites:
    """What a batch of evaluations decided about exceptions (opened, refreshed, reopened,
    resolved) and their history lines, written with one statement of each kind.

    Each exception row is written at most once per batch; the evaluator decides one thing
    per exception and order."""

    def __init__(self) -> None:
        self._opened: list[dict[str, Any]] = []
        self._refreshed: list[dict[str, Any]] = []
        self._reopened: list[dict[str, Any]] = []
        self._resolved: list[dict[str, Any]] = []
        self._events: list[dict[str, Any]] = []

    def open(self, store_id: str, order_id: str, finding: Finding, level_reached: int) -> None:
        row = {"store_id": store_id, "order_id": order_id, "key": finding.key, "state": OPEN, "notes": []}
        row.update(_finding_values(finding, level_reached))
        self._opened.append(row)

    def refresh(self, row_id: int, finding: Finding, level_reached: int) -> None:
        self._refreshed.append(_new_values(row_id, _finding_values(finding, level_reached)))

    def reopen(self, row_id: int, finding: Finding, level_reached: int) -> None:
        values: dict[str, Any] = dict.fromkeys(_CLEARED_ON_REOPEN)
        values["state"] = OPEN
        values.update(_finding_values(finding, level_reached))
        self._reopened.append(_new_values(row_id, values))

    def resolve(self, row_id: int, now: datetime, resolution: str, actor: str | None) -> None:
        values = {"state": RESOLVED, "resolved_at": now, "resolution": resolution, "resolved_by": actor}
        self._resolved.append(_new_values(row_id, values))

    def record(self, events: Iterable[ExceptionEvent]) -> None:
        self._events.extend(
            {
                "store_id": e.store_id,
                "order_id": e.order_id,
                "key": e.key,
                "at": e.at,
                "action": e.action,
                "actor": e.actor,
                "detail": e.detail,
            }
            for e in events
        )

    def write(self, connection: Connection) -> None:
        for statement, rows in (
            (_OPEN_EXCEPTION, self._opened),
            (_REFRESH, self._refreshed),
            (_REOPEN, self._reopened),
            (_RESOLVE, self._resolved),
            (_RECORD_EVENTS, self._events),
        ):
            if rows:
                connection.execute(statement, rows)
                rows.clear()


def _new_values(row_id: int, values: dict[str, Any]) -> dict[str, Any]:
    return {"row_id": row_id, **{f"new_{name}": value for name, value in values.items()}}


def acknowledge_exception(connection: Connection, row_id: int, now: datetime, actor: str) -> None:
    connection.execute(
        update(order_exceptions)
        .where(order_exceptions.c.id == row_id)
        .values(acknowledged_at=now, acknowledged_by=actor)
    )


def assign_exception(connection: Connection, row_id: int, assignee: str) -> None:
    connection.execute(
        update(order_exceptions).where(order_exceptions.c.id == row_id).values(assignee=assignee)
    )


def add_note(connection: Connection, row_id: int, now: datetime, actor: str, text: str) -> None:
    notes = connection.execute(
        select(order_exceptions.c.notes).where(order_exceptions.c.id == row_id)
    ).scalar_one()
    note = {"at": now.isoformat(), "by": actor, "text": text}
    connection.execute(
        update(order_exceptions).where(order_exceptions.c.id == row_id).values(notes=[*notes, note])
    )


def record_events(connection: Connection, events: Sequence[ExceptionEvent]) -> None:
    writes = ExceptionWrites()
    writes.record(events)
    writes.write(connection)


def list_events(connection: Connection, store_id: str, order_id: str) -> list[ExceptionEvent]:
    """An order's exception history, oldest first."""
    rows = connection.execute(
        select(exception_events)
        .where(exception_events.c.store_id == store_id, exception_events.c.order_id == order_id)
        .order_by(exception_events.c.id)
    ).all()
    return [
        ExceptionEvent(r.store_id, r.order_id, r.key, r.at, r.action, r.actor, dict(r.detail)) for r in rows
    ]


# --- timers --------------------------------------------------------------------------


def _upsert(connection: Connection) -> Any:
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(timers)


def set_timer(connection: Connection, store_id: str, order_id: str, due_at: datetime, kind: str) -> None:
    """The order's next due time, replacing whatever it was."""
    writes = TimerWrites()
    writes.set(store_id, order_id, due_at, kind)
    writes.write(connection)


def bring_timers_forward(
    connection: Connection, keys: Iterable[OrderKey], due_at: datetime, kind: str
) -> None:
    """Make each order due no later than `due_at`; an earlier timer stays as it is."""
    rows = [{"store_id": s, "order_id": o, "due_at": due_at, "kind": kind} for s, o in sorted(set(keys))]
    if not rows:
        return
    statement = _upsert(connection)
    is_later = statement.excluded.due_at < timers.c.due_at
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=["store_id", "order_id"],
            set_={
                "due_at": case((is_later, statement.excluded.due_at), else_=timers.c.due_at),
                "kind": case((is_later, statement.excluded.kind), else_=timers.c.kind),
            },
        ),
        rows,
    )


class TimerWrites:
    """Timers set and cleared by a batch of evaluations, written in two statements."""

    def __init__(self) -> None:
        self._set: dict[OrderKey, tuple[datetime, str]] = {}
        self._cleared: set[OrderKey] = set()

    def set(self, store_id: str, order_id: str, due_at: datetime, kind: str) -> None:
        self._cleared.discard((store_id, order_id))
        self._set[(store_id, order_id)] = (due_at, kind)

    def clear(self, store_id: str, order_id: str) -> None:
        self._set.pop((store_id, order_id), None)
        self._cleared.add((store_id, order_id))

    def write(self, connection: Connection) -> None:
        cleared = sorted(self._cleared)
        for start in range(0, len(cleared), 400):
            connection.execute(delete(timers).where(of_orders(timers, cleared[start : start + 400])))
        if self._set:
            statement = _upsert(connection)
            connection.execute(
                statement.on_conflict_do_update(
                    index_elements=["store_id", "order_id"],
                    set_={"due_at": statement.excluded.due_at, "kind": statement.excluded.kind},
                ),
                [
                    {"store_id": s, "order_id": o, "due_at": due_at, "kind": kind}
                    for (s, o), (due_at, kind) in sorted(self._set.items())
                ],
            )
        self._set.clear()
        self._cleared.clear()


def get_timer(connection: Connection, store_id: str, order_id: str) -> tuple[datetime, str] | None:
    row = connection.execute(
        select(timers.c.due_at, timers.c.kind).where(
            timers.c.store_id == store_id, timers.c.order_id == order_id
        )
    ).one_or_none()
    return None if row is None else (row.due_at, row.kind)


def due_timers(
    connection: Connection, now: datetime, limit: int, stores: Collection[str] | None = None
) -> list[OrderKey]:
    """Orders due at `now` (of `stores` only, when given), earliest first. On PostgreSQL
    the rows stay locked until the transaction ends and rows another scheduler holds are
    skipped."""
    query = select(timers.c.store_id, timers.c.order_id).where(timers.c.due_at <= now)
    if stores is not None:
        query = query.where(timers.c.store_id.in_(sorted(stores)))
    rows = connection.execute(
        query.order_by(timers.c.due_at, timers.c.store_id, timers.c.order_id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    return [(r.store_id, r.order_id) for r in rows]


# --- the exception queue -------------------------------------------------------------

SLA_STATES = ("ok", "due_soon", "breached", "none")
NO_SLA = "none"
"""The SLA state of an informational exception: nothing to fix, so no deadline to breach."""
PROBLEM = "problem"
INFORMATIONAL = "informational"
KINDS = (PROBLEM, INFORMATIONAL)


@dataclass(frozen=True, slots=True)
class QueueFilter:
    store_id: str | None = None
    owner: str | None = None
    type: str | None = None
    sla: str | None = None
    state: str = OPEN
    kind: str | None = None
    """`problem` or `informational` (a type whose spec says so); None for both."""


def informational_types() -> list[str]:
    """The registered types with nothing to fix (`ExceptionSpec.informational`), read when
    asked: a type may be registered at start-up."""
    return [str(spec.type) for spec in EXCEPTION_TYPES if spec.informational]


def _is_informational() -> ColumnElement[bool]:
    return order_exceptions.c.type.in_(informational_types())


def sla_state(now: datetime, due_soon: timedelta) -> ColumnElement[str]:
    """The first escalation level is the SLA: breached once it is due, due soon within
    `due_soon` of it, ok before that or when the exception has no ladder. An informational
    type has no SLA (`none`): its ladder only tells its owner, it never breaches.

    The one definition of an exception's SLA state: the queue filters and reports with it,
    and `sla_of` reads it for a single exception (after an action)."""
    first = order_exceptions.c.first_due_at
    return case(
        (_is_informational(), NO_SLA),
        (first <= now, "breached"),
        (first <= now + due_soon, "due_soon"),
        else_="ok",
    )


def _conditions(where: QueueFilter, sla: ColumnElement[str], by_owner: bool) -> list[ColumnElement[bool]]:
    c = order_exceptions.c
    conditions = [c.state == where.state]
    if where.store_id is not None:
        conditions.append(c.store_id == where.store_id)
    if where.type is not None:
        conditions.append(c.type == where.type)
    if where.sla is not None:
        conditions.append(sla == where.sla)
    if where.kind is not None:
        conditions.append(_is_informational() if where.kind == INFORMATIONAL else ~_is_informational())
    if by_owner and where.owner is not None:
        conditions.append(c.owner == where.owner)
    return conditions


def list_queue(
    connection: Connection, where: QueueFilter, now: datetime, due_soon: timedelta, limit: int
) -> list[tuple[StoredException, str]]:
    """Matching exceptions, problems first and informational ones after them, each part
    oldest first, with its SLA state at `now`."""
    sla = sla_state(now, due_soon).label("sla")
    informational_last = case((_is_informational(), 1), else_=0)
    rows = connection.execute(
        select(order_exceptions, sla)
        .where(*_conditions(where, sla, by_owner=True))
        .order_by(informational_last, order_exceptions.c.opened_at, order_exceptions.c.id)
        .limit(limit)
    ).all()
    return [(_stored(row, skip="sla"), str(row.sla)) for row in rows]


def count_by_owner(
    connection: Connection, where: QueueFilter, now: datetime, due_soon: timedelta
) -> dict[str, int]:
    """Counts per owner over the same filter, the owner filter left out (a queue's tabs)."""
    sla = sla_state(now, due_soon)
    rows = connection.execute(
        select(order_exceptions.c.owner, func.count())
        .where(*_conditions(where, sla, by_owner=False))
        .group_by(order_exceptions.c.owner)
        .order_by(order_exceptions.c.owner)
    ).all()
    return {owner: int(n) for owner, n in rows}


def sla_of(connection: Connection, exception_id: int, now: datetime, due_soon: timedelta) -> str:
    """One exception's SLA state at `now`, as the queue states it (`sla_state`)."""
    return str(
        connection.execute(
            select(sla_state(now, due_soon)).where(order_exceptions.c.id == exception_id)
        ).scalar_one()
    )
