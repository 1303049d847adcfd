"""The message outbox: recording decided messages, claiming due ones for delivery, and
recording every attempt's outcome.

Delivery is at-least-once and visible: a message is claimed (`sending`, `claimed_at`) and
committed before it is sent, and its outcome is committed after. A worker that dies in
between leaves the row `sending`; once its claim is older than the lease, the next claim
takes it again, marks it a possible duplicate (the server may have accepted it before
the crash) and logs an `interrupted` attempt. The resend carries the same idempotency key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, bindparam, insert, or_, select, update

from orderline.store.messaging_tables import message_attempts, messages

QUEUED, SENDING, SENT, FAILED, SUPPRESSED = "queued", "sending", "sent", "failed", "suppressed"
INTERRUPTED = "interrupted"


@dataclass(frozen=True, slots=True)
class NewMessage:
    store_id: str
    order_id: str
    idempotency_key: str
    kind: str
    channel: str
    recipient: str | None
    covers: Sequence[str]
    topic: dict[str, Any]
    decided_at: datetime
    state: str
    subject: str | None = None
    body_text: str | None = None
    body_html: str | None = None
    last_error: str | None = None


@dataclass(frozen=True, slots=True)
class StoredMessage:
    id: int
    store_id: str
    order_id: str
    idempotency_key: str
    kind: str
    channel: str
    recipient: str | None
    covers: tuple[str, ...]
    topic: dict[str, Any]
    subject: str | None
    body_text: str | None
    body_html: str | None
    state: str
    decided_at: datetime
    attempts: int
    sent_at: datetime | None
    remote_id: str | None
    last_error: str | None
    possible_duplicate: bool


def _stored(row: Any) -> StoredMessage:
    values = dict(row._mapping)
    values["covers"] = tuple(values["covers"])
    for column in ("due_at", "claimed_at"):
        values.pop(column)
    return StoredMessage(**values)


def insert_message(connection: Connection, message: NewMessage) -> None:
    connection.execute(insert(messages).values(**_values(message)))


def _values(message: NewMessage) -> dict[str, Any]:
    values = {name: getattr(message, name) for name in NewMessage.__slots__}
    values["covers"] = list(message.covers)
    due = message.decided_at if message.state == QUEUED else None
    return {**values, "due_at": due, "attempts": 0, "possible_duplicate": False}


# Built once: the planner loads an order's messages on every evaluation.
_ORDER_MESSAGES = (
    select(messages)
    .where(messages.c.store_id == bindparam("store_id"), messages.c.order_id == bindparam("order_id"))
    .order_by(messages.c.decided_at, messages.c.id)
)


def load_messages(connection: Connection, store_id: str, order_id: str) -> list[StoredMessage]:
    rows = connection.execute(_ORDER_MESSAGES, {"store_id": store_id, "order_id": order_id})
    return [_stored(row) for row in rows]


def get_message(connection: Connection, message_id: int) -> StoredMessage | None:
    row = connection.execute(select(messages).where(messages.c.id == message_id)).first()
    return None if row is None else _stored(row)


def claim_due(connection: Connection, now: datetime, limit: int, lease: timedelta) -> list[StoredMessage]:
    """Claim up to `limit` messages due at `now`, and any whose earlier claim outlived
    `lease` (its worker died between claiming and recording): those are possible duplicates."""
    due = or_(
        and_(messages.c.state == QUEUED, messages.c.due_at <= now),
        and_(messages.c.state == SENDING, messages.c.claimed_at <= now - lease),
    )
    rows = connection.execute(
        select(messages.c.id, messages.c.state)
        .where(due)
        .order_by(messages.c.due_at, messages.c.id)
        .limit(limit)
    ).all()
    claimed = []
    for message_id, state in rows:
        changed = connection.execute(
            update(messages)
            .where(messages.c.id == message_id, messages.c.state == state)
            .values(state=SENDING, claimed_at=now, attempts=messages.c.attempts + 1)
        )
        if changed.rowcount != 1:
            continue  # another worker took it
        if state == SENDING:
            _mark_interrupted(connection, message_id, now)
        stored = get_message(connection, message_id)
        if stored is not None:
            claimed.append(stored)
    return claimed


def _mark_interrupted(connection: Connection, message_id: int, now: datetime) -> None:
    connection.execute(update(messages).where(messages.c.id == message_id).values(possible_duplicate=True))
    stored = get_message(connection, message_id)
    if stored is None:  # pragma: no cover - just updated
        return
    detail = "the last attempt was interrupted before its outcome was recorded; resending with the same id"
    record_attempt(connection, stored, now, INTERRUPTED, detail, possible_duplicate=True)


def record_attempt(
    connection: Connection, message: StoredMessage, at: datetime, outcome: str, detail: str, **flags: bool
) -> None:
    connection.execute(
        insert(message_attempts).values(
            message_id=message.id,
            store_id=message.store_id,
            order_id=message.order_id,
            at=at,
            outcome=outcome,
            detail=detail,
            possible_duplicate=flags.get("possible_duplicate", False),
        )
    )


def finish(connection: Connection, message: StoredMessage, state: str, values: dict[str, Any]) -> None:
    """Record the outcome of a claimed message: `sent`, `failed`, or back to `queued`
    with a later `due_at` for a retry."""
    connection.execute(
        update(messages).where(messages.c.id == message.id).values(state=state, claimed_at=None, **values)
    )


def list_attempts(connection: Connection, store_id: str, order_id: str) -> list[dict[str, Any]]:
    rows = connection.execute(
        select(message_attempts, messages.c.kind, messages.c.idempotency_key)
        .join(messages, messages.c.id == message_attempts.c.message_id)
        .where(message_attempts.c.store_id == store_id, message_attempts.c.order_id == order_id)
        .order_by(message_attempts.c.at, message_attempts.c.id)
    )
    return [dict(row._mapping) for row in rows]
