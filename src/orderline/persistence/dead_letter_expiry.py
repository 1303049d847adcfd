"""Dead letters do not pile up: those older than `server.dead_letter_max_age_days` go, and
past `server.dead_letter_max_count` the oldest go, a bounded batch at a time.

The intake writer runs `purge_dead_letters` in the transaction that files a dead letter,
at most once per `DeadLetterExpiry.interval` of received time, so a flood of refusals
pays for it once a minute, not per request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Select, delete, func, select

from orderline.persistence.tables import dead_letters

DEFAULT_MAX_AGE = timedelta(days=30)
DEFAULT_MAX_COUNT = 50_000


@dataclass(frozen=True, slots=True)
class DeadLetterExpiry:
    max_age: timedelta = DEFAULT_MAX_AGE
    max_count: int = DEFAULT_MAX_COUNT
    batch: int = 1000
    """Rows deleted at most per purge (each of age and count)."""
    interval: timedelta = timedelta(minutes=1)
    """The least time between two purges by the intake writer."""


def purge_dead_letters(connection: Connection, now: datetime, expiry: DeadLetterExpiry) -> int:
    """Delete up to `expiry.batch` expired dead letters and up to as many of the oldest
    beyond the count cap; the number deleted. In the caller's transaction."""
    cutoff = now - expiry.max_age
    expired = select(dead_letters.c.id).where(dead_letters.c.received_at < cutoff)
    deleted = _delete_ids(connection, expired.order_by(dead_letters.c.id).limit(expiry.batch))
    newest = connection.execute(select(func.max(dead_letters.c.id))).scalar()
    if newest is not None and newest > expiry.max_count:
        # Ids only grow: every row at or below newest - max_count is beyond the cap.
        beyond = select(dead_letters.c.id).where(dead_letters.c.id <= newest - expiry.max_count)
        deleted += _delete_ids(connection, beyond.order_by(dead_letters.c.id).limit(expiry.batch))
    return deleted


def _delete_ids(connection: Connection, ids: Select[Any]) -> int:
    found = [row[0] for row in connection.execute(ids)]
    if not found:
        return 0
    connection.execute(delete(dead_letters).where(dead_letters.c.id.in_(found)))
    return len(found)
