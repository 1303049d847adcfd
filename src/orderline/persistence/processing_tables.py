"""Tables of processing's own book-keeping (migration 0004).

Declared on the same `metadata` as tables.py (which imports this module at its end), so
the schema test compares them with the migrations too.

- `replay_facts`: a replay's staging area. Every delivery is mapped into it first; then
  each order's inbox-derived facts are swapped for the staged ones in one transaction, so
  a reader never sees an order half rebuilt. Empty outside a replay.
- `workers`: one row per running processing worker, its heartbeat refreshed every few
  seconds; `orderline replay` refuses to run while one is fresh.
- `inbox_actions`: what a person did to a quarantined delivery (retried, skipped), with
  who and why; shown on the order's timeline when the delivery names an order.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table, Text, UniqueConstraint

from orderline.persistence.tables import Id, UtcDateTime, fact_columns, metadata

replay_facts = Table(
    "replay_facts",
    metadata,
    *fact_columns(),
    UniqueConstraint("store_id", "order_id", "fact_key", name="uq_replay_facts_identity"),
)

workers = Table(
    "workers",
    metadata,
    Column("worker_id", String(120), primary_key=True),
    Column("host", String(255), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("beat_at", UtcDateTime(), nullable=False),
)

inbox_actions = Table(
    "inbox_actions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("inbox_id", BigInteger, nullable=False),
    Column("store_id", String(64), nullable=False),
    Column("order_id", String(64)),
    Column("at", UtcDateTime(), nullable=False),
    Column("action", String(16), nullable=False),
    Column("actor", String(120)),
    Column("reason", Text),
)
Index("ix_inbox_actions_order", inbox_actions.c.store_id, inbox_actions.c.order_id)
