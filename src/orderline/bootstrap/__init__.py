"""The one composition root: the only package that chooses concrete adapters (database,
platform connectors, channels, helpdesk) from the configuration and hands entry points
the services they call.

- `database`: open or upgrade the configured database.
- `runtime`: the core runtime (engine, connectors, processor, store directory, outreach).
- `outreach`: channels, helpdesk client, message settings, and the evaluation listeners.
- `entry`: the service objects the HTTP API and the commands hold.
- `processing`: the processing worker's loop and tick.
- `jobs`: the job engine for the database (in-process on SQLite, procrastinate on
  PostgreSQL) and intake's hook that defers a store's job with its deliveries.
- `scorecard`: the weekly KPI scorecard's service.
- `reconcile`: reconciliation sweeps, by hand and on the worker's schedule.
"""

from orderline.bootstrap.database import SchemaNotReady, open_engine, upgrade_database
from orderline.bootstrap.entry import (
    Background,
    EntryServices,
    build_web_context,
    entry_services,
    open_services,
    webhook_subscriptions,
)
from orderline.bootstrap.jobs import job_engine
from orderline.bootstrap.outreach import Outreach, build_outreach
from orderline.bootstrap.processing import (
    WORKER_TICK_BATCH,
    WORKER_TICK_BATCHES,
    processing_loop,
    processing_thread,
    run_tick,
    worker_tick,
)
from orderline.bootstrap.runtime import (
    Runtime,
    build_runtime,
    connectors,
    database_label,
    domain_ownership,
    exception_policy,
    exception_types_at,
    store_endpoint,
)
from orderline.bootstrap.scorecard import scorecard_reports

__all__ = [
    "WORKER_TICK_BATCH",
    "WORKER_TICK_BATCHES",
    "Background",
    "EntryServices",
    "Outreach",
    "Runtime",
    "SchemaNotReady",
    "build_outreach",
    "build_runtime",
    "build_web_context",
    "connectors",
    "database_label",
    "domain_ownership",
    "entry_services",
    "exception_policy",
    "exception_types_at",
    "job_engine",
    "open_engine",
    "open_services",
    "processing_loop",
    "processing_thread",
    "run_tick",
    "scorecard_reports",
    "store_endpoint",
    "upgrade_database",
    "webhook_subscriptions",
    "worker_tick",
]
