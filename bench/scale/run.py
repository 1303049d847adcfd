"""Scale-out benchmark: events/s with 1, 2 and 3 `orderline worker` processes on one
PostgreSQL, next to PostgreSQL's own batched insert rate for the rows that work writes.

Usage: .venv/bin/python bench/scale/run.py [--orders 1500] [--stores 12] [--workers 1,2,3]

Builds the simulator's signed Shopify order histories (~14.5 webhooks per order), dealt
to `--stores` stores in turn, dated 40 days before `now` (so every exception timer is
due: the workers evaluate each order too, as `bench/process`'s "detectors on" does).
A template database is migrated once (Orderline's schema and procrastinate's). For
each worker count, a fresh copy of it: the workers start and register with
procrastinate, then one transaction stores every webhook in the inbox and defers one
`process_store` job per store, as intake does (`persistence.job_queue.defer_stores`).
The clock runs from that commit until every delivery is settled, no `process_store`
job waits or runs and no exception timer is due; events/s = webhooks / seconds.

Beside events/s, for each run: the workers' CPU seconds (and events per CPU-second),
the CPU seconds of every PostgreSQL server process, how busy the whole machine was, the
WAL written per event (cluster-wide), the `process_store` jobs run (counted by a trigger
of the bench's own in the template: workers delete finished jobs), and, after the last
run, the tables' size on disk per webhook.

Baseline, same run: the facts and orders rows (and timeline rows, where that table still
exists) the last configuration's workers wrote are read back and inserted into empty
tables of another fresh copy, 500 rows per executemany (SQLAlchemy Core on psycopg 3),
one commit per batch, one connection; `db_batched_per_s` = webhooks / seconds for those
inserts: the rate at which PostgreSQL alone takes what processing writes.

The database is the PostgreSQL of ORDERLINE_TEST_POSTGRES (the `test` one on loopback
by default); the bench creates and drops databases named scale_bench_*. The last line
is machine-readable:
    scale workers=N events_per_s=N db_batched_per_s=N
"""

from __future__ import annotations

import argparse
import contextlib
import random
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root, for tests.e2e

from meter import Meter, Usage, wal_position
from sqlalchemy import Engine, MetaData, Table, select, text
from tests.e2e.scale_cluster import (
    POSTGRES_URL,
    SETTLED,
    ScaleStore,
    WorkerProcess,
    fresh_database,
    inbox_statuses,
    job_counts,
    scale_stores,
    with_database,
    write_config,
)

from orderline.clock import system_clock
from orderline.persistence.database import make_engine, migrate
from orderline.persistence.inbox import InboxRecord, write_records
from orderline.persistence.job_queue import defer_stores, install_job_queue
from orderline.persistence.tables import facts, orders
from orderline.simulation.shopify import generate_order_history

HISTORY_DAYS_AGO = 40
"""Histories span up to ~17 days: starting 40 days back, all of each lies in the past."""
INSERT_BATCH = 500
DRAIN_TIMEOUT_S = 1800.0
REGISTER_TIMEOUT_S = 120.0


def build_records(stores: Sequence[ScaleStore], order_count: int, seed: int) -> list[InboxRecord]:
    rng = random.Random(seed)
    start = (system_clock() - timedelta(days=HISTORY_DAYS_AGO)).replace(microsecond=0)
    records: list[InboxRecord] = []
    for n in range(order_count):
        store = stores[n % len(stores)]
        for w in generate_order_history(rng, order_id=8_500_000 + n, start=start + timedelta(minutes=n)):
            records.append(
                InboxRecord(
                    platform="shopify",
                    store_id=store.id,
                    topic=w.topic,
                    dedupe_key=w.webhook_id,
                    event_id=w.event_id,
                    received_at=w.triggered_at,
                    triggered_at=w.triggered_at,
                    headers=w.headers(store.secret, store.shop_domain),
                    body=w.body,
                )
            )
    return sorted(records, key=lambda r: r.received_at)  # as they would have arrived


@dataclass
class WorkerRun:
    workers: int
    events: int
    seconds: float
    jobs: dict[str, int]
    job_starts: int
    """`process_store` jobs run (a retry counts again)."""
    usage: Usage
    intake_wal_bytes: int
    sizes: dict[str, int]
    rows: dict[str, list[dict[str, Any]]] | None = None
    """What the workers wrote (facts, orders, timeline), kept for the baseline."""

    @property
    def events_per_s(self) -> float:
        return self.events / self.seconds


def _engine(database: str, name: str) -> Engine:
    return make_engine(with_database(POSTGRES_URL, database, name))


