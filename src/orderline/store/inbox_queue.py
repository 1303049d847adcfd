"""The processing side of the inbox: pending deliveries out, outcomes back in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, bindparam, select, update

from orderline.store.inbox import DeadLetterRecord, write_records
from orderline.store.tables import inbox


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
    status: str  # processed | ignored | failed | unresolved
    order_id: str | None = None
    error: str | None = None


def fetch_pending(connection: Connection, limit: int, after_id: int = 0) -> list[PendingDelivery]:
    rows = connection.execute(
        select(
            inbox.c.id,
            inbox.c.platform,
            inbox.c.store_id,
            inbox.c.topic,
            inbox.c.received_at,
            inbox.c.triggered_at,
            inbox.c.body,
            inbox.c.attempts,
        )
        .where(inbox.c.status == "pending", inbox.c.id > after_id)
        .order_by(inbox.c.id)
        .limit(limit)
    ).all()
    return [PendingDelivery(*row) for row in rows]


def record_outcomes(connection: Connection, outcomes: Sequence[DeliveryOutcome], now: datetime) -> None:
    statement = (
        update(inbox)
        .where(inbox.c.id == bindparam("b_id"))
        .values(
            status=bindparam("b_status"),
            order_id=bindparam("b_order_id"),
            error=bindparam("b_error"),
            processed_at=now,
            attempts=inbox.c.attempts + 1,
        )
    )
    connection.execute(
        statement,
        [
            {"b_id": o.inbox_id, "b_status": o.status, "b_order_id": o.order_id, "b_error": o.error}
            for o in outcomes
        ],
    )


def dead_letter_failures(
    connection: Connection, failures: Sequence[tuple[PendingDelivery, str]], now: datetime
) -> None:
    """A delivery that was stored but cannot be mapped is listed with the other dead letters."""
    write_records(
        connection,
        [
            DeadLetterRecord(
                received_at=d.received_at,
                platform=d.platform,
                store_id=d.store_id,
                path=f"inbox/{d.inbox_id}",
                status_code=202,
                reason=f"processing failed: {reason}",
                headers={},
                body=d.body,
                inbox_id=d.inbox_id,
            )
            for d, reason in failures
        ],
    )


def requeue_unresolved(connection: Connection, max_attempts: int) -> int:
    """Put deliveries that could not be tied to an order yet back in line."""
    result = connection.execute(
        update(inbox)
        .where(inbox.c.status == "unresolved", inbox.c.attempts < max_attempts)
        .values(status="pending")
    )
    return result.rowcount


def requeue_all(connection: Connection) -> int:
    """For replay: every verified delivery is processed again from its raw body."""
    result = connection.execute(
        update(inbox).where(inbox.c.verified.is_(True)).values(status="pending", error=None, order_id=None)
    )
    return result.rowcount
