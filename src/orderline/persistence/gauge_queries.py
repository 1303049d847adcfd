"""Counts the metrics endpoint reads at scrape time: backlog, exceptions, outboxes, hand-offs.

Each query groups by a few bounded columns (store, platform, status, type, owner, channel)
and returns one `Reading` per metric family. Counters are counts of rows that only ever
grow (processed deliveries, decided messages, escalation levels reached), so they never
go down between scrapes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.sql.elements import ColumnElement

from orderline.persistence import job_queue
from orderline.persistence.exception_records import OPEN, sla_state
from orderline.persistence.exception_tables import order_exceptions
from orderline.persistence.messaging_tables import handoffs, messages, notifications, scorecard_deliveries
from orderline.persistence.outbox import OutboxState
from orderline.persistence.tables import inbox

Labels = tuple[str, ...]

_UNSENT = (OutboxState.QUEUED.value, OutboxState.SENDING.value)


@dataclass(frozen=True, slots=True)
class Reading:
    """One metric family: its samples keyed by label values, in `label_names` order."""

    name: str
    help: str
    kind: str
    """`gauge` or `counter` (a counter's exposed name gets `_total`)."""
    label_names: Labels
    samples: dict[Labels, float]


def read_gauges(connection: Connection, now: datetime, due_soon: timedelta) -> list[Reading]:
    return [
        *_inbox(connection, now),
        *_exceptions(connection, now, due_soon),
        *_messages(connection),
        *_outboxes(connection, now),
        _handoffs(connection),
        *_jobs(connection),
    ]


JOB_STATES = ("todo", "doing", "stalled", "failed")


def _jobs(connection: Connection) -> list[Reading]:
    """The scale-out job queue (PostgreSQL only; SQLite's in-process engine has none)."""
    if connection.dialect.name != "postgresql" or not job_queue.is_installed(connection):
        return []
    counts = job_queue.job_counts(connection, job_queue.STALLED_AFTER_S)
    by_state = {"todo": counts.count("todo"), "doing": counts.count("doing")}
    by_state |= {"stalled": counts.stalled, "failed": counts.count("failed")}
    return [
        Reading(
            "orderline_jobs",
            "Jobs of the scale-out queue: waiting (todo), running (doing), stalled (worker died), failed",
            "gauge",
            ("state",),
            {(state,): float(by_state[state]) for state in JOB_STATES},
        ),
        Reading(
            "orderline_jobs_oldest_due_age_seconds",
            "How long the oldest job that is due has waited for a worker (0 when none)",
            "gauge",
            (),
            {(): counts.oldest_due_age_s},
        ),
    ]


def _rows(
    connection: Connection, columns: Sequence[ColumnElement[Any]], value: ColumnElement[Any], *where: Any
) -> list[tuple[Labels, Any]]:
    # Grouped by the labels' names: PostgreSQL does not see two renderings of an expression
    # with bound parameters (the SLA `case`) as the same expression.
    labelled = [column.label(f"g{index}") for index, column in enumerate(columns)]
    statement = select(*labelled, value).where(*where).group_by(*labelled)
    return [(tuple(str(v) for v in row[:-1]), row[-1]) for row in connection.execute(statement)]


def _counts(
    connection: Connection, columns: Sequence[ColumnElement[Any]], value: ColumnElement[Any], *where: Any
) -> dict[Labels, float]:
    return {labels: float(v or 0) for labels, v in _rows(connection, columns, value, *where)}


def _ages(
    connection: Connection,
    now: datetime,
    columns: Sequence[ColumnElement[Any]],
    moment: ColumnElement[Any],
    *where: Any,
) -> dict[Labels, float]:
    oldest = _rows(connection, columns, func.min(moment), *where)
    return {labels: _age_s(now, value) for labels, value in oldest if value is not None}


def _age_s(now: datetime, moment: datetime) -> float:
    # SQLite hands back naive UTC datetimes from aggregates (the column type is skipped).
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return max(0.0, (now - aware).total_seconds())


def _inbox(connection: Connection, now: datetime) -> list[Reading]:
    c = inbox.c
    by_store = [c.platform, c.store_id]
    return [
        Reading(
            "orderline_inbox_backlog",
            "Deliveries not processed, by platform, store and status",
            "gauge",
            ("platform", "store", "status"),
            _counts(connection, [*by_store, c.status], func.count(), c.status != "processed"),
        ),
        Reading(
            "orderline_events_processed",
            "Deliveries processed into facts, by platform and store",
            "counter",
            ("platform", "store"),
            _counts(connection, by_store, func.count(), c.status == "processed"),
        ),
        Reading(
            "orderline_processing_lag_seconds",
            "Age of the oldest pending delivery, by platform and store",
            "gauge",
            ("platform", "store"),
            _ages(connection, now, by_store, c.received_at, c.status == "pending"),
        ),
    ]


def _exceptions(connection: Connection, now: datetime, due_soon: timedelta) -> list[Reading]:
    c = order_exceptions.c
    sla = sla_state(now, due_soon)
    return [
        Reading(
            "orderline_exceptions_open",
            "Open exceptions by store, type, owner team and SLA state",
            "gauge",
            ("store", "type", "owner", "sla"),
            _counts(connection, [c.store_id, c.type, c.owner, sla], func.count(), c.state == OPEN),
        ),
        Reading(
            "orderline_escalations",
            "Escalation levels reached, by store and exception type",
            "counter",
            ("store", "type"),
            _counts(connection, [c.store_id, c.type], func.sum(c.level_reached)),
        ),
    ]


def _messages(connection: Connection) -> list[Reading]:
    c = messages.c
    by_channel = [c.store_id, c.channel]
    return [
        Reading(
            "orderline_messages_decided",
            "Customer messages decided, by store and channel",
            "counter",
            ("store", "channel"),
            _counts(connection, by_channel, func.count()),
        ),
        Reading(
            "orderline_messages_sent",
            "Customer messages delivered, by store and channel",
            "counter",
            ("store", "channel"),
            _counts(connection, by_channel, func.count(), c.state == OutboxState.SENT.value),
        ),
        Reading(
            "orderline_messages_failed",
            "Customer messages given up on, by store and channel",
            "counter",
            ("store", "channel"),
            _counts(connection, by_channel, func.count(), c.state == OutboxState.FAILED.value),
        ),
    ]


def _outboxes(connection: Connection, now: datetime) -> list[Reading]:
    depth: dict[Labels, float] = {}
    oldest: dict[Labels, float] = {}
    for name, table, moment in (
        ("messages", messages, messages.c.decided_at),
        ("notifications", notifications, notifications.c.created_at),
        ("handoffs", handoffs, handoffs.c.requested_at),
        ("scorecards", scorecard_deliveries, scorecard_deliveries.c.created_at),
    ):
        unsent = table.c.state.in_(_UNSENT)
        for labels, count in _counts(connection, [table.c.store_id], func.count(), unsent).items():
            depth[(name, *labels)] = count
        for labels, age in _ages(connection, now, [table.c.store_id], moment, unsent).items():
            oldest[(name, *labels)] = age
    return [
        Reading(
            "orderline_outbox_depth",
            "Outgoing messages, escalation notices, hand-offs and scorecards not yet sent,"
            " by outbox and store",
            "gauge",
            ("outbox", "store"),
            depth,
        ),
        Reading(
            "orderline_outbox_oldest_age_seconds",
            "Age of the oldest unsent entry, by outbox and store",
            "gauge",
            ("outbox", "store"),
            oldest,
        ),
    ]


def _handoffs(connection: Connection) -> Reading:
    c = handoffs.c
    return Reading(
        "orderline_handoffs",
        "Support hand-offs by store, helpdesk and state",
        "gauge",
        ("store", "helpdesk", "state"),
        _counts(connection, [c.store_id, c.helpdesk, c.state], func.count()),
    )