_COUNT_JOB_STARTS = """
    CREATE TABLE bench_job_starts (job_id bigint NOT NULL);
    CREATE FUNCTION bench_count_job_start() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO bench_job_starts VALUES (NEW.id);
        RETURN NEW;
    END;
    $$;
    CREATE TRIGGER bench_count_job_start AFTER UPDATE OF status ON procrastinate_jobs
        FOR EACH ROW WHEN (NEW.status = 'doing' AND NEW.task_name = 'process_store')
        EXECUTE PROCEDURE bench_count_job_start();
"""
"""The bench's own instrument: workers delete finished jobs, so each start of a
`process_store` job is counted here (one small insert per job)."""


@contextlib.contextmanager
def template_database() -> Iterator[str]:
    with fresh_database("scale_bench_tpl") as database:
        engine = _engine(database, "scale-bench")
        migrate(engine)
        install_job_queue(engine)
        with engine.begin() as connection:
            connection.exec_driver_sql(_COUNT_JOB_STARTS)
        engine.dispose()  # a template must have no connections when it is copied
        yield database


def _registered_workers(engine: Engine) -> int:
    with engine.connect() as connection:
        if not connection.execute(text("SELECT to_regclass('procrastinate_workers') IS NOT NULL")).scalar():
            return 0
        return int(connection.execute(text("SELECT count(*) FROM procrastinate_workers")).scalar_one())


