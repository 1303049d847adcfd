"""A scale-out Orderline on loopback: a fresh PostgreSQL database, API processes
(`orderline serve --no-processing`) and worker processes (`orderline worker`), and the
probes that read what they leave in the database. Used by tests/e2e/test_scale_out.py
and bench/scale. Linux only (process handling reads /proc).

Each process gets its own configuration file, identical but for the database URL's
`application_name` (`scale-api-0`, `scale-worker-2`, ...): PostgreSQL then tells which
process holds which connection, so a test can kill a worker while it is mid-job.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.engine import make_url

from orderline.persistence.tables import facts, inbox, orders
from tests.e2e.server_process import ProcessId, descendants, orderline_command, wait_gone

POSTGRES_URL = os.environ.get("ORDERLINE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
SETTLED = frozenset({"processed", "ignored", "quarantined", "skipped"})
"""Inbox statuses processing is done with; pending, waiting and unresolved are not."""
OPEN_JOBS = ("todo", "doing")
STORE_TASK = "process_store"
"""A store's work: its pending deliveries, then its due exception timers."""


def _admin_engine() -> Engine:
    url = POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    return create_engine(url, isolation_level="AUTOCOMMIT")


def with_database(url: str, database: str, application_name: str | None = None) -> str:
    """`url` pointed at `database`, its connections named `application_name`."""
    parsed = make_url(url).set(database=database)
    if application_name is not None:
        parsed = parsed.update_query_dict({"application_name": application_name})
    return parsed.render_as_string(hide_password=False)


