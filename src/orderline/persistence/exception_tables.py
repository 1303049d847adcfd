"""Tables of exception handling: open and resolved exceptions, their history, and timers.

Declared on the same `metadata` as tables.py (which imports this module at its end), so
the schema test compares them with migration 0002 too.

- `order_exceptions`: one row per (store, order, finding key), reopened in place when a
  cleared cause comes back; `due_levels` keeps the escalation ladder as the detector
  stated it, `first_due_at` its first level (what the queue's SLA state is measured on).
- `exception_events`: append-only history (opened, escalated, resolved, acknowledged,
  assigned, noted), each with who did it; NULL actor means Orderline itself.
- `timers`: each order's next due time, for orders whose exceptions can change with time
  alone (an SLA breach, an escalation level, staleness). The scheduler reads it by due_at.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, Index, Integer, String, Table, Text, UniqueConstraint

from orderline.persistence.tables import Id, UtcDateTime, metadata

order_exceptions = Table(
    "order_exceptions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("store_id", String(64), nullable=False),
    Column("order_id", String(64), nullable=False),
    Column("key", String(200), nullable=False),
    Column("type", String(32), nullable=False),
    Column("owner", String(64), nullable=False),
    Column("opened_at", UtcDateTime(), nullable=False),
    Column("reason", Text, nullable=False),
    Column("hold", String(32)),
    Column("due_levels", JSON, nullable=False),
    Column("first_due_at", UtcDateTime()),
    Column("level_reached", Integer, nullable=False),
    # open | resolved
    Column("state", String(16), nullable=False),
    Column("resolved_at", UtcDateTime()),
    Column("resolution", Text),
    Column("resolved_by", String(120)),
    Column("assignee", String(120)),
    Column("acknowledged_at", UtcDateTime()),
    Column("acknowledged_by", String(120)),
    Column("notes", JSON, nullable=False),
    UniqueConstraint("store_id", "order_id", "key", name="uq_order_exceptions_key"),
)
Index("ix_order_exceptions_queue", order_exceptions.c.state, order_exceptions.c.owner)

exception_events = Table(
    "exception_events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("store_id", String(64), nullable=False),
    Column("order_id", String(64), nullable=False),
    Column("key", String(200), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("action", String(32), nullable=False),
    Column("actor", String(120)),
    Column("detail", JSON, nullable=False),
)
Index("ix_exception_events_order", exception_events.c.store_id, exception_events.c.order_id)

timers = Table(
    "timers",
    metadata,
    Column("store_id", String(64), primary_key=True),
    Column("order_id", String(64), primary_key=True),
    Column("due_at", UtcDateTime(), nullable=False),
    Column("kind", String(32), nullable=False),
)
Index("ix_timers_due_at", timers.c.due_at)
