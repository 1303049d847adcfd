"""Bulk writes for an import: a page of new orders in a handful of statements.

Owns the SQL of the import's fast path (`services.bulk_import`): which deliveries and
orders a page already finds stored, and the inbox, facts and orders rows of
orders seen for the first time. Rows go to the driver as plain tuples through
`exec_driver_sql`: SQLAlchemy Core's per-row parameter handling (compiling, type
processors) cost more than the inserts themselves. The values are therefore encoded
here exactly as the table types would store them (`tables.UtcDateTime`, JSON through
the engine's orjson serializer), which the import tests check row for row against the
Processor's own writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine

from orderline.persistence.inbox import InboxRecord
from orderline.persistence.projections import FactRow, OrderProjection
from orderline.persistence.row_encoding import ORDER_COLUMNS, Encoder, insert_rows, placeholder
from orderline.persistence.tables import facts, inbox, orders

CHUNK = 400
"""Values per IN list."""
WRITER_CACHE_KIB = 65_536
"""SQLite page cache of the connection that writes an import (its default is 2 MiB). A
transaction of 2,000 new orders touches ~16 MiB of pages across six B-trees; with the
default cache their pages were read back from the file over and over (~10 µs of CPU
per order). The cache grows only as pages are touched; the pooled connection keeps the
setting for the rest of the importing process."""


@dataclass(frozen=True, slots=True)
class NewOrderRows:
    """One order's first rows, encoded for the database (see `RowEncoder`)."""

    order_id: str
    facts: Sequence[tuple[Any, ...]]
    """(fact_key, fact_type, occurred_at, body, delivery): `delivery` indexes the page's
    deliveries and becomes that delivery's inbox id when written."""
    order: tuple[Any, ...] | None
    """The `orders` row after (store_id, order_id); None when the fold gave no order."""


@dataclass(frozen=True, slots=True)
class RowEncoder(Encoder):
    """An import's rows for `dialect` ("sqlite" or "postgresql"); see `Encoder`."""

    def inbox_row(self, record: InboxRecord) -> tuple[Any, ...]:
        """`record` in `INBOX_COLUMNS` order, up to its outcome (`outcome`)."""
        return (
            record.platform,
            record.store_id,
            record.topic,
            record.dedupe_key,
            record.event_id,
            self.timestamp(record.received_at),
            self.timestamp(record.triggered_at),
            self.json_text(record.headers),
            record.body,
            record.body_sha256,
            record.verified,
        )

    def outcome(self, order_id: str | None, now: datetime) -> tuple[Any, ...]:
        """The rest of an inbox row: processed for `order_id` at `now` as the Processor
        records an outcome, or pending (order_id None) as intake stores a delivery."""
        return ("processed", 1, order_id, self.timestamp(now)) if order_id else ("pending", 0, None, None)

    def new_order(
        self, order_id: str, fact_rows: Sequence[FactRow], projection: OrderProjection | None
    ) -> NewOrderRows:
        """An order's rows; each fact row's `inbox_id` holds its delivery's index in the page."""
        encoded_facts = [
            (r.fact_key, r.fact_type, self.timestamp(r.occurred_at), self.json_text(r.body), r.inbox_id)
            for r in fact_rows
        ]
        if projection is None:
            return NewOrderRows(order_id, encoded_facts, None)
        return NewOrderRows(order_id, encoded_facts, self.order_values(projection))


@contextmanager
def begin_write(engine: Engine) -> Iterator[Connection]:
    """A transaction that takes SQLite's write lock at once (BEGIN IMMEDIATE), so what
    it reads first cannot change before it writes; on PostgreSQL an ordinary one."""
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql(f"PRAGMA cache_size = -{WRITER_CACHE_KIB}")
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.begin()
        try:
            yield connection
        except BaseException:
            connection.rollback()
            raise
        connection.commit()


def known_dedupe_keys(connection: Connection, store_id: str, keys: Iterable[str]) -> set[str]:
    """Those of `keys` the inbox already holds for `store_id`."""
    sql = f"SELECT dedupe_key FROM {inbox.name} WHERE store_id = {{p}} AND dedupe_key IN ({{ps}})"
    return {row[0] for row in _select_in(connection, sql, store_id, keys)}


def inbox_ids(connection: Connection, store_id: str, keys: Iterable[str]) -> dict[str, int]:
    """dedupe_key -> inbox id, for the keys stored."""
    sql = f"SELECT dedupe_key, id FROM {inbox.name} WHERE store_id = {{p}} AND dedupe_key IN ({{ps}})"
    return {key: int(inbox_id) for key, inbox_id in _select_in(connection, sql, store_id, keys)}


def stored_orders(connection: Connection, store_id: str, order_ids: Iterable[str]) -> set[str]:
    """Those of `order_ids` with a fact or a projection stored: not new to Orderline."""
    ids = list(order_ids)
    found: set[str] = set()
    for table in (facts, orders):
        sql = f"SELECT DISTINCT order_id FROM {table.name} WHERE store_id = {{p}} AND order_id IN ({{ps}})"
        found.update(row[0] for row in _select_in(connection, sql, store_id, ids))
    return found


def insert_inbox(connection: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """Inbox rows in `INBOX_COLUMNS` order; a stored (store, dedupe key) is skipped."""
    insert_rows(connection, inbox, INBOX_COLUMNS, rows, "ON CONFLICT (store_id, dedupe_key) DO NOTHING")


INBOX_COLUMNS = (
    "platform",
    "store_id",
    "topic",
    "dedupe_key",
    "event_id",
    "received_at",
    "triggered_at",
    "headers",
    "body",
    "body_sha256",
    "verified",
    "status",
    "attempts",
    "order_id",
    "processed_at",
)
_FACT_COLUMNS = ("store_id", "order_id", "fact_key", "fact_type", "occurred_at", "body", "inbox_id")


def insert_new_orders(
    connection: Connection, store_id: str, new: Sequence[NewOrderRows], inbox_id: Sequence[int]
) -> None:
    """Facts and projections of orders nothing is stored for yet (`stored_orders`): plain
    inserts, no upsert. `inbox_id[i]` is delivery i's id."""
    fact_rows = [
        (store_id, order.order_id, key, kind, at, body, inbox_id[delivery])
        for order in new
        for key, kind, at, body, delivery in order.facts
    ]
    # Facts are a set: a fact two deliveries of the page carry is stored once, first one's id.
    conflict = "ON CONFLICT (store_id, order_id, fact_key) DO NOTHING"
    insert_rows(connection, facts, _FACT_COLUMNS, fact_rows, conflict)
    order_rows = [(store_id, order.order_id, *order.order) for order in new if order.order is not None]
    insert_rows(connection, orders, ORDER_COLUMNS, order_rows)


def _select_in(connection: Connection, sql: str, store_id: str, values: Iterable[str]) -> Iterator[Any]:
    """Run `sql` ({p}: one parameter, {ps}: the IN list) over `values` in chunks."""
    mark = placeholder(connection)
    unique = sorted(set(values))
    for start in range(0, len(unique), CHUNK):
        chunk = unique[start : start + CHUNK]
        statement = sql.format(p=mark, ps=", ".join([mark] * len(chunk)))
        yield from connection.exec_driver_sql(statement, (store_id, *chunk))
