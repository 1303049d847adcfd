"""Reconciliation's queries: sweeps started and finished, drift incidents recorded and
healed, and the projections a sweep compares, read in batches (tables in reconcile_tables.py)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from orderline.persistence.reconcile_tables import drift_incidents, reconcile_sweeps
from orderline.persistence.tables import orders

RUNNING, OK, FAILED, SKIPPED = "running", "ok", "failed", "skipped"
"""A sweep's outcome: still going, finished, stopped by an error, or never started
(the store has no API credentials; `error` says which)."""

STATES_PER_QUERY = 500
COUNT_CHECK = "count_check"
"""The trigger of a daily count check's row."""


@dataclass(frozen=True, slots=True)
class SweepRow:
    id: int
    store_id: str
    trigger: str
    started_at: datetime
    finished_at: datetime | None
    since: datetime
    until: datetime
    outcome: str
    orders_seen: int
    orders_missing: int
    orders_drifted: int
    error: str | None
    platform_count: int | None = None
    orderline_count: int | None = None
    """A count check's orders placed in its window, by the platform and by Orderline."""


@dataclass(frozen=True, slots=True)
class SweepCounts:
    seen: int
    missing: int
    drifted: int


@dataclass(frozen=True, slots=True)
class NewIncident:
    store_id: str
    order_id: str
    source: str
    sweep_id: int | None
    fields: list[dict[str, str]]
    """The readable diff: `{"field", "orderline", "platform"}` each."""
    changed_at: datetime
    detected_at: datetime


def start_sweep(
    connection: Connection,
    store_id: str,
    trigger: str,
    started_at: datetime,
    since: datetime,
    until: datetime,
) -> int:
    """A `running` sweep of `store_id` over `since` .. `until`; its id."""
    values = {
        "store_id": store_id,
        "trigger": trigger,
        "started_at": started_at,
        "since": since,
        "until": until,
        "outcome": RUNNING,
        "orders_seen": 0,
        "orders_missing": 0,
        "orders_drifted": 0,
    }
    return _inserted_id(connection.execute(insert(reconcile_sweeps).values(values)).inserted_primary_key)


def finish_sweep(
    connection: Connection,
    sweep_id: int,
    finished_at: datetime,
    counts: SweepCounts,
    error: str | None = None,
) -> None:
    """The sweep ended: `ok`, or `failed` with `error`."""
    connection.execute(
        update(reconcile_sweeps)
        .where(reconcile_sweeps.c.id == sweep_id)
        .values(
            finished_at=finished_at,
            outcome=OK if error is None else FAILED,
            orders_seen=counts.seen,
            orders_missing=counts.missing,
            orders_drifted=counts.drifted,
            error=error,
        )
    )


def record_skipped(connection: Connection, store_id: str, trigger: str, at: datetime, reason: str) -> int:
    """A sweep that could not run (`reason`), so the sweep list says why."""
    sweep_id = start_sweep(connection, store_id, trigger, at, at, at)
    connection.execute(
        update(reconcile_sweeps)
        .where(reconcile_sweeps.c.id == sweep_id)
        .values(finished_at=at, outcome=SKIPPED, error=reason)
    )
    return sweep_id


def record_count_check(
    connection: Connection,
    store_id: str,
    at: datetime,
    window: tuple[datetime, datetime],
    counts: tuple[int | None, int | None],
    error: str | None = None,
) -> int:
    """A daily count check of `window`: (platform, Orderline) orders placed in it."""
    sweep_id = start_sweep(connection, store_id, COUNT_CHECK, at, *window)
    connection.execute(
        update(reconcile_sweeps)
        .where(reconcile_sweeps.c.id == sweep_id)
        .values(
            finished_at=at,
            outcome=OK if error is None else FAILED,
            platform_count=counts[0],
            orderline_count=counts[1],
            error=error,
        )
    )
    return sweep_id


def has_count_check(connection: Connection, store_id: str, since: datetime) -> bool:
    """Whether the store's count check of the window starting at `since` ran (any outcome)."""
    found = connection.execute(
        select(reconcile_sweeps.c.id)
        .where(
            reconcile_sweeps.c.store_id == store_id,
            reconcile_sweeps.c.trigger == COUNT_CHECK,
            reconcile_sweeps.c.since == since,
        )
        .limit(1)
    ).first()
    return found is not None


def orders_placed(connection: Connection, store_id: str, start: datetime, end: datetime) -> int:
    """Orders of the store Orderline knows that were placed from `start` up to `end`."""
    return int(
        connection.execute(
            select(func.count()).where(
                orders.c.store_id == store_id, orders.c.placed_at >= start, orders.c.placed_at < end
            )
        ).scalar_one()
    )


