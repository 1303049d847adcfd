"""Facts and the order projections folded from them.

The projection (orders + timeline) is always rebuildable from the facts, and the facts
from the raw inbox: `orderline replay` does exactly that.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table, and_, delete, func, or_, select, text
from sqlalchemy.dialects import postgresql, sqlite

from orderline.persistence.row_encoding import ORDER_COLUMNS, Encoder, insert_rows
from orderline.persistence.tables import dead_letters, facts, fulfillment_order_index, orders

OrderKey = tuple[str, str]  # (store_id, order_id)


@dataclass(frozen=True, slots=True)
class FactRow:
    store_id: str
    order_id: str
    fact_key: str
    fact_type: str
    occurred_at: datetime
    body: dict[str, Any]
    inbox_id: int | None
    fact: Any = None
    """The fact itself when it was just mapped (not stored; saves decoding the body)."""


@dataclass(frozen=True, slots=True)
class OrderProjection:
    """One order's read model, as the fold produced it."""

    store_id: str
    order_id: str
    order_number: str
    status: str
    payment_status: str
    fulfillment_status: str
    owner: str
    placed_at: datetime
    updated_at: datetime
    email: str | None
    state: dict[str, Any]
    fact_count: int
    order: Any = field(default=None, compare=False)
    """The folded order itself (not stored; spares a reader that has it decoding `state`)."""


def of_orders(table: Table, keys: Sequence[OrderKey]) -> ColumnElement[bool]:
    """`(store_id, order_id) IN keys`, written so SQLite uses the index.

    SQLite answers a row-value IN with a full table scan (EXPLAIN QUERY PLAN: SCAN
    facts); `store_id = ? AND order_id IN (...)` per store is an index lookup, which
    kept processing from slowing down as the database grows.
    """
    by_store: dict[str, list[str]] = defaultdict(list)
    for store_id, order_id in keys:
        by_store[store_id].append(order_id)
    return or_(
        *(
            and_(table.c.store_id == store, table.c.order_id.in_(ids))
            for store, ids in sorted(by_store.items())
        )
    )


def upsert(dialect_name: str, table: Any) -> Any:
    return postgresql.insert(table) if dialect_name == "postgresql" else sqlite.insert(table)


FACT_COLUMNS = ("store_id", "order_id", "fact_key", "fact_type", "occurred_at", "body", "inbox_id")


def insert_facts(connection: Connection, rows: Sequence[FactRow], table: Table = facts) -> None:
    """Store facts; one already known (same store, order and fact key) is skipped.
    `table`: `facts`, or a replay's staging table of the same shape."""
    if not rows:
        return
    encoder = Encoder(connection.dialect.name)
    encoded = [
        (
            r.store_id,
            r.order_id,
            r.fact_key,
            r.fact_type,
            encoder.timestamp(r.occurred_at),
            encoder.json_text(r.body),
            r.inbox_id,
        )
        for r in rows
    ]
    conflict = "ON CONFLICT (store_id, order_id, fact_key) DO NOTHING"
    insert_rows(connection, table, FACT_COLUMNS, encoded, conflict)


def load_facts(connection: Connection, keys: Iterable[OrderKey]) -> dict[OrderKey, dict[str, dict[str, Any]]]:
    """Every stored fact of the given orders: fact_key -> body."""
    found: dict[OrderKey, dict[str, dict[str, Any]]] = defaultdict(dict)
    key_list = sorted(set(keys))
    for start in range(0, len(key_list), 400):
        chunk = key_list[start : start + 400]
        result = connection.execute(
            select(facts.c.store_id, facts.c.order_id, facts.c.fact_key, facts.c.body).where(
                of_orders(facts, chunk)
            )
        )
        for store_id, order_id, key, body in result:
            found[(store_id, order_id)][key] = body
    return found


def lock_orders(connection: Connection, keys: Iterable[OrderKey]) -> None:
    """Serialise writers of the same orders until the transaction ends.

    SQLite needs nothing: a write transaction holds the database's one write lock.
    PostgreSQL takes a transaction-scoped advisory lock per order, in a fixed order so
    two workers cannot deadlock.
    """
    if connection.dialect.name != "postgresql":
        return
    names = [f"{store_id}/{order_id}" for store_id, order_id in sorted(set(keys))]
    if names:  # one round trip for the batch, the locks taken in the sorted order
        connection.execute(_LOCK_SORTED, {"keys": names})


_LOCK_SORTED = text(
    "SELECT pg_advisory_xact_lock(hashtextextended(k, 0))"
    " FROM (SELECT k FROM unnest(CAST(:keys AS text[])) WITH ORDINALITY AS u(k, n) ORDER BY n) AS sorted"
)


def fact_counts(connection: Connection, keys: Iterable[OrderKey]) -> dict[OrderKey, int]:
    counts: dict[OrderKey, int] = {}
    key_list = sorted(set(keys))
    for start in range(0, len(key_list), 400):
        chunk = key_list[start : start + 400]
        rows = connection.execute(
            select(facts.c.store_id, facts.c.order_id, func.count())
            .where(of_orders(facts, chunk))
            .group_by(facts.c.store_id, facts.c.order_id)
        )
        counts.update(((store_id, order_id), int(n)) for store_id, order_id, n in rows)
    return counts


_UPSERT_ORDERS = "ON CONFLICT (store_id, order_id) DO UPDATE SET " + ", ".join(
    f"{name} = excluded.{name}" for name in ORDER_COLUMNS[2:]
)


def save_projections(connection: Connection, projections: Sequence[OrderProjection]) -> None:
    """Insert or replace each order's read model (its timeline lives in its `state`)."""
    if not projections:
        return
    encoder = Encoder(connection.dialect.name)
    rows = [(p.store_id, p.order_id, *encoder.order_values(p)) for p in projections]
    insert_rows(connection, orders, ORDER_COLUMNS, rows, _UPSERT_ORDERS)


def remember_fulfillment_orders(connection: Connection, rows: Sequence[tuple[str, str, str]]) -> None:
    """(store_id, fulfillment_order_id, order_id): lets thin hold payloads find their order."""
    if not rows:
        return
    statement = upsert(connection.dialect.name, fulfillment_order_index).on_conflict_do_nothing(
        index_elements=["store_id", "fulfillment_order_id"]
    )
    connection.execute(
        statement, [{"store_id": s, "fulfillment_order_id": f, "order_id": o} for s, f, o in rows]
    )


def order_for_fulfillment_order(
    connection: Connection, store_id: str, fulfillment_order_id: str
) -> str | None:
    return connection.execute(
        select(fulfillment_order_index.c.order_id).where(
            fulfillment_order_index.c.store_id == store_id,
            fulfillment_order_index.c.fulfillment_order_id == fulfillment_order_id,
        )
    ).scalar_one_or_none()


def clear_projections(connection: Connection) -> None:
    """For replay: facts and projections go; the raw inbox stays."""
    for table in (orders, facts, fulfillment_order_index):
        connection.execute(delete(table))
    # Processing failures are dead-lettered again if they still fail.
    connection.execute(delete(dead_letters).where(dead_letters.c.inbox_id.is_not(None)))
