"""Job-queue churn against fetch cost, on procrastinate's own tables and functions.

Usage: .venv/bin/python bench/scale/queue_churn.py [--cycles 5000] [--backlogs 0,1000,10000,50000]

One cycle is a `process_store` job's life as Orderline drives it, each step its own
transaction on one connection (as intake and a worker would commit them): intake's
deferral (`persistence.job_queue.defer_stores`: INSERT ... ON CONFLICT DO NOTHING), a
worker's `procrastinate_fetch_job_v2`, and `procrastinate_finish_job_v1` deleting the
job (Orderline's workers delete successful jobs). Procrastinate's triggers run as in
production (an event row per status change, a NOTIFY per insert). In a fresh database
of the PostgreSQL of ORDERLINE_TEST_POSTGRES, with only procrastinate's schema:

0. cycles/s with every commit durable (fsynced), no other job waiting; from then on
   with `synchronous_commit = off`, so the queue's own work is measured, not the disk:
1. cycles/s with `--backlogs` other stores' jobs waiting (`todo`): workers behind at a
   peak, every store holding its one waiting job; the fetch takes the oldest first;
2. with autovacuum off on the queue's tables (a vacuum that cannot keep up), the cost of
   a cycle as dead row versions pile up, then after one VACUUM.

The last line is machine-readable:
    queue_churn durable_cycles_per_s=N cycles_per_s=N backlog_max_cycles_per_s=N no_vacuum_end_cycles_per_s=N
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root, for tests.e2e

from sqlalchemy import Connection, Engine, text
from tests.e2e.scale_cluster import POSTGRES_URL, fresh_database, with_database

from orderline.persistence.database import make_engine
from orderline.persistence.job_queue import JOBS_TABLE, QUEUE, defer_stores, install_job_queue

_FETCH = text("SELECT id FROM procrastinate_fetch_job_v2(ARRAY[:queue]::varchar[], :worker)")
_FINISH = text("SELECT procrastinate_finish_job_v1(:id, 'succeeded', true)")
_DEAD = text(
    "SELECT COALESCE(sum(n_dead_tup), 0) FROM pg_stat_user_tables"
    " WHERE relname IN ('procrastinate_jobs', 'procrastinate_events')"
)


class Churn:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._worker = int(
            connection.execute(text("SELECT worker_id FROM procrastinate_register_worker_v1()")).scalar_one()
        )
        connection.commit()
        self._next_store = 0

    def cycles(self, count: int) -> float:
        """Run `count` cycles; returns seconds."""
        connection = self._connection
        started = time.perf_counter()
        for _ in range(count):
            self._next_store += 1
            defer_stores(connection, [f"churn-{self._next_store}"])
            connection.commit()
            job_id = connection.execute(_FETCH, {"queue": QUEUE, "worker": self._worker}).scalar()
            connection.commit()
            connection.execute(_FINISH, {"id": job_id})
            connection.commit()
        return time.perf_counter() - started


def _dead_rows(engine: Engine) -> int:
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_stat_force_next_flush()"))
        return int(connection.execute(_DEAD).scalar_one())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cycles", type=int, default=5000, help="cycles per measurement")
    parser.add_argument("--backlogs", default="0,1000,10000,50000", help="waiting jobs of other stores")
    parser.add_argument("--windows", type=int, default=10, help="measurements with autovacuum off")
    args = parser.parse_args()
    backlogs = [int(n) for n in args.backlogs.split(",")]

    with fresh_database("scale_bench_queue") as database:
        engine = make_engine(with_database(POSTGRES_URL, database, "queue-churn"))
        autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
        install_job_queue(engine)
        rates: dict[int, float] = {}
        with autocommit.connect() as maintenance, engine.connect() as connection:
            churn = Churn(connection)
            durable = args.cycles / churn.cycles(args.cycles)
            print(f"durable commits (each fsynced), no backlog: {durable:.0f} cycles/s")
            # From here on the commits do not wait for the WAL flush: what is left is the
            # queue's own work (fetch, index and trigger maintenance), not the disk's fsync.
            connection.execute(text("SET synchronous_commit = off"))
            connection.commit()
            print("\nsynchronous_commit off")
            print(f"{'waiting jobs of other stores':<34}{'cycles/s':>10}{'ms/cycle':>10}")
            for backlog in backlogs:
                connection.commit()
                maintenance.execute(text(f"DELETE FROM {JOBS_TABLE}"))
                defer_stores(maintenance, [f"waiting-{n}" for n in range(backlog)])
                maintenance.execute(text(f"VACUUM ANALYZE {JOBS_TABLE}"))
                seconds = churn.cycles(args.cycles)
                rates[backlog] = args.cycles / seconds
                print(f"{backlog:<34}{rates[backlog]:>10.0f}{1000 * seconds / args.cycles:>10.2f}")

            maintenance.execute(text(f"DELETE FROM {JOBS_TABLE}"))
            maintenance.execute(text("VACUUM ANALYZE procrastinate_jobs, procrastinate_events"))
            for table in ("procrastinate_jobs", "procrastinate_events"):
                maintenance.execute(text(f"ALTER TABLE {table} SET (autovacuum_enabled = false)"))
            print(f"\nautovacuum off: {'cycles so far':<20}{'dead rows':>12}{'cycles/s':>10}{'ms/cycle':>10}")
            done, last = 0, 0.0
            for _ in range(args.windows):
                seconds = churn.cycles(args.cycles)
                done += args.cycles
                last = args.cycles / seconds
                per_cycle_ms = 1000 * seconds / args.cycles
                print(f"{'':<16}{done:<20}{_dead_rows(engine):>12}{last:>10.0f}{per_cycle_ms:>10.2f}")
            maintenance.execute(text("VACUUM procrastinate_jobs, procrastinate_events"))
            seconds = churn.cycles(args.cycles)
            print(f"{'after VACUUM':<36}{_dead_rows(engine):>12}{args.cycles / seconds:>10.0f}")
        engine.dispose()
    print(
        f"queue_churn durable_cycles_per_s={durable:.0f} cycles_per_s={rates[backlogs[0]]:.0f} "
        f"backlog_max_cycles_per_s={rates[backlogs[-1]]:.0f} no_vacuum_end_cycles_per_s={last:.0f}"
    )


if __name__ == "__main__":
    main()
