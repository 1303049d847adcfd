"""The scale-out job queue on PostgreSQL: procrastinate's tables, as Orderline writes and
reads them beside its own.

A job of the queue is a store's work (`process_store`: its pending deliveries, then its
due exception timers). Intake defers one in the transaction that commits the deliveries,
straight into procrastinate's jobs table: `INSERT ... ON CONFLICT DO NOTHING` against the
partial unique index procrastinate keeps on `queueing_lock` for waiting (`todo`) jobs, so
a burst for a store coalesces into the one waiting job, and a conflict never aborts the
intake transaction (procrastinate's own defer raises instead). The insert fires
procrastinate's NOTIFY trigger when the transaction commits, which wakes the workers.

Every job deferred here is due now (`scheduled_at` is null): a timer days ahead stays in
Orderline's timers table until it is due, and a pump defers its store then. Parked jobs
would slow every fetch and block their store's lock.

A retry (after an error, a stalled worker, or by hand) turns a job back into `todo`. Its
queueing lock is cleared first: a store may meanwhile have a waiting job of its own, and
two waiting jobs with one queueing lock break procrastinate's unique index. Both jobs keep
the store's `lock`, so they still run one after the other.

SQLite has no job queue: every function here is for PostgreSQL only.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from importlib import metadata
from pathlib import Path

import orjson
from sqlalchemy import Connection, Engine, text

QUEUE = "orderline"
PROCESS_STORE = "process_store"
JOBS_TABLE = "procrastinate_jobs"
STALLED_AFTER_S = 20.0
"""A running job whose worker has not beaten procrastinate's heartbeat for this long is
stalled (the workers beat every 5 s: see `bootstrap.jobs`)."""
_SCHEMA_LOCK = 7_420_316_001
"""Advisory lock key: one process installs the job queue's schema at a time."""


def store_lock(store_id: str) -> str:
    """The lock and queueing lock of a store's jobs."""
    return f"store:{store_id}"


def is_installed(connection: Connection) -> bool:
    """Whether procrastinate's tables exist (in the connection's search path)."""
    return bool(connection.execute(text(f"SELECT to_regclass('{JOBS_TABLE}') IS NOT NULL")).scalar())


VERSION_TABLE = "procrastinate_orderline_version"
"""One row: the procrastinate release whose schema the job queue has (its schema and
migrations are procrastinate's; named like its tables, since it belongs with them)."""
UNRECORDED_VERSION = "3.10.0"
"""A job queue installed before its version was recorded came from procrastinate 3.10.0,
the only release Orderline used until then."""


class JobQueueSchemaError(RuntimeError):
    """The job queue's schema and this Orderline's procrastinate do not match."""


def release(version: str) -> tuple[int, int, int]:
    """`3.10.0` (a release) or `03.04.00` (a migration file's prefix) as comparable numbers."""
    found = re.match(r"(\d+)\.(\d+)\.(\d+)", version)
    if found is None:
        raise ValueError(f"not a procrastinate version: {version!r}")
    major, minor, patch = (int(part) for part in found.groups())
    return major, minor, patch


def pending_migrations(installed: str, wanted: str, migrations: Iterable[Path]) -> list[Path]:
    """procrastinate's migration scripts that take a schema from release `installed` to
    `wanted`, in the order they apply (by name: a release's `pre` scripts before its `post`)."""
    low, high = release(installed), release(wanted)
    return sorted(
        (path for path in migrations if low < release(path.name.split("_", 1)[0]) <= high),
        key=lambda path: path.name,
    )


def installed_version(connection: Connection) -> str | None:
    """The recorded procrastinate release of the job queue's schema; None before any."""
    if not connection.execute(text(f"SELECT to_regclass('{VERSION_TABLE}') IS NOT NULL")).scalar():
        return None
    return connection.execute(text(f"SELECT version FROM {VERSION_TABLE}")).scalar()


