"""Reconciliation's records (migration 0009).

Declared on the same `metadata` as tables.py (which imports this module at its end), so
the schema test compares it with the migrations too.

- `reconcile_sweeps`: one row per sweep of one store (scheduled, by hand, or the daily
  count check): the window it asked the platform for (`since` .. `until`), what it found,
  and how it ended (`outcome`: running, ok, failed, skipped, with `error`). The next
  scheduled sweep starts at the last successful one's `until`, less the overlap window.
  A daily count check (`trigger` count_check) is a row of its own: the day as its window,
  the orders placed that day by the platform's count and by Orderline's
  (`platform_count`, `orderline_count`); a gap starts a sweep of that day (`count_gap`).
- `drift_incidents`: one row per order a sweep (or a support-tool check) found to
  differ from the platform: `fields` is the readable diff, a list of
  `{"field", "orderline", "platform"}`; `changed_at` is when the platform's side last
  changed (the drift's "since"), `detected_at` when Orderline saw it, so
  `detected_at - changed_at` is the time to detect; `healed_at` is set once Orderline
  agrees again. `source` says who found it (`reconciliation`, `count_check`, `helpdesk`).
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, String, Table, Text

from orderline.persistence.tables import Id, UtcDateTime, metadata

reconcile_sweeps = Table(
    "reconcile_sweeps",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("store_id", String(64), nullable=False),
    Column("trigger", String(16), nullable=False),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("finished_at", UtcDateTime()),
    Column("since", UtcDateTime(), nullable=False),
    Column("until", UtcDateTime(), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("orders_seen", Integer, nullable=False, default=0),
    Column("orders_missing", Integer, nullable=False, default=0),
    Column("orders_drifted", Integer, nullable=False, default=0),
    Column("error", Text),
    Column("platform_count", Integer),
    Column("orderline_count", Integer),
)
Index("ix_reconcile_sweeps_store", reconcile_sweeps.c.store_id, reconcile_sweeps.c.started_at)

drift_incidents = Table(
    "drift_incidents",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("store_id", String(64), nullable=False),
    Column("order_id", String(64), nullable=False),
    Column("source", String(16), nullable=False),
    Column("sweep_id", Id, ForeignKey("reconcile_sweeps.id")),
    Column("fields", JSON, nullable=False),
    Column("changed_at", UtcDateTime(), nullable=False),
    Column("detected_at", UtcDateTime(), nullable=False),
    Column("healed_at", UtcDateTime()),
)
Index("ix_drift_incidents_detected", drift_incidents.c.detected_at)
Index("ix_drift_incidents_order", drift_incidents.c.store_id, drift_incidents.c.order_id)
