"""The console's read-only boards (services/console_boards.py): open work per order status,
hold reason and exception type; dead letters a page at a time with a piece of each body;
recent drift incidents. Reads only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, case, func, select

from orderline.persistence.exception_records import OPEN, sla_state
from orderline.persistence.exception_tables import order_exceptions
from orderline.persistence.reconcile_tables import drift_incidents
from orderline.persistence.tables import dead_letters, orders


@dataclass(frozen=True, slots=True)
class OpenTally:
    """Open work of one status, hold reason or exception type."""

    count: int
    oldest: datetime | None
    breaches: int


def _aware(moment: datetime | None) -> datetime | None:
    # SQLite hands back naive UTC datetimes from aggregates (the column type is skipped).
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def orders_by_status(connection: Connection) -> dict[str, OpenTally]:
    """Orders per canonical status, with the oldest last change among them."""
    c = orders.c
    rows = connection.execute(select(c.status, func.count(), func.min(c.updated_at)).group_by(c.status)).all()
    return {str(status): OpenTally(int(count), _aware(oldest), 0) for status, count, oldest in rows}


def open_exceptions_by(connection: Connection, column: str, now: datetime) -> dict[str, OpenTally]:
    """Open exceptions grouped by `type` or `hold` (the hold reason an exception places):
    count, oldest opening, and how many have breached their SLA at `now`."""
    c = order_exceptions.c
    key = c.type if column == "type" else c.hold
    breached = func.sum(case((sla_state(now, timedelta(0)) == "breached", 1), else_=0))
    grouped = key.label("key")
    rows = connection.execute(
        select(grouped, func.count(), func.min(c.opened_at), breached)
        .where(c.state == OPEN, key.is_not(None))
        .group_by(grouped)
    ).all()
    return {
        str(name): OpenTally(int(count), _aware(oldest), int(breaches or 0))
        for name, count, oldest, breaches in rows
    }


def dead_letter_page(
    connection: Connection, before_id: int | None, limit: int, preview_bytes: int
) -> list[dict[str, Any]]:
    """Dead letters newest first (ids below `before_id` when given), each with the first
    `preview_bytes` of its body."""
    c = dead_letters.c
    query = select(
        c.id,
        c.received_at,
        c.platform,
        c.store_id,
        c.path,
        c.status_code,
        c.reason,
        func.length(c.body).label("body_bytes"),
        func.substr(c.body, 1, preview_bytes).label("preview"),
    ).order_by(c.id.desc())
    if before_id is not None:
        query = query.where(c.id < before_id)
    return [
        {
            "id": r.id,
            "received_at": _aware(r.received_at),
            "platform": r.platform,
            "store_id": r.store_id,
            "path": r.path,
            "status_code": r.status_code,
            "reason": r.reason,
            "body_bytes": int(r.body_bytes or 0),
            "preview": bytes(r.preview or b"").decode("utf-8", "replace"),
        }
        for r in connection.execute(query.limit(limit))
    ]


def recent_incidents(connection: Connection, limit: int) -> list[dict[str, Any]]:
    """Drift incidents, newest detection first."""
    c = drift_incidents.c
    rows = connection.execute(
        select(c.id, c.store_id, c.order_id, c.source, c.fields, c.changed_at, c.detected_at, c.healed_at)
        .order_by(c.detected_at.desc(), c.id.desc())
        .limit(limit)
    )
    return [
        {
            "id": r.id,
            "store_id": r.store_id,
            "order_id": r.order_id,
            "source": r.source,
            "fields": list(r.fields or []),
            "changed_at": _aware(r.changed_at),
            "detected_at": _aware(r.detected_at),
            "healed_at": _aware(r.healed_at),
        }
        for r in rows
    ]