def install(
    connection: Connection, schema_sql: str, version: str, migrations: Iterable[Path], *, upgrade: bool
) -> bool:
    """Apply procrastinate's schema (release `version`) unless its tables exist; on a job
    queue from an older release apply its `migrations` when `upgrade` (`orderline db
    upgrade`), else refuse to run on it. Returns whether anything was applied. Concurrent
    callers wait for each other (an advisory lock held to the transaction's end)."""
    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK})
    connection.execute(text(f"CREATE TABLE IF NOT EXISTS {VERSION_TABLE} (version text NOT NULL)"))
    if not is_installed(connection):
        _run_script(connection, schema_sql)
        _record_version(connection, version)
        return True
    recorded = installed_version(connection) or UNRECORDED_VERSION
    if release(recorded) == release(version):
        _record_version(connection, recorded)
        return False
    if release(recorded) > release(version):
        raise JobQueueSchemaError(
            f"the job queue's schema is from procrastinate {recorded}, newer than this Orderline's"
            f" {version}: run the Orderline release that upgraded it"
        )
    if not upgrade:
        raise JobQueueSchemaError(
            f"the job queue's schema is from procrastinate {recorded}, this Orderline needs {version}:"
            " stop the workers and run `orderline db upgrade`"
        )
    for script in pending_migrations(recorded, version, migrations):
        _run_script(connection, script.read_text(encoding="utf-8"))
    _record_version(connection, version)
    return True


def _run_script(connection: Connection, sql: str) -> None:
    # Many statements and no parameters: the driver's own cursor runs them as one script
    # (a `%` in the script is then no placeholder).
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql)
    finally:
        cursor.close()


def _record_version(connection: Connection, version: str) -> None:
    connection.execute(text(f"DELETE FROM {VERSION_TABLE}"))
    connection.execute(text(f"INSERT INTO {VERSION_TABLE} (version) VALUES (:version)"), {"version": version})


_DEFER = f"""
    INSERT INTO {JOBS_TABLE} (queue_name, task_name, priority, lock, queueing_lock, args)
    SELECT :queue, :task, 0, :lock, :lock, CAST(:args AS jsonb)
    {{unless}}
    ON CONFLICT (queueing_lock) WHERE status = 'todo' DO NOTHING
"""
_ANYWAY = text(_DEFER.format(unless=""))
_UNLESS_QUEUED = text(
    _DEFER.format(
        unless=f"WHERE NOT EXISTS (SELECT 1 FROM {JOBS_TABLE} "
        "WHERE lock = :lock AND status IN ('todo', 'doing'))"
    )
)


def defer_stores(connection: Connection, store_ids: Iterable[str], *, unless_queued: bool = False) -> None:
    """A `process_store` job due now for each store, in the caller's transaction, unless
    the store has a waiting one already (or, with `unless_queued`, a running one: the
    pumps leave a store whose job runs to that job, and look again next period). Stores
    go in sorted order, so two transactions deferring the same stores never wait for each
    other crosswise."""
    rows = [
        {
            "queue": QUEUE,
            "task": PROCESS_STORE,
            "lock": store_lock(store_id),
            "args": orjson.dumps({"store_id": store_id}).decode(),
        }
        for store_id in sorted(set(store_ids))
    ]
    if rows:
        connection.execute(_UNLESS_QUEUED if unless_queued else _ANYWAY, rows)


def stores_with_due_timers(connection: Connection, now: datetime) -> set[str]:
    """Stores with an exception timer due at `now` (Orderline's clock)."""
    rows = connection.execute(text("SELECT DISTINCT store_id FROM timers WHERE due_at <= :now"), {"now": now})
    return {str(row[0]) for row in rows}


def stores_with_due_deliveries(connection: Connection, now: datetime) -> set[str]:
    """Stores with pending deliveries, or waiting ones whose retry time has come."""
    rows = connection.execute(
        text(
            "SELECT DISTINCT store_id FROM inbox WHERE status = 'pending' "
            "UNION SELECT DISTINCT store_id FROM inbox WHERE status = 'waiting' AND next_attempt_at <= :now"
        ),
        {"now": now},
    )
    return {str(row[0]) for row in rows}


def release_queueing_lock(connection: Connection, job_id: int) -> None:
    """Clear a running job's queueing lock, so that it can go back to `todo` beside a
    waiting job of its store (see the module's docstring)."""
    connection.execute(text(f"UPDATE {JOBS_TABLE} SET queueing_lock = NULL WHERE id = :id"), {"id": job_id})


