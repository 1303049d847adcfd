"""The job engine a database gets: the in-process loop on SQLite, procrastinate workers on
PostgreSQL (`orderline worker`, and `serve`'s worker process, pick it from the URL).

The procrastinate engine runs procrastinate's asynchronous worker on an event loop of its
own thread, so `start`/`stop` look like the in-process loop's. Its jobs are synchronous
(SQLAlchemy), each in a thread of the loop's executor, at most `concurrency` at once. If
the worker stops on its own (the database went away), it is started again after a pause
that doubles up to `MAX_RESTART_PAUSE_S`. Beside it, a thread beats this process's
heartbeat in Orderline's workers table (what `orderline replay` checks).

Failed store jobs go back in line after a backoff that doubles from half a second and is
capped at `RETRY_CAP_S` (short: a job waiting for its retry holds its store's lock), at
most `RETRY_ATTEMPTS` times; then the job is `failed` (`orderline jobs retry` puts it back,
and the inbox pump defers the store anew meanwhile).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Sequence

from procrastinate import App, JobContext, PsycopgConnector, RetryDecision
from procrastinate.jobs import Job
from procrastinate.retry import BaseRetryStrategy
from sqlalchemy import Connection
from sqlalchemy.engine import make_url

from orderline.bootstrap.job_tasks import PERIODIC, Housekeeping, StoreWork
from orderline.bootstrap.processing import processing_loop
from orderline.bootstrap.runtime import Runtime
from orderline.persistence import job_queue, workers
from orderline.persistence.inbox import InboxRecord
from orderline.services.jobs import PROCRASTINATE, InProcessEngine, JobEngine
from orderline.services.processing_loop import HEARTBEAT_EVERY_S

log = logging.getLogger(__name__)

CONCURRENCY = 4
RETRY_CAP_S = 5.0
RETRY_ATTEMPTS = 8
HEARTBEAT_S = job_queue.STALLED_AFTER_S / 4
"""Procrastinate's worker heartbeat: a worker that misses four is stalled."""
MAX_RESTART_PAUSE_S = 30.0


def job_engine(runtime: Runtime, *, sweeping: bool = True) -> JobEngine:
    """The engine for the runtime's database: procrastinate on PostgreSQL, the in-process
    loop on SQLite (`sweeping`: whether its tick starts reconciliation sweeps)."""
    if runtime.engine.dialect.name == "postgresql":
        return ProcrastinateEngine(runtime)
    return InProcessEngine(processing_loop(runtime, sweeping=sweeping))


def defer_store_jobs(connection: Connection, records: Sequence[InboxRecord]) -> None:
    """Intake's hook on PostgreSQL, inside each commit's transaction: one waiting job per
    store of the committed deliveries (none added where one waits already)."""
    job_queue.defer_stores(connection, {record.store_id for record in records})


def intake_hook(runtime: Runtime) -> Callable[[Connection, Sequence[InboxRecord]], None] | None:
    """`defer_store_jobs` where the job queue runs (PostgreSQL), None on SQLite."""
    return defer_store_jobs if runtime.engine.dialect.name == "postgresql" else None


def libpq_url(database_url: str) -> str:
    """The configured SQLAlchemy URL as psycopg's own connection string."""
    url = make_url(database_url)
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


class CappedBackoff(BaseRetryStrategy):
    """0.5 s, 1 s, 2 s, 4 s, then `cap_s` between tries, `attempts` tries in all."""

    def __init__(self, cap_s: float = RETRY_CAP_S, attempts: int = RETRY_ATTEMPTS) -> None:
        self._cap_s = cap_s
        self._attempts = attempts

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        if job.attempts + 1 >= self._attempts:
            return None
        return RetryDecision(retry_in={"seconds": min(self._cap_s, 0.5 * 2**job.attempts)})


