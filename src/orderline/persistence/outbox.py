"""The one outbox: claiming due rows with a lease, recording attempts, and finishing them.

Four tables are outboxes: `messages` (customer messages), `handoffs` (helpdesk tickets),
`notifications` (escalation notices) and `scorecard_deliveries` (the weekly scorecard).
A row is written `queued` with a `due_at` in the transaction that decided it. A worker
claims it (`sending`, its attempt counted) and commits, makes the attempt outside any
transaction, then commits how it ended (`finish`): sent, queued again for a later
`due_at`, or failed.

Delivery is at-least-once and visible: a worker that dies between claiming and finishing
leaves the row `sending`; once its claim is older than the lease, the next claim takes it
again as interrupted (the other side may have it already; every row's key makes the
resend recognisable), flags it a possible duplicate and logs an `interrupted` attempt
where the table keeps those.

The tables were made at different times; an `OutboxTable` says where each keeps what
this module reads and writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import Column, Connection, Row, Table, and_, insert, or_, select, update


class OutboxState(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SUPPRESSED = "suppressed"
    """Recorded and never delivered: a customer message the platform sends itself."""


INTERRUPTED = "interrupted"
"""The outcome logged for an attempt whose worker died before recording it."""
_INTERRUPTED_DETAIL = (
    "the last attempt was interrupted before its outcome was recorded; resending with the same id"
)


@dataclass(frozen=True, slots=True)
class AttemptLog:
    """A table with one row per attempt: `row_key` names the outbox row it belongs to."""

    table: Table
    row_key: str


@dataclass(frozen=True, slots=True)
class OutboxTable:
    """Where an outbox table keeps what the outbox reads and writes. Every one has `id`,
    `store_id`, `order_id`, `key`-like unique column, `state`, `due_at`, `attempts` and
    `last_error`; they differ in the rest."""

    table: Table
    key: Column[Any]
    """The row's unique idempotency key."""
    claimed_at: Column[Any]
    """When the current claim was made. Tables without a column of their own reuse
    `due_at`: a claim moves it to the claim's moment, a retry to the next attempt's."""
    sent_as: str = OutboxState.SENT
    """The word the table stores for SENT (hand-offs say "done")."""
    possible_duplicate: Column[Any] | None = None
    attempt_log: AttemptLog | None = None

    def stored(self, state: OutboxState) -> str:
        return self.sent_as if state is OutboxState.SENT else state.value