_STALLED = f"""
    SELECT job.id FROM {JOBS_TABLE} AS job
    LEFT JOIN procrastinate_workers AS worker ON worker.id = job.worker_id
    WHERE job.status = 'doing'
      AND (job.worker_id IS NULL
           OR worker.last_heartbeat < NOW() - make_interval(secs => :stalled_after_s))
"""


def retry_stalled(connection: Connection, stalled_after_s: float) -> list[int]:
    """Put back in line the running jobs of workers that died (no heartbeat for
    `stalled_after_s`, by the database's clock, which procrastinate's heartbeats use);
    returns their ids."""
    ids = [int(row[0]) for row in connection.execute(text(_STALLED), {"stalled_after_s": stalled_after_s})]
    return _retry(connection, ids)


def retry_failed(connection: Connection, job_ids: Collection[int] | None = None) -> list[int]:
    """Put failed jobs (all, or those of `job_ids`) back in line; returns their ids."""
    query = f"SELECT id FROM {JOBS_TABLE} WHERE status = 'failed'"
    ids = [int(row[0]) for row in connection.execute(text(query + " ORDER BY id"))]
    if job_ids is not None:
        ids = [job_id for job_id in ids if job_id in job_ids]
    return _retry(connection, ids)


def _retry(connection: Connection, ids: list[int]) -> list[int]:
    for job_id in ids:
        release_queueing_lock(connection, job_id)
        connection.execute(
            text("SELECT procrastinate_retry_job_v2(:id, NOW(), NULL, NULL, NULL)"), {"id": job_id}
        )
    return ids


@dataclass(frozen=True, slots=True)
class JobCounts:
    """The queue at a glance: jobs by status, the stalled ones among those running, and
    how long the oldest job that is due has waited (0 when none)."""

    by_status: dict[str, int]
    stalled: int
    oldest_due_age_s: float

    def count(self, status: str) -> int:
        return self.by_status.get(status, 0)


def job_counts(connection: Connection, stalled_after_s: float) -> JobCounts:
    """The queue's counts. Ages are measured by the database's clock, the one that stamps
    procrastinate's events."""
    by_status = {
        str(status): int(count)
        for status, count in connection.execute(
            text(f"SELECT status, count(*) FROM {JOBS_TABLE} GROUP BY status")
        )
    }
    stalled = connection.execute(
        text(f"SELECT count(*) FROM ({_STALLED}) AS stalled"), {"stalled_after_s": stalled_after_s}
    ).scalar()
    oldest = connection.execute(
        text(
            f"""
            SELECT EXTRACT(EPOCH FROM NOW() - min(COALESCE(job.scheduled_at, event.at)))
            FROM {JOBS_TABLE} AS job
            LEFT JOIN LATERAL (
                SELECT max(at) AS at FROM procrastinate_events
                WHERE job_id = job.id AND type IN ('deferred', 'deferred_for_retry', 'retried')
            ) AS event ON TRUE
            WHERE job.status = 'todo' AND (job.scheduled_at IS NULL OR job.scheduled_at <= NOW())
            """
        )
    ).scalar()
    return JobCounts(by_status, int(stalled or 0), max(0.0, float(oldest or 0.0)))


def furthest_scheduled_s(connection: Connection) -> float | None:
    """How far ahead of the database's now the latest-scheduled waiting job is (None when
    no waiting job has a time): what stays small when only due work is deferred."""
    value = connection.execute(
        text(
            f"SELECT EXTRACT(EPOCH FROM max(scheduled_at) - NOW()) FROM {JOBS_TABLE} "
            "WHERE status = 'todo' AND scheduled_at IS NOT NULL"
        )
    ).scalar()
    return None if value is None else float(value)


def install_job_queue(engine: Engine, *, upgrade: bool = False) -> bool:
    """Install the job queue's schema on a PostgreSQL database that lacks it (SQLite has
    no job queue), and with `upgrade` migrate one from an older procrastinate; returns
    whether anything was applied. Raises `JobQueueSchemaError` on a schema this
    Orderline's procrastinate cannot use as it is."""
    if engine.dialect.name != "postgresql":
        return False
    from procrastinate.schema import SchemaManager

    migrations = Path(SchemaManager.get_migrations_path()).glob("*.sql")
    with engine.begin() as connection:
        return install(
            connection,
            SchemaManager.get_schema(),
            metadata.version("procrastinate"),
            migrations,
            upgrade=upgrade,
        )
