"""Customer messages in the outbox: recording decided messages, reading them back, and
claiming due ones for delivery.

Claiming, the lease and the record of each attempt are the outbox's (`store.outbox`,
with `MESSAGES` saying where the `messages` table keeps them); what is the messages'
own is their content and their attempt log (`message_attempts`), which the order's
timeline and the messaging audit read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, select

from orderline.persistence import outbox
from orderline.persistence.messaging_tables import message_attempts, messages
from orderline.persistence.outbox import INTERRUPTED as INTERRUPTED
from orderline.persistence.outbox import AttemptLog, Claim, OutboxState, OutboxTable

MESSAGES = OutboxTable(
    messages,
    key=messages.c.idempotency_key,
    claimed_at=messages.c.claimed_at,
    possible_duplicate=messages.c.possible_duplicate,
    attempt_log=AttemptLog(message_attempts, "message_id"),
)

# Importable from here for the web layer's timeline, as before the outbox was shared.
FAILED, SUPPRESSED = OutboxState.FAILED, OutboxState.SUPPRESSED


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
    state: OutboxState
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
    state: OutboxState
    decided_at: datetime
    attempts: int
    sent_at: datetime | None
    remote_id: str | None
    last_error: str | None
    possible_duplicate: bool


def _stored(row: Any) -> StoredMessage:
    values = dict(row._mapping)
    values["covers"] = tuple(values["covers"])
    values["state"] = OutboxState(values["state"])
    for column in ("due_at", "claimed_at"):
        values.pop(column)
    return StoredMessage(**values)


def insert_message(connection: Connection, message: NewMessage) -> None:
    values = {name: getattr(message, name) for name in NewMessage.__slots__ if name != "state"}
    values["covers"] = list(message.covers)
    outbox.add(connection, MESSAGES, values, message.decided_at, message.state)


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
    return [claimed(connection, claim) for claim in outbox.claim_due(connection, MESSAGES, now, lease, limit)]


def claimed(connection: Connection, claim: Claim) -> StoredMessage:
    """The message `claim` took, as it is after the claim."""
    return _stored(outbox.claimed_row(connection, MESSAGES, claim))


def list_attempts(connection: Connection, store_id: str, order_id: str) -> list[dict[str, Any]]:
    rows = connection.execute(
        select(message_attempts, messages.c.kind, messages.c.idempotency_key)
        .join(messages, messages.c.id == message_attempts.c.message_id)
        .where(message_attempts.c.store_id == store_id, message_attempts.c.order_id == order_id)
        .order_by(message_attempts.c.at, message_attempts.c.id)
    )
    return [dict(row._mapping) for row in rows]
