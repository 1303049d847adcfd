"""The schema, in SQLAlchemy Core. One schema serves SQLite and PostgreSQL.

Migrations under `migrations/` must produce exactly these tables; a test compares them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)

metadata = MetaData()


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on both databases.

    SQLite has no time zone type and hands back naive values; normalising here keeps
    every comparison in the code between aware datetimes.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given to the store; pass an aware one")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
Id = BigInteger().with_variant(Integer(), "sqlite")

inbox = Table(
    "inbox",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("platform", String(32), nullable=False),
    Column("store_id", String(64), nullable=False),
    Column("topic", String(128), nullable=False),
    Column("dedupe_key", String(200), nullable=False),
    Column("event_id", String(200)),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("triggered_at", UtcDateTime()),
    Column("headers", JSON, nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("verified", Boolean, nullable=False),
    # pending -> processed | ignored | waiting (retried at next_attempt_at) | unresolved
    # (retried) | quarantined (set aside with its error until retried or skipped by hand);
    # skipped (by hand); failed (before quarantine existed)
    Column("status", String(16), nullable=False, server_default="pending"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("error", Text),
    Column("order_id", String(64)),
    Column("processed_at", UtcDateTime()),
    Column("next_attempt_at", UtcDateTime()),
    # Hex SHA-256 of body: a redelivery with another body is a reused webhook id
    # (migration 0005; NULL on rows stored before it).
    Column("body_sha256", String(64)),
    UniqueConstraint("store_id", "dedupe_key", name="uq_inbox_dedupe"),
)
Index("ix_inbox_status_id", inbox.c.status, inbox.c.id)
# A scale-out job reads one store's pending deliveries (migration 0014).
Index("ix_inbox_status_store_id", inbox.c.status, inbox.c.store_id, inbox.c.id)

# Redeliveries of a stored (store, dedupe key), counted for the webhook audit (migration 0008):
# one row per key however often it comes again, written only by a batch that skipped a row.
inbox_redeliveries = Table(
    "inbox_redeliveries",
    metadata,
    Column("store_id", String(64), primary_key=True),
    Column("dedupe_key", String(200), primary_key=True),
    Column("count", Integer, nullable=False),
    Column("first_at", UtcDateTime(), nullable=False),
    Column("last_at", UtcDateTime(), nullable=False),
)

dead_letters = Table(
    "dead_letters",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("platform", String(32), nullable=False),
    Column("store_id", String(64)),
    Column("path", String(300), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Column("headers", JSON, nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("inbox_id", BigInteger),
)


def fact_columns() -> list[Column[Any]]:
    """The columns of a fact row (new objects each call: a Column belongs to one table)."""
    return [
        Column("id", Id, primary_key=True, autoincrement=True),
        Column("store_id", String(64), nullable=False),
        Column("order_id", String(64), nullable=False),
        Column("fact_key", String(64), nullable=False),
        Column("fact_type", String(32), nullable=False),
        Column("occurred_at", UtcDateTime(), nullable=False),
        Column("body", JSON, nullable=False),
        Column("inbox_id", BigInteger),
    ]


facts = Table(
    "facts",
    metadata,
    *fact_columns(),
    UniqueConstraint("store_id", "order_id", "fact_key", name="uq_facts_identity"),
)

orders = Table(
    "orders",
    metadata,
    Column("store_id", String(64), primary_key=True),
    Column("order_id", String(64), primary_key=True),
    Column("order_number", String(64), nullable=False),
    Column("status", String(32), nullable=False),
    Column("payment_status", String(32), nullable=False),
    Column("fulfillment_status", String(32), nullable=False),
    Column("owner", String(64), nullable=False),
    Column("placed_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("email", String(320)),
    Column("state", JSON, nullable=False),
    Column("fact_count", Integer, nullable=False),
)
Index("ix_orders_placed", orders.c.placed_at, orders.c.store_id, orders.c.order_id)
Index("ix_orders_status", orders.c.status)
Index("ix_orders_owner", orders.c.owner)
# Support tickets are linked to orders by order number or buyer e-mail (migration 0003).
Index("ix_orders_number", orders.c.order_number)
Index("ix_orders_email", orders.c.email)

fulfillment_order_index = Table(
    "fulfillment_order_index",
    metadata,
    Column("store_id", String(64), primary_key=True),
    Column("fulfillment_order_id", String(64), primary_key=True),
    Column("order_id", String(64), nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(120), nullable=False),
    Column("role", String(16), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("revoked_at", UtcDateTime()),
)

# Exception handling declares its tables on this same metadata (after Id and UtcDateTime exist).
import orderline.persistence.console_tables  # noqa: E402
import orderline.persistence.exception_tables  # noqa: E402
import orderline.persistence.messaging_tables  # noqa: E402
import orderline.persistence.platform_write_tables  # noqa: E402
import orderline.persistence.processing_tables  # noqa: E402
import orderline.persistence.reconcile_tables  # noqa: E402
import orderline.persistence.scorecard_tables  # noqa: E402, F401
