"""The job engine, as the entry points see it: something that works the inbox, the
exception timers and the housekeeping in the background, started and stopped by `orderline
worker` (and `serve`'s worker process), and a board of its queue for `orderline jobs` and
/metrics.

Two engines run behind `JobEngine`; nothing else in the services knows which one does:

- on SQLite (embedded), the in-process loop (`ProcessingLoop`): lanes of batches and a tick;
- on PostgreSQL (scale-out), procrastinate workers (`bootstrap.jobs`): a job per store,
  deferred by intake in the transaction that commits its deliveries, and periodic tasks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from sqlalchemy import Engine

from orderline.persistence import job_queue, order_queries
from orderline.services.processing_loop import ProcessingLoop

IN_PROCESS = "in-process"
PROCRASTINATE = "procrastinate"
STALLED_AFTER_S = job_queue.STALLED_AFTER_S


class JobEngine(Protocol):
    """What runs the background work; `wake` after a commit that left work for it."""

    @property
    def name(self) -> str: ...
    def start(self) -> None: ...
    def stop(self) -> None: ...
    def wake(self) -> None: ...
    @property
    def is_running(self) -> bool: ...


class InProcessEngine:
    """The embedded engine: the in-process processing loop, in threads of this process."""

    name = IN_PROCESS

    def __init__(self, loop: ProcessingLoop) -> None:
        self._loop = loop

    def start(self) -> None:
        self._loop.start()

    def stop(self) -> None:
        self._loop.stop()

    def wake(self) -> None:
        self._loop.wake()

    @property
    def is_running(self) -> bool:
        return self._loop.is_running


@dataclass(frozen=True, slots=True)
class JobBoardState:
    """The queue at a glance. On SQLite (no job queue) only `engine` and `inbox_backlog`
    say anything: the in-process engine works the inbox directly."""

    engine: str
    todo: int = 0
    doing: int = 0
    stalled: int = 0
    failed: int = 0
    oldest_due_age_s: float = 0.0
    by_status: dict[str, int] = field(default_factory=dict)
    inbox_backlog: dict[str, int] = field(default_factory=dict)


class JobBoard:
    """`orderline jobs`: the queue's counts, and failed jobs put back in line."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @property
    def engine_name(self) -> str:
        return PROCRASTINATE if self._engine.dialect.name == "postgresql" else IN_PROCESS

    def state(self, _now: datetime) -> JobBoardState:
        """The counts (procrastinate's ages are by the database's clock, which stamps them)."""
        with self._engine.connect() as connection:
            backlog = order_queries.inbox_backlog(connection)
            if self.engine_name == IN_PROCESS or not job_queue.is_installed(connection):
                return JobBoardState(IN_PROCESS, inbox_backlog=backlog)
            counts = job_queue.job_counts(connection, STALLED_AFTER_S)
        return JobBoardState(
            PROCRASTINATE,
            todo=counts.count("todo"),
            doing=counts.count("doing"),
            stalled=counts.stalled,
            failed=counts.count("failed"),
            oldest_due_age_s=counts.oldest_due_age_s,
            by_status=counts.by_status,
            inbox_backlog=backlog,
        )

    def retry_failed(self, job_ids: list[int] | None = None) -> list[int]:
        """Put failed jobs (all, or those of `job_ids`) back in line; returns their ids.
        Nothing to retry on SQLite: the in-process engine keeps no jobs."""
        if self.engine_name == IN_PROCESS:
            return []
        with self._engine.begin() as connection:
            return job_queue.retry_failed(connection, None if job_ids is None else set(job_ids))
