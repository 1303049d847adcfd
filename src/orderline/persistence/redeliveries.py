"""Redeliveries of a stored webhook, counted per (store, dedupe key) for the webhook audit.

Intake skips a delivery whose (store, dedupe key) the inbox already holds. The writer
calls `record_redeliveries` only for a batch that skipped rows, so a batch without
duplicates (the hot path) pays nothing; the table keeps one row per key, however often
the platform sends it again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from datetime import datetime

from sqlalchemy import Connection, Insert, func, select
from sqlalchemy.dialects import postgresql, sqlite

from orderline.persistence.tables import inbox, inbox_redeliveries

Delivered = tuple[str, str, datetime]
"""(store id, dedupe key, received at) of a delivery written in the batch."""


def record_redeliveries(
    connection: Connection,
    delivered: Sequence[Delivered],
    inserted: int,
    inserted_ids: Collection[int] | None,
) -> int:
    """Count the batch's deliveries that did not go in, in the caller's transaction.

    `inserted` rows went in; `inserted_ids` are their ids where the database returned them
    (PostgreSQL). Otherwise (SQLite, whose write lock the batch holds) the batch's rows are
    the `inserted` highest ids: SQLite gives a new row the highest id plus one. Of several
    deliveries with one key, the first went in unless the key was stored before. Returns
    how many redeliveries were counted.
    """
    is_new = _new_id_test(connection, inserted, inserted_ids)
    stored = _stored_ids(connection, delivered)
    went_in: set[tuple[str, str]] = set()
    again: dict[tuple[str, str], list[datetime]] = defaultdict(list)
    for store_id, key, received_at in delivered:
        identity = (store_id, key)
        stored_id = stored.get(identity)
        if stored_id is not None and is_new(stored_id) and identity not in went_in:
            went_in.add(identity)
            continue
        again[identity].append(received_at)
    if again:
        rows = [
            {"store_id": s, "dedupe_key": k, "count": len(at), "first_at": min(at), "last_at": max(at)}
            for (s, k), at in again.items()
        ]
        connection.execute(_upsert(connection.dialect.name), rows)
    return sum(len(at) for at in again.values())


def _new_id_test(
    connection: Connection, inserted: int, inserted_ids: Collection[int] | None
) -> Callable[[int], bool]:
    if inserted_ids is not None:
        new = frozenset(inserted_ids)
        return new.__contains__
    highest = connection.execute(select(func.max(inbox.c.id))).scalar_one_or_none() or 0
    return lambda row_id: row_id > highest - inserted


def _stored_ids(connection: Connection, delivered: Sequence[Delivered]) -> dict[tuple[str, str], int]:
    query = select(inbox.c.id, inbox.c.store_id, inbox.c.dedupe_key).where(
        inbox.c.store_id.in_(sorted({d[0] for d in delivered})),
        inbox.c.dedupe_key.in_(sorted({d[1] for d in delivered})),
    )
    return {(row[1], row[2]): int(row[0]) for row in connection.execute(query)}


def _upsert(dialect_name: str) -> Insert:
    """Add to a key's count and move its `last_at`; `first_at` stays the first one's."""
    table = inbox_redeliveries
    if dialect_name == "postgresql":
        pg = postgresql.insert(table)
        return pg.on_conflict_do_update(
            index_elements=["store_id", "dedupe_key"],
            set_={"count": table.c.count + pg.excluded.count, "last_at": pg.excluded.last_at},
        )
    lite = sqlite.insert(table)
    return lite.on_conflict_do_update(
        index_elements=["store_id", "dedupe_key"],
        set_={"count": table.c.count + lite.excluded.count, "last_at": lite.excluded.last_at},
    )