def job_app(runtime: Runtime, retry: BaseRetryStrategy | None = None) -> App:
    """Procrastinate's app over the runtime's database, with Orderline's tasks (store jobs
    retried by `retry`, `CappedBackoff()` by default)."""
    app = App(connector=PsycopgConnector(conninfo=libpq_url(runtime.config.database_url), max_size=8))
    work = StoreWork(runtime)

    def process_store(context: JobContext, store_id: str) -> None:
        try:
            work.run(store_id)
        except Exception:
            if context.job.id is not None:
                try:
                    work.release(context.job.id)
                except Exception:  # the database is away: procrastinate's retry fails too,
                    # its worker stops (heartbeat lost) and restarts, and the stalled-job
                    # sweep, which clears the lock itself, puts this job back in line
                    log.warning("could not clear job %s's queueing lock", context.job.id, exc_info=True)
            raise

    app.task(
        name=job_queue.PROCESS_STORE, queue=job_queue.QUEUE, pass_context=True, retry=retry or CappedBackoff()
    )(process_store)
    housekeeping = Housekeeping(runtime)
    for name, cron, body in PERIODIC:
        task = app.task(name=name, queue=job_queue.QUEUE, lock=name, queueing_lock=name)(
            _periodic_body(name, body, housekeeping)
        )
        app.periodic(cron=cron)(task)
    return app


def _periodic_body(
    name: str, body: Callable[[Housekeeping], None], housekeeping: Housekeeping
) -> Callable[[int], None]:
    def run(timestamp: int) -> None:
        del timestamp  # when it was due, by procrastinate's clock; bodies read Orderline's
        try:
            body(housekeeping)
        except Exception:
            log.exception("%s failed; the next period tries again", name)

    return run


class ProcrastinateEngine:
    """Procrastinate's worker in a thread of this process, restarted when it stops."""

    name = PROCRASTINATE

    def __init__(
        self, runtime: Runtime, *, concurrency: int = CONCURRENCY, retry: BaseRetryStrategy | None = None
    ) -> None:
        self._runtime = runtime
        self._concurrency = concurrency
        self._app = job_app(runtime, retry)
        # Procrastinate logs every job start and end at INFO: a periodic task each second
        # would drown the worker's own log. Its warnings and errors still show.
        quiet = logging.getLogger("procrastinate")
        if quiet.getEffectiveLevel() > logging.DEBUG:
            quiet.setLevel(logging.WARNING)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="orderline-jobs", daemon=True)
        self._beats = threading.Thread(target=self._beat, name="orderline-heartbeat", daemon=True)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    @property
    def is_running(self) -> bool:
        return self._thread.is_alive()

    def start(self) -> None:
        self._thread.start()
        self._beats.start()

    def wake(self) -> None:
        """Nothing to do: intake's insert notifies the workers when it commits."""

    def stop(self, timeout_s: float = 15.0) -> None:
        self._stopping.set()
        loop, task = self._loop, self._task
        if loop is not None and task is not None:
            loop.call_soon_threadsafe(task.cancel)
        self._thread.join(timeout_s)
        self._beats.join(timeout_s)
        try:
            with self._runtime.engine.begin() as connection:
                workers.leave(connection, self._worker_id)
        except Exception:
            log.warning("could not remove this worker's heartbeat; it goes stale by itself")

    def _run(self) -> None:
        pause_s = 1.0
        while not self._stopping.is_set():
            try:
                asyncio.run(self._work())
            except Exception:
                log.exception("job worker stopped; starting it again in %.0f s", pause_s)
            else:
                if self._stopping.is_set():
                    return
                log.error("job worker stopped by itself; starting it again in %.0f s", pause_s)
            if self._stopping.wait(pause_s):
                return
            pause_s = min(pause_s * 2, MAX_RESTART_PAUSE_S)

    async def _work(self) -> None:
        async with self._app.open_async():
            self._loop = asyncio.get_running_loop()
            self._task = asyncio.create_task(
                self._app.run_worker_async(
                    queues=[job_queue.QUEUE],
                    name=self._worker_id,
                    concurrency=self._concurrency,
                    install_signal_handlers=False,
                    delete_jobs="successful",
                    update_heartbeat_interval=HEARTBEAT_S,
                    stalled_worker_timeout=job_queue.STALLED_AFTER_S,
                    shutdown_graceful_timeout=10.0,
                )
            )
            if self._stopping.is_set():
                self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                if not self._stopping.is_set():
                    raise
            finally:
                self._loop, self._task = None, None

    def _beat(self) -> None:
        wait_s = 0.0
        while not self._stopping.wait(wait_s):
            wait_s = HEARTBEAT_EVERY_S
            try:
                with self._runtime.engine.begin() as connection:
                    workers.beat(
                        connection,
                        self._worker_id,
                        socket.gethostname(),
                        os.getpid(),
                        self._runtime.clock(),
                    )
            except Exception:
                log.warning("worker heartbeat failed; trying again", exc_info=True)
