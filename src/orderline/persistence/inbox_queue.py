"""The processing side of the inbox: pending deliveries out, outcomes back in, and the
quarantine (deliveries set aside with their reason until a person retries or skips them)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, select, update

from orderline.persistence.inbox import DeadLetterRecord, write_records
from orderline.persistence.processing_tables import inbox_actions
from orderline.persistence.row_encoding import Encoder, placeholder
from orderline.persistence.tables import dead_letters, inbox

PENDING = "pending"
PROCESSED = "processed"
IGNORED = "ignored"
UNRESOLVED = "unresolved"
WAITING = "waiting"
QUARANTINED = "quarantined"
SKIPPED = "skipped"
FAILED = "failed"
"""Before quarantine existed, a delivery that could not be mapped was `failed`."""
SET_ASIDE = (QUARANTINED, FAILED)


@dataclass(frozen=True, slots=True)
class PendingDelivery:
    inbox_id: int
    platform: str
    store_id: str
    topic: str
    received_at: datetime
    triggered_at: datetime | None
    body: bytes
    attempts: int


@dataclass(frozen=True, slots=True)
class DeliveryOutcome:
    inbox_id: int
    status: str  # processed | ignored | unresolved | waiting | quarantined
    order_id: str | None = None
    error: str | None = None
    next_attempt_at: datetime | None = None


_PENDING_COLUMNS = (
    inbox.c.id,
    inbox.c.platform,
    inbox.c.store_id,
    inbox.c.topic,
    inbox.c.received_at,
    inbox.c.triggered_at,
    inbox.c.body,
    inbox.c.attempts,
)


def fetch_pending(
    connection: Connection,
    limit: int,
    now: datetime | None = None,
    *,
    platforms: Collection[str] | None = None,
    stores: Collection[str] | None = None,
) -> list[PendingDelivery]:
    """Pending deliveries, and (given `now`) waiting ones whose retry time has come,
    oldest first; only `platforms`' when given (a processing lane), only `stores`' when
    given (a job of the scale-out worker).

    One query per status, each walking the (status, id) index in order: an OR of the two
    made SQLite collect every pending row and sort them, for each batch of a backlog."""
    wanted = [inbox.c.status == PENDING]
    if now is not None:
        wanted.append(and_(inbox.c.status == WAITING, inbox.c.next_attempt_at <= now))
    found: list[PendingDelivery] = []
    for condition in wanted:
        query = select(*_PENDING_COLUMNS).where(condition)
        if platforms is not None:
            query = query.where(inbox.c.platform.in_(sorted(platforms)))
        if stores is not None:
            query = query.where(inbox.c.store_id.in_(sorted(stores)))
        found += (
            PendingDelivery(*row) for row in connection.execute(query.order_by(inbox.c.id).limit(limit))
        )
    found.sort(key=lambda delivery: delivery.inbox_id)
    return found[:limit]


def fetch_replayable(
    connection: Connection, after_id: int, up_to_id: int, limit: int, store_id: str | None = None
) -> list[PendingDelivery]:
    """Verified deliveries with ids in (after_id, up_to_id], for a replay; skipped ones
    stay skipped."""
    query = select(*_PENDING_COLUMNS).where(
        inbox.c.id > after_id,
        inbox.c.id <= up_to_id,
        inbox.c.verified.is_(True),
        inbox.c.status != SKIPPED,
    )
    if store_id is not None:
        query = query.where(inbox.c.store_id == store_id)
    rows = connection.execute(query.order_by(inbox.c.id).limit(limit)).all()
    return [PendingDelivery(*row) for row in rows]


def replayable_count(connection: Connection, store_id: str | None = None) -> int:
    query = (
        select(func.count()).select_from(inbox).where(inbox.c.verified.is_(True), inbox.c.status != SKIPPED)
    )
    if store_id is not None:
        query = query.where(inbox.c.store_id == store_id)
    return int(connection.execute(query).scalar_one())


def last_id(connection: Connection) -> int:
    return int(connection.execute(select(func.coalesce(func.max(inbox.c.id), 0))).scalar_one())


def record_outcomes(connection: Connection, outcomes: Sequence[DeliveryOutcome], now: datetime) -> None:
    """Each delivery's status, order, error and next attempt, its attempts counted: one
    statement run for all, its values encoded here (SQLAlchemy's per-row parameter
    handling cost more than the updates; see row_encoding)."""
    if not outcomes:
        return
    encoder = Encoder(connection.dialect.name)
    mark = placeholder(connection)
    processed_at = encoder.timestamp(now)
    connection.exec_driver_sql(
        f"UPDATE {inbox.name} SET status = {mark}, order_id = {mark}, error = {mark},"
        f" next_attempt_at = {mark}, processed_at = {mark}, attempts = attempts + 1 WHERE id = {mark}",
        [
            (o.status, o.order_id, o.error, encoder.timestamp(o.next_attempt_at), processed_at, o.inbox_id)
            for o in outcomes
        ],
    )


def dead_letter_quarantined(
    connection: Connection, quarantined: Sequence[tuple[PendingDelivery, str]], now: datetime
) -> None:
    """A stored delivery set aside is listed with the other dead letters too."""
    write_records(
        connection,
        [
            DeadLetterRecord(
                received_at=d.received_at,
                platform=d.platform,
                store_id=d.store_id,
                path=f"inbox/{d.inbox_id}",
                status_code=202,
                reason=f"quarantined: {reason}",
                headers={},
                body=d.body,
                inbox_id=d.inbox_id,
            )
            for d, reason in quarantined
        ],
    )


def quarantine_exhausted_unresolved(connection: Connection, max_attempts: int, now: datetime) -> int:
    """Deliveries still not tied to an order after `max_attempts` are set aside."""
    result = connection.execute(
        update(inbox)
        .where(inbox.c.status == UNRESOLVED, inbox.c.attempts >= max_attempts)
        .values(
            status=QUARANTINED,
            processed_at=now,
            error=func.coalesce(inbox.c.error, "") + f" (still unresolved after {max_attempts} attempts)",
        )
    )
    return result.rowcount


def requeue_unresolved(connection: Connection, max_attempts: int) -> int:
    """Put deliveries that could not be tied to an order yet back in line."""
    result = connection.execute(
        update(inbox)
        .where(inbox.c.status == UNRESOLVED, inbox.c.attempts < max_attempts)
        .values(status=PENDING)
    )
    return result.rowcount


def set_aside(
    connection: Connection, *, store_id: str | None = None, limit: int = 1_000
) -> list[dict[str, Any]]:
    """Quarantined and waiting deliveries, oldest first: what an operator looks at."""
    query = select(
        inbox.c.id,
        inbox.c.platform,
        inbox.c.store_id,
        inbox.c.topic,
        inbox.c.received_at,
        inbox.c.status,
        inbox.c.attempts,
        inbox.c.error,
        inbox.c.order_id,
        inbox.c.next_attempt_at,
    ).where(inbox.c.status.in_((*SET_ASIDE, WAITING)))
    if store_id is not None:
        query = query.where(inbox.c.store_id == store_id)
    rows = connection.execute(query.order_by(inbox.c.id).limit(limit)).mappings().all()
    return [dict(row) for row in rows]


def quarantined_ids(connection: Connection, inbox_ids: Collection[int] | None = None) -> list[int]:
    query = select(inbox.c.id).where(inbox.c.status.in_(SET_ASIDE))
    if inbox_ids is not None:
        query = query.where(inbox.c.id.in_(sorted(inbox_ids)))
    return [int(i) for i in connection.execute(query.order_by(inbox.c.id)).scalars()]


def release(
    connection: Connection,
    inbox_ids: Sequence[int],
    *,
    action: str,
    now: datetime,
    actor: str | None,
    reason: str | None,
) -> int:
    """Retry (back to pending, attempts reset) or skip quarantined deliveries; each act
    is recorded with who did it and why. Returns how many changed."""
    rows = connection.execute(
        select(inbox.c.id, inbox.c.store_id, inbox.c.order_id).where(
            inbox.c.id.in_(sorted(inbox_ids)), inbox.c.status.in_(SET_ASIDE)
        )
    ).all()
    if not rows:
        return 0
    ids = [int(row.id) for row in rows]
    values: dict[str, Any] = {"status": PENDING, "attempts": 0, "error": None, "next_attempt_at": None}
    if action == SKIPPED:
        values = {"status": SKIPPED, "error": f"skipped: {reason}" if reason else "skipped"}
    connection.execute(update(inbox).where(inbox.c.id.in_(ids)).values(**values))
    if action != SKIPPED:
        # Dead-lettered again if it fails again.
        connection.execute(delete(dead_letters).where(dead_letters.c.inbox_id.in_(ids)))
    connection.execute(
        insert(inbox_actions),
        [
            {
                "inbox_id": row.id,
                "store_id": row.store_id,
                "order_id": row.order_id,
                "at": now,
                "action": "retried" if action != SKIPPED else SKIPPED,
                "actor": actor,
                "reason": reason,
            }
            for row in rows
        ],
    )
    return len(ids)


def actions_of_order(connection: Connection, store_id: str, order_id: str) -> list[dict[str, Any]]:
    rows = connection.execute(
        select(inbox_actions)
        .where(inbox_actions.c.store_id == store_id, inbox_actions.c.order_id == order_id)
        .order_by(inbox_actions.c.id)
    ).mappings()
    return [dict(row) for row in rows]


def reset_for_replay(connection: Connection, inbox_ids: Sequence[int]) -> None:
    """Old processing dead letters of deliveries a replay maps again: dead-lettered again
    if they still fail."""
    if inbox_ids:
        connection.execute(delete(dead_letters).where(dead_letters.c.inbox_id.in_(sorted(inbox_ids))))
