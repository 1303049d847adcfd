"""How the intake writer paces its commits: how long a request may wait for company, how
many rows one transaction takes, and how it takes SQLite's write lock.

`GroupCommitWriter` (persistence/inbox.py) uses these; the figures behind the defaults
are in its docstring.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection
from sqlalchemy.exc import OperationalError


@dataclass(frozen=True, slots=True)
class CommitSizing:
    """When a group commit starts and how large it may grow.

    A commit starts once the oldest waiting request has waited `linger_s`, or at once
    when a full batch is waiting. A batch holds as many rows as the measured insert cost
    lets the event loop insert within `insert_budget_s` (rows are inserted on the loop,
    which serves no request meanwhile), never fewer than `min_batch` nor more than
    `max_batch`; whatever is left waits for the next commit.

    Behind, the budget grows to what the oldest waiting request has already waited:
    bounded batches also bound throughput (each commit pays its fsync and the lock), and
    a queue that outgrows them would wait longer than any batch takes to insert.
    """

    linger_s: float = 0.002
    insert_budget_s: float = 0.004
    min_batch: int = 32
    max_batch: int = 1024

    def batch_limit(self, row_cost_s: float, waited_s: float = 0.0) -> int:
        """Rows per commit for an insert cost of `row_cost_s` per row, when the oldest
        waiting request has waited `waited_s`."""
        if row_cost_s <= 0:
            return self.max_batch
        budget_s = max(self.insert_budget_s, waited_s)
        return max(self.min_batch, min(self.max_batch, int(budget_s / row_cost_s)))


class RowCost:
    """The insert cost per row, a moving average over recent commits."""

    def __init__(self, initial_s: float = 30e-6, weight: float = 0.2) -> None:
        self.seconds = initial_s
        self._weight = weight

    def observe(self, elapsed_s: float, rows: int) -> None:
        if rows > 0:
            self.seconds += self._weight * (elapsed_s / rows - self.seconds)


LOCK_POLL_S = 0.0005
LOCK_TIMEOUT_S = 30.0
"""As long as the engine's `busy_timeout` (persistence/database.py)."""


def begin_write(
    connection: Connection,
    *,
    timeout_s: float = LOCK_TIMEOUT_S,
    poll_s: float = LOCK_POLL_S,
    monotonic: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Begin a transaction that holds the write lock (SQLite) or a plain one (PostgreSQL).

    SQLite's busy handler sleeps 1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100 ms between
    tries: a lock held for 20 ms by a processing batch costs a waiting request 33 ms, one
    held 60 ms costs 78 ms. Intake polls every `poll_s` instead, with SQLite's own
    wait turned off for the tries, and gets the lock within `poll_s` of its release.
    Blocks (call it from a thread); raises the database's error after `timeout_s`.
    """
    if connection.dialect.name != "sqlite":
        connection.begin()
        return
    deadline = monotonic() + timeout_s
    busy_ms = connection.exec_driver_sql("PRAGMA busy_timeout").scalar_one()
    connection.exec_driver_sql("PRAGMA busy_timeout = 0")
    try:
        while True:
            try:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
                return
            except OperationalError as error:
                connection.rollback()
                if not _is_locked(error) or monotonic() >= deadline:
                    raise
            sleep(poll_s)
    finally:
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(busy_ms)}")


def _is_locked(error: OperationalError) -> bool:
    return "locked" in str(error.orig) or "busy" in str(error.orig)