@contextlib.contextmanager
def fresh_database(prefix: str = "scale", template: str | None = None) -> Iterator[str]:
    """A new PostgreSQL database (a copy of `template` when given), dropped afterwards
    with whatever is still connected to it. Yields its name.

    A database of its own rather than a schema: advisory locks, LISTEN/NOTIFY channels
    and procrastinate's tables are per database, so nothing else running on the server
    (other tests' schemas) shares them."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = _admin_engine()
    copy_of = f' TEMPLATE "{template}"' if template else ""
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"{copy_of}'))
    try:
        yield name
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass(frozen=True, slots=True)
class ScaleStore:
    id: str
    shop_domain: str
    secret: str


def scale_stores(count: int) -> list[ScaleStore]:
    return [ScaleStore(f"shop{n}", f"scale-{n}.myshopify.com", f"scale-secret-{n}") for n in range(count)]


def write_config(path: Path, database_url: str, stores: Iterable[ScaleStore]) -> Path:
    lines = [f"database_url: '{database_url}'", "stores:"]
    for store in stores:
        lines += [
            f"  - id: {store.id}",
            "    platform: shopify",
            f"    shop_domain: {store.shop_domain}",
            f"    webhook_secrets: [{store.secret}]",
        ]
    path.write_text("\n".join(lines) + "\n")
    return path


class WorkerProcess:
    """One `orderline worker`; its output goes to `log_path`. Leaving the `with` block
    kills it, and anything it started, by pid."""

    def __init__(self, config: Path, log_path: Path) -> None:
        self.config = config
        self.log_path = log_path
        self.starts = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._seen: set[ProcessId] = set()

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int:
        return self._running().pid

    def start(self) -> WorkerProcess:
        self.starts += 1
        with self.log_path.open("ab") as log:
            log.write(f"--- start {self.starts}\n".encode())
            self._process = subprocess.Popen(
                [*orderline_command(), "worker", "--config", str(self.config)],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        if (identity := ProcessId.of(self._process.pid)) is not None:
            self._seen.add(identity)
        return self

    def kill(self) -> int:
        """SIGKILL the worker alone (what it started is left to notice) and reap it; -9."""
        process = self._running()
        self._seen.update(descendants(process.pid))
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGKILL)
        return self._reap(process, 10.0)

    def stop(self, timeout_s: float = 30.0) -> int:
        """SIGTERM and wait for a graceful exit; returns the exit code."""
        process = self._running()
        self._seen.update(descendants(process.pid))
        process.send_signal(signal.SIGTERM)
        return self._reap(process, timeout_s)

    def lingering(self, timeout_s: float) -> list[ProcessId]:
        """Processes this worker started that are still alive after `timeout_s`."""
        return wait_gone(
            [p for p in self._seen if self._process is None or p.pid != self._process.pid], timeout_s
        )

    def _reap(self, process: subprocess.Popen[bytes], timeout_s: float) -> int:
        try:
            return process.wait(timeout_s)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(10.0)
            self._process = None

    def _running(self) -> subprocess.Popen[bytes]:
        if self._process is None:
            raise RuntimeError("the worker is not running")
        return self._process

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return "(no output)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def __enter__(self) -> WorkerProcess:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._process is not None:
            if self._process.poll() is None:
                self._seen.update(descendants(self._process.pid))
                self._process.kill()
            self._process.wait(10.0)
            self._process = None
        for leftover in wait_gone(list(self._seen), 5.0):
            leftover.kill()
        self._seen.clear()


def start_all(starts: Sequence[Callable[[], object]]) -> None:
    """Run every process's start at once (each waits for its own readiness): an API
    process takes seconds to answer /readyz on a busy machine."""
    with ThreadPoolExecutor(max(1, len(starts))) as pool:
        for future in [pool.submit(start) for start in starts]:
            future.result()


# --- What the processes leave in the database -----------------------------------------


def table_exists(engine: Engine, name: str) -> bool:
    with engine.connect() as connection:
        return bool(
            connection.execute(text("SELECT to_regclass(:name) IS NOT NULL"), {"name": name}).scalar_one()
        )


def job_counts(engine: Engine, task: str | None = STORE_TASK) -> dict[str, int]:
    """procrastinate's jobs of `task` (all tasks: None) by status; empty when its schema
    is not there. The periodic housekeeping tasks come and go every second: a store's
    work is what `process_store` jobs say."""
    if not table_exists(engine, "procrastinate_jobs"):
        return {}
    query = "SELECT status::text, count(*) FROM procrastinate_jobs"
    query += " GROUP BY 1" if task is None else " WHERE task_name = :task GROUP BY 1"
    with engine.connect() as connection:
        rows = connection.execute(text(query), {"task": task})
        return {str(status): int(count) for status, count in rows}


def inbox_statuses(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT status, count(*) FROM inbox GROUP BY status"))
        return {str(status): int(count) for status, count in rows}


def inbox_key_counts(engine: Engine) -> dict[str, int]:
    """dedupe key (the Shopify webhook id) -> rows stored under it."""
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT dedupe_key, count(*) FROM inbox GROUP BY dedupe_key"))
        return {str(key): int(count) for key, count in rows}


def is_quiet(statuses: dict[str, int], jobs: dict[str, int], expected_rows: int) -> bool:
    """Every delivery stored and settled, and no job waiting or running."""
    return (
        sum(statuses.values()) == expected_rows
        and set(statuses) <= SETTLED
        and not any(jobs.get(state, 0) for state in OPEN_JOBS)
    )


def wait_quiet(engine: Engine, expected_rows: int, timeout_s: float) -> tuple[dict[str, int], dict[str, int]]:
    """Poll until `is_quiet` holds twice in a row, half a second apart (a job deferred by
    a periodic pump in between shows up); returns the inbox statuses and job counts."""
    deadline = time.monotonic() + timeout_s
    quiet_polls = 0
    while True:
        statuses, jobs = inbox_statuses(engine), job_counts(engine)
        quiet_polls = quiet_polls + 1 if is_quiet(statuses, jobs, expected_rows) else 0
        if quiet_polls >= 2:
            return statuses, jobs
        if time.monotonic() > deadline:
            raise AssertionError(f"not quiet within {timeout_s} s: inbox {statuses}, jobs {jobs}")
        time.sleep(0.5)


def order_lock_holders(engine: Engine) -> set[str]:
    """The `application_name`s of the connections that hold an order's advisory lock:
    those inside a processing transaction (persistence/projections.lock_orders)."""
    query = text(
        "SELECT DISTINCT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
        " WHERE l.locktype = 'advisory' AND l.granted AND a.datname = current_database()"
    )
    with engine.connect() as connection:
        return {str(name) for (name,) in connection.execute(query)}


def duplicate_facts(engine: Engine) -> int:
    """Facts stored more than once under one identity (store, order, fact key)."""
    query = text("SELECT count(*) - count(DISTINCT (store_id, order_id, fact_key)) FROM facts")
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def _rows(engine: Engine, columns: Iterable[Any], order_by: Iterable[Any]) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(select(*columns).order_by(*order_by))]


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Everything derived from the inbox, minus surrogate ids and processing timestamps:
    the orders (their timeline is in `orders.state`), the facts, each delivery's outcome,
    and the `timeline` table where the schema still has one (before migration 0013)."""
    taken = {
        "orders": _rows(engine, orders.columns, [orders.c.store_id, orders.c.order_id]),
        "facts": _rows(
            engine,
            [facts.c.store_id, facts.c.order_id, facts.c.fact_key, facts.c.fact_type, facts.c.body],
            [facts.c.store_id, facts.c.order_id, facts.c.fact_key],
        ),
        "outcomes": _rows(
            engine,
            [inbox.c.store_id, inbox.c.dedupe_key, inbox.c.status, inbox.c.order_id, inbox.c.error],
            [inbox.c.store_id, inbox.c.dedupe_key],
        ),
    }
    if table_exists(engine, "timeline"):
        with engine.connect() as connection:
            query = text("SELECT * FROM timeline ORDER BY store_id, order_id, seq")
            taken["timeline"] = [tuple(row) for row in connection.execute(query)]
    return taken


def first_difference(live: list[tuple[Any, ...]], replayed: list[tuple[Any, ...]]) -> str:
    for index, (a, b) in enumerate(zip(live, replayed, strict=False)):
        if a != b:
            return f"row {index}:\n  live:     {a!r}\n  replayed: {b!r}"
    return f"{len(live)} live rows, {len(replayed)} replayed rows"
