"""Rows handed to the driver as plain tuples, encoded as the table types would store them.

SQLAlchemy Core's per-row parameter handling (compiling, type processors) cost more than
the inserts themselves on the write paths that move many rows: live processing's batches
and an import's pages. Both encode here, exactly as `tables.UtcDateTime` and the engine's
orjson JSON serializer would (the import tests check it row for row), and insert many
rows per statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import JSON, Connection, Table

from orderline.persistence.tables import UtcDateTime, orders

if TYPE_CHECKING:
    from orderline.persistence.projections import OrderProjection

VARIABLES_PER_STATEMENT = 999
"""SQLite's limit before 3.32 (it is 32,766 since); PostgreSQL allows 65,535."""

_SQLITE_TEXT: dict[datetime, str] = {}
"""Aware datetime -> its SQLite text: equal instants share an entry whatever their zone,
which is right, since both are stored as the same UTC text."""
_SQLITE_TEXT_SIZE = 4_096


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r} given to the store; pass an aware one")
    # Parsed timestamps are mostly UTC already, and astimezone is the costly part.
    return value if value.tzinfo is UTC else value.astimezone(UTC)


def _sqlite_text(utc: datetime) -> str:
    return utc.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


@dataclass(frozen=True, slots=True)
class Encoder:
    """Python values -> what the driver is handed for `dialect` ("sqlite" or "postgresql").

    Picklable, so an import's worker processes encode rows before they reach the writer.
    """

    dialect: str

    def timestamp(self, value: datetime | None) -> datetime | str | None:
        # UtcDateTime stores UTC; on SQLite as the naive text SQLAlchemy's DATETIME writes.
        if value is None:
            return None
        if self.dialect == "sqlite":
            # An order's rows name the same few instants again and again.
            text = _SQLITE_TEXT.get(value)
            if text is None:
                text = _sqlite_text(_utc(value))
                if len(_SQLITE_TEXT) >= _SQLITE_TEXT_SIZE:
                    _SQLITE_TEXT.clear()
                _SQLITE_TEXT[value] = text
            return text
        return _utc(value)

    @staticmethod
    def json_text(value: Any) -> str:
        """As `database.make_engine`'s json_serializer writes a JSON column."""
        return orjson.dumps(value).decode()

    def order_values(self, projection: OrderProjection) -> tuple[Any, ...]:
        """The `orders` row of `projection` after its key (store_id, order_id)."""
        values: list[Any] = []
        for name, kind in ORDER_VALUE_KINDS:
            value = getattr(projection, name)
            if kind is UtcDateTime:
                value = self.timestamp(value)
            elif kind is JSON:
                value = self.json_text(value)
            values.append(value)
        return tuple(values)


ORDER_VALUE_KINDS = tuple(
    (column.name, type(column.type))
    for column in orders.columns
    if column.name not in ("store_id", "order_id")
)
"""The `orders` columns after its key, with their types (which say how a value is encoded)."""
ORDER_COLUMNS = ("store_id", "order_id", *(name for name, _ in ORDER_VALUE_KINDS))


def insert_rows(
    connection: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
    conflict: str = "",
) -> None:
    """Many rows per statement: sqlite3 gives up and retakes the GIL for every statement
    step, so one step per row (executemany) stalls behind the import's other threads."""
    per_statement = max(1, VARIABLES_PER_STATEMENT // len(columns))
    row_marks = "(" + ", ".join([placeholder(connection)] * len(columns)) + ")"
    head = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES "
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        sql = head + ", ".join([row_marks] * len(chunk)) + f" {conflict}"
        connection.exec_driver_sql(sql, tuple(value for row in chunk for value in row))


def placeholder(connection: Connection) -> str:
    return "?" if connection.dialect.paramstyle == "qmark" else "%s"