class OutboxRow(Protocol):
    """What names an outbox row: a `Claim`, or any stored row read from the table."""

    @property
    def id(self) -> int: ...
    @property
    def store_id(self) -> str: ...
    @property
    def order_id(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Claim:
    id: int
    store_id: str
    order_id: str
    attempts: int
    """Counting the attempt this claim is for."""
    interrupted: bool
    """The row's previous claim outlived the lease: its worker died before finishing."""


@dataclass(frozen=True, slots=True)
class Sent:
    """The other side has it."""


@dataclass(frozen=True, slots=True)
class RetryLater:
    """Failed for now: queued again, due at `due_at`."""

    due_at: datetime
    error: str


@dataclass(frozen=True, slots=True)
class Failed:
    """Refused for good, or out of attempts: never tried again."""

    error: str


Ending = Sent | RetryLater | Failed
"""How a claimed row's attempt ended."""


def add(
    connection: Connection,
    outbox: OutboxTable,
    values: Mapping[str, Any],
    due_at: datetime | None,
    state: OutboxState = OutboxState.QUEUED,
) -> None:
    """Write a new row with no attempts yet: `queued` and due at `due_at`, unless `state`
    says it was settled when it was decided (a message that would not render, say)."""
    fresh: dict[str, Any] = {
        "state": state,
        "due_at": due_at if state == OutboxState.QUEUED else None,
        "attempts": 0,
    }
    if outbox.possible_duplicate is not None:
        fresh[outbox.possible_duplicate.name] = False
    connection.execute(insert(outbox.table).values({**values, **fresh}))


def key_exists(connection: Connection, outbox: OutboxTable, key: str) -> bool:
    return connection.execute(select(outbox.table.c.id).where(outbox.key == key)).first() is not None


def claimed_row(connection: Connection, outbox: OutboxTable, claim: Claim) -> Row[Any]:
    """The row `claim` took, as it is after the claim."""
    return connection.execute(select(outbox.table).where(outbox.table.c.id == claim.id)).one()


def claim_due(
    connection: Connection, outbox: OutboxTable, now: datetime, lease: timedelta, limit: int = 1
) -> list[Claim]:
    """Claim up to `limit` rows due at `now`, oldest due first, and any whose earlier
    claim outlived `lease` (its worker died between claiming and finishing)."""
    c = outbox.table.c
    due = or_(
        and_(c.state == OutboxState.QUEUED, c.due_at <= now),
        and_(c.state == OutboxState.SENDING, outbox.claimed_at <= now - lease),
    )
    candidates = connection.execute(
        select(c.id, c.store_id, c.order_id, c.state, c.attempts)
        .where(due)
        .order_by(c.due_at, c.id)
        .limit(limit)
    ).all()
    claims = [
        Claim(row.id, row.store_id, row.order_id, row.attempts + 1, row.state == OutboxState.SENDING)
        for row in candidates
    ]
    return [claim for claim in claims if _take(connection, outbox, claim, now)]


def _take(connection: Connection, outbox: OutboxTable, claim: Claim, now: datetime) -> bool:
    """Take the row for `claim`, unless another worker took it since it was read."""
    c = outbox.table.c
    was = OutboxState.SENDING if claim.interrupted else OutboxState.QUEUED
    changed = connection.execute(
        update(outbox.table)
        .where(c.id == claim.id, c.state == was)
        .values({"state": OutboxState.SENDING, outbox.claimed_at.name: now, "attempts": c.attempts + 1})
    )
    if changed.rowcount != 1:
        return False
    if claim.interrupted:
        _mark_interrupted(connection, outbox, claim, now)
    return True


def _mark_interrupted(connection: Connection, outbox: OutboxTable, claim: Claim, now: datetime) -> None:
    if outbox.possible_duplicate is not None:
        connection.execute(
            update(outbox.table)
            .where(outbox.table.c.id == claim.id)
            .values({outbox.possible_duplicate.name: True})
        )
    record_attempt(connection, outbox, claim, now, INTERRUPTED, _INTERRUPTED_DETAIL, possible_duplicate=True)


def record_attempt(
    connection: Connection,
    outbox: OutboxTable,
    row: OutboxRow,
    at: datetime,
    outcome: str,
    detail: str,
    *,
    possible_duplicate: bool = False,
) -> None:
    """Log one attempt of `row`, where the table keeps a log (every table counts its
    attempts and keeps the last error either way)."""
    log = outbox.attempt_log
    if log is None:
        return
    connection.execute(
        insert(log.table).values(
            {
                log.row_key: row.id,
                "store_id": row.store_id,
                "order_id": row.order_id,
                "at": at,
                "outcome": outcome,
                "detail": detail,
                "possible_duplicate": possible_duplicate,
            }
        )
    )


def finish(
    connection: Connection, outbox: OutboxTable, row_id: int, ending: Ending, values: Mapping[str, Any]
) -> None:
    """Record how the claimed row's attempt ended, with the caller's own `values`
    (a remote id, a ticket link...). The claim ends with it."""
    c = outbox.table.c
    connection.execute(
        update(outbox.table).where(c.id == row_id).values({**_claim_ended(outbox, ending), **values})
    )


def _claim_ended(outbox: OutboxTable, ending: Ending) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if outbox.claimed_at is not outbox.table.c.due_at:
        values[outbox.claimed_at.name] = None
    match ending:
        case Sent():
            values["state"] = outbox.stored(OutboxState.SENT)
        case RetryLater(due_at, error):
            values |= {"state": OutboxState.QUEUED, "due_at": due_at, "last_error": error}
        case Failed(error):
            values |= {"state": OutboxState.FAILED, "last_error": error}
    return values


def rows_of_order(
    connection: Connection, outbox: OutboxTable, store_id: str, order_id: str
) -> list[dict[str, Any]]:
    """Every row of one order, oldest first, as the table has it."""
    c = outbox.table.c
    rows = connection.execute(
        select(outbox.table).where(c.store_id == store_id, c.order_id == order_id).order_by(c.id)
    )
    return [dict(row._mapping) for row in rows]
