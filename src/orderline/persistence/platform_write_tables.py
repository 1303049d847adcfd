"""Holds written back to the platforms (migration 0010).

Declared on the same `metadata` as tables.py (which imports this module at its end), so
the schema test compares them with the migrations too.

- `platform_writes`: the write-back outbox, one row per Orderline hold placed or
  released on a platform (`action`: place_hold, release_hold), queued in the evaluation's
  transaction and performed by the worker through the store's API client. `key` makes it
  once per hold change. `remote` is what the platform answered (its hold ids, the
  fulfillment orders held, the status the order had before the hold); a release reads
  its placement's. `released_on_platform_at` / `released_by` are set on a placement whose
  hold someone released on the platform itself (then no release is written).
- `platform_write_attempts`: one row per attempt, for the order's timeline.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Index, Integer, String, Table, Text

from orderline.persistence.tables import Id, UtcDateTime, metadata

platform_writes = Table(
    "platform_writes",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("store_id", String(64), nullable=False),
    Column("order_id", String(64), nullable=False),
    Column("key", String(400), nullable=False, unique=True),
    Column("platform", String(32), nullable=False),
    Column("action", String(16), nullable=False),
    Column("hold_group", String(200), nullable=False),
    Column("reason", String(32), nullable=False),
    Column("note", Text, nullable=False),
    Column("state", String(16), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("due_at", UtcDateTime()),
    Column("claimed_at", UtcDateTime()),
    Column("attempts", Integer, nullable=False),
    Column("sent_at", UtcDateTime()),
    Column("last_error", Text),
    Column("remote", JSON, nullable=False),
    Column("released_on_platform_at", UtcDateTime()),
    Column("released_by", String(120)),
)
Index("ix_platform_writes_due", platform_writes.c.state, platform_writes.c.due_at)
Index("ix_platform_writes_order", platform_writes.c.store_id, platform_writes.c.order_id)

platform_write_attempts = Table(
    "platform_write_attempts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("write_id", Id, nullable=False),
    Column("store_id", String(64), nullable=False),
    Column("order_id", String(64), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("detail", Text, nullable=False),
    Column("possible_duplicate", Boolean, nullable=False),
)
Index(
    "ix_platform_write_attempts_order", platform_write_attempts.c.store_id, platform_write_attempts.c.order_id
)