def last_ok_until(connection: Connection, store_id: str) -> datetime | None:
    """The end of the window of the store's latest successful sweep, if any (count checks
    are not sweeps)."""
    until: datetime | None = connection.execute(
        select(func.max(reconcile_sweeps.c.until)).where(
            reconcile_sweeps.c.store_id == store_id,
            reconcile_sweeps.c.outcome == OK,
            reconcile_sweeps.c.trigger != COUNT_CHECK,
        )
    ).scalar_one_or_none()
    return until


def last_started(connection: Connection, store_id: str) -> datetime | None:
    """When the store's latest sweep of any outcome started (skipped ones too; not count checks)."""
    started: datetime | None = connection.execute(
        select(func.max(reconcile_sweeps.c.started_at)).where(
            reconcile_sweeps.c.store_id == store_id, reconcile_sweeps.c.trigger != COUNT_CHECK
        )
    ).scalar_one_or_none()
    return started


def recent_sweeps(connection: Connection, store_id: str | None, limit: int) -> list[SweepRow]:
    """The latest sweeps, newest first; of one store when `store_id` is given."""
    query = select(*reconcile_sweeps.c).order_by(
        reconcile_sweeps.c.started_at.desc(), reconcile_sweeps.c.id.desc()
    )
    if store_id is not None:
        query = query.where(reconcile_sweeps.c.store_id == store_id)
    return [SweepRow(**row._mapping) for row in connection.execute(query.limit(limit))]


def order_states(
    connection: Connection, store_id: str, order_ids: Collection[str]
) -> dict[str, dict[str, Any]]:
    """The stored projection (`orders.state`) of each of `order_ids` Orderline knows."""
    wanted = sorted(set(order_ids))
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(wanted), STATES_PER_QUERY):
        chunk = wanted[start : start + STATES_PER_QUERY]
        rows = connection.execute(
            select(orders.c.order_id, orders.c.state).where(
                orders.c.store_id == store_id, orders.c.order_id.in_(chunk)
            )
        )
        found.update((order_id, dict(state)) for order_id, state in rows)
    return found


def open_incidents(connection: Connection, store_id: str, order_ids: Collection[str]) -> dict[str, list[int]]:
    """Ids of the unhealed incidents of each of `order_ids` that has any."""
    wanted = sorted(set(order_ids))
    found: dict[str, list[int]] = {}
    for start in range(0, len(wanted), STATES_PER_QUERY):
        rows = connection.execute(
            select(drift_incidents.c.order_id, drift_incidents.c.id).where(
                drift_incidents.c.store_id == store_id,
                drift_incidents.c.order_id.in_(wanted[start : start + STATES_PER_QUERY]),
                drift_incidents.c.healed_at.is_(None),
            )
        )
        for order_id, incident_id in rows:
            found.setdefault(order_id, []).append(int(incident_id))
    return found


def incident_fields(connection: Connection, incident_id: int) -> list[dict[str, str]]:
    value: list[dict[str, str]] = connection.execute(
        select(drift_incidents.c.fields).where(drift_incidents.c.id == incident_id)
    ).scalar_one()
    return value


def record_incident(connection: Connection, incident: NewIncident) -> int:
    values = {
        "store_id": incident.store_id,
        "order_id": incident.order_id,
        "source": incident.source,
        "sweep_id": incident.sweep_id,
        "fields": incident.fields,
        "changed_at": incident.changed_at,
        "detected_at": incident.detected_at,
    }
    return _inserted_id(connection.execute(insert(drift_incidents).values(values)).inserted_primary_key)


def heal_incidents(connection: Connection, incident_ids: Sequence[int], healed_at: datetime) -> None:
    if incident_ids:
        connection.execute(
            update(drift_incidents)
            .where(drift_incidents.c.id.in_(list(incident_ids)), drift_incidents.c.healed_at.is_(None))
            .values(healed_at=healed_at)
        )


def incidents_of_sweep(connection: Connection, sweep_id: int) -> list[dict[str, Any]]:
    """The incidents a sweep recorded, oldest first (for reports and tests)."""
    rows = connection.execute(
        select(*drift_incidents.c)
        .where(drift_incidents.c.sweep_id == sweep_id)
        .order_by(drift_incidents.c.id)
    )
    return [dict(row._mapping) for row in rows]


def _inserted_id(key: Any) -> int:
    if key is None:  # pragma: no cover - both databases return the new row's id
        raise RuntimeError("the database returned no id for the new row")
    return int(key[0])