def _job_starts(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM bench_job_starts")).scalar_one())


SIZED_TABLES = ("inbox", "facts", "orders", "timers", "procrastinate_jobs", "procrastinate_events")


def _table_sizes(engine: Engine) -> dict[str, int]:
    """Bytes on disk (heap, TOAST and indexes) of the tables the run filled."""
    query = text("SELECT pg_total_relation_size(to_regclass(:name))")
    with engine.connect() as connection:
        sizes = {name: connection.execute(query, {"name": name}).scalar() for name in SIZED_TABLES}
    return {name: int(size) for name, size in sizes.items() if size is not None}


def _due_timers(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM timers WHERE due_at <= now()")).scalar_one())


def _settled(engine: Engine, events: int) -> bool:
    statuses = inbox_statuses(engine)
    jobs = job_counts(engine)
    return (
        sum(statuses.values()) == events
        and set(statuses) <= SETTLED
        and not jobs.get("todo", 0)
        and not jobs.get("doing", 0)
        and _due_timers(engine) == 0
    )


def run_workers(
    template: str,
    stores: Sequence[ScaleStore],
    records: Sequence[InboxRecord],
    count: int,
    *,
    keep_rows: bool,
) -> WorkerRun:
    with (
        fresh_database("scale_bench", template=template) as database,
        tempfile.TemporaryDirectory(prefix="orderline-bench-scale-") as tmp,
        contextlib.ExitStack() as stack,
    ):
        workers = []
        for n in range(count):
            config = write_config(
                Path(tmp) / f"worker-{n}.yaml",
                with_database(POSTGRES_URL, database, f"scale-worker-{n}"),
                stores,
            )
            workers.append(stack.enter_context(WorkerProcess(config, Path(tmp) / f"worker-{n}.log")).start())
        engine = _engine(database, "scale-bench")
        stack.callback(engine.dispose)
        _wait_registered(engine, workers)
        wal_before = wal_position(engine)
        with engine.begin() as connection:
            for start in range(0, len(records), 2000):
                write_records(connection, records[start : start + 2000])
            defer_stores(connection, {store.id for store in stores})
        started = time.perf_counter()
        meter = Meter([w.pid for w in workers], engine)
        intake_wal = meter.wal_start - wal_before
        deadline = time.monotonic() + DRAIN_TIMEOUT_S
        while not _settled(engine, len(records)):
            if time.monotonic() > deadline:
                raise RuntimeError(f"not drained in {DRAIN_TIMEOUT_S} s: {inbox_statuses(engine)}")
            time.sleep(0.1)
        seconds = time.perf_counter() - started
        usage = meter.stop()
        for worker in workers:
            worker.stop()
        rows = _written_rows(engine) if keep_rows else None
        jobs, starts, sizes = job_counts(engine), _job_starts(engine), _table_sizes(engine)
        return WorkerRun(count, len(records), seconds, jobs, starts, usage, intake_wal, sizes, rows)


def _wait_registered(engine: Engine, workers: Sequence[WorkerProcess]) -> None:
    deadline = time.monotonic() + REGISTER_TIMEOUT_S
    while _registered_workers(engine) < len(workers):
        if time.monotonic() > deadline or not all(w.running for w in workers):
            tails = "\n".join(w.log_tail(10) for w in workers)
            raise RuntimeError(f"the workers did not register with procrastinate:\n{tails}")
        time.sleep(0.1)


def _tables(engine: Engine) -> dict[str, Table]:
    """The tables processing fills: facts and orders, and `timeline` where the schema
    still has one (migration 0013 folds it into `orders.state`)."""
    tables = {"facts": facts, "orders": orders}
    with engine.connect() as connection:
        if connection.execute(text("SELECT to_regclass('timeline') IS NOT NULL")).scalar():
            tables["timeline"] = Table("timeline", MetaData(), autoload_with=connection)
    return tables


def _written_rows(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    written: dict[str, list[dict[str, Any]]] = {}
    with engine.connect() as connection:
        for name, table in _tables(engine).items():
            columns = [c for c in table.columns if c.name != "id"]  # a surrogate key is the database's
            written[name] = [dict(row._mapping) for row in connection.execute(select(*columns))]
    return written


def batched_inserts(template: str, rows: dict[str, list[dict[str, Any]]]) -> float:
    """Seconds to insert `rows` into empty tables, INSERT_BATCH rows and one commit per batch."""
    with fresh_database("scale_bench", template=template) as database:
        engine = _engine(database, "scale-bench")
        try:
            tables = _tables(engine)
            with engine.connect() as connection:
                started = time.perf_counter()
                for name, table_rows in rows.items():
                    for start in range(0, len(table_rows), INSERT_BATCH):
                        connection.execute(tables[name].insert(), table_rows[start : start + INSERT_BATCH])
                        connection.commit()
                return time.perf_counter() - started
        finally:
            engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=1500, help="order histories (~14.5 webhooks each)")
    parser.add_argument("--stores", type=int, default=12, help="stores the orders are dealt to")
    parser.add_argument("--workers", default="1,2,3", help="worker process counts, in the order run")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    counts = [int(n) for n in args.workers.split(",")]

    stores = scale_stores(args.stores)
    records = build_records(stores, args.orders, args.seed)
    print(
        f"{len(records)} signed Shopify webhooks for {args.orders} orders in {args.stores} stores", flush=True
    )
    runs: list[WorkerRun] = []
    with template_database() as template:
        for n, count in enumerate(counts):
            run = run_workers(template, stores, records, count, keep_rows=n == len(counts) - 1)
            print(
                f"  {count} worker(s): {run.seconds:.1f} s, {run.job_starts} process_store jobs run, "
                f"jobs left {run.jobs}",
                flush=True,
            )
            runs.append(run)
        written = runs[-1].rows or {}
        insert_s = batched_inserts(template, written)
    row_count = sum(len(r) for r in written.values())
    baseline = len(records) / insert_s
    print(
        f"{'configuration':<44}{'events/s':>9}{'worker cpu s':>13}{'events/cpu s':>13}"
        f"{'pg cpu s':>9}{'machine busy':>13}{'WAL KB/event':>13}"
    )
    for run in runs:
        usage = run.usage
        print(
            f"{f'{run.workers} worker process(es)':<44}{run.events_per_s:>9.0f}{usage.processes_cpu_s:>13.1f}"
            f"{run.events / max(usage.processes_cpu_s, 0.01):>13.0f}{usage.postgres_cpu_s:>9.1f}"
            f"{usage.machine_busy:>12.0%} {usage.wal_bytes / run.events / 1024:>12.1f}"
        )
    label = f"PostgreSQL batched inserts ({row_count} rows)"
    print(f"{label:<44}{baseline:>9.0f}")
    print(", ".join(f"{kind}: {len(table_rows)} rows" for kind, table_rows in written.items()))
    intake_kb = sum(run.intake_wal_bytes for run in runs) / len(runs) / len(records) / 1024
    print(f"intake (inbox rows + jobs, one transaction): {intake_kb:.1f} KB of WAL per webhook")
    sizes = ", ".join(f"{name} {size / len(records) / 1024:.1f}" for name, size in runs[-1].sizes.items())
    print(f"on disk after the last run, KB per webhook: {sizes}")
    print(f"{runs[0].usage.cpus} CPUs; WAL counts every client of the server; busy = share of all CPUs")
    last = runs[-1]
    print(f"{last.workers} workers / 1 worker = {last.events_per_s / runs[0].events_per_s:.2f}")
    print(
        f"scale workers={last.workers} events_per_s={last.events_per_s:.0f} db_batched_per_s={baseline:.0f}"
    )


if __name__ == "__main__":
    main()
