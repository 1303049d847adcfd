"""What the scale-out worker's jobs do, on PostgreSQL: a store's work, and the periodic
housekeeping (the pumps that defer due work, the outbox, the weekly scorecard, the
reconciliation sweeps, unresolved deliveries, stalled jobs). Procrastinate runs them;
`bootstrap.jobs` registers them with it.

The unit of work is a store: intake knows a delivery's store, not its order (only the
processor's mapping does). A store's job works through everything pending for it (a batch
of orders) for a time budget, then its due exception timers; what is left is deferred
again (the queueing lock makes that a no-op when a job already waits). No two jobs of a
store run at once (procrastinate's `lock`); the per-order advisory locks of the
projections stay as the second guard.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime

from orderline.bootstrap.processing import WORKER_TICK_BATCH, WORKER_TICK_BATCHES, run_tick
from orderline.bootstrap.reconcile import reconcile_schedule
from orderline.bootstrap.runtime import Runtime
from orderline.bootstrap.scorecard_delivery import weekly_scorecard
from orderline.persistence import inbox_queue, job_queue
from orderline.services.jobs import STALLED_AFTER_S
from orderline.services.processing import Processor

log = logging.getLogger(__name__)

STORE_BUDGET_S = 2.0
"""How long a store's job works its inbox before it lets other stores' jobs have the
worker (and defers itself again when work remains)."""
MAX_UNRESOLVED_ATTEMPTS = 20


class StoreWork:
    """The body of `process_store`: one store's pending deliveries, then its due timers.

    A store's processor (its lane) is kept for the process's life: it remembers how long
    the store's platform API asked to be left alone."""

    def __init__(self, runtime: Runtime, *, budget_s: float = STORE_BUDGET_S) -> None:
        self._runtime = runtime
        self._budget_s = budget_s
        self._lanes: dict[str, Processor] = {}
        self._lanes_lock = threading.Lock()

    def run(self, store_id: str) -> bool:
        """Work `store_id` until it is idle or the budget is spent; returns whether work
        remains (it was then deferred again)."""
        deadline = time.monotonic() + self._budget_s
        lane = self._lane(store_id)
        remains = False
        while True:
            if lane.run_once().deliveries == 0:
                break
            if time.monotonic() >= deadline:
                remains = True
                break
        # The store's due timers, a batch at a time until none is left, at most
        # WORKER_TICK_BATCHES of them, and no longer than the job's budget: a store with
        # thousands of due orders takes several turns instead of holding a thread.
        for _ in range(WORKER_TICK_BATCHES):
            tick = run_tick(self._runtime, stores=[store_id], batch_size=WORKER_TICK_BATCH, max_batches=1)
            if tick.orders < WORKER_TICK_BATCH:
                break
            if time.monotonic() >= deadline + self._budget_s:
                remains = True
                break
        else:
            remains = True
        if remains:
            with self._runtime.engine.begin() as connection:
                job_queue.defer_stores(connection, [store_id])
        return remains

    def release(self, job_id: int) -> None:
        """Before a failed job goes back in line: clear its queueing lock (a job of the
        store may be waiting already; see `persistence.job_queue`)."""
        with self._runtime.engine.begin() as connection:
            job_queue.release_queueing_lock(connection, job_id)

    def _lane(self, store_id: str) -> Processor:
        with self._lanes_lock:
            lane = self._lanes.get(store_id)
            if lane is None:
                lane = self._lanes[store_id] = self._runtime.processor.lane(stores=[store_id])
            return lane


class Housekeeping:
    """The periodic tasks' bodies, each at Orderline's clock (`runtime.clock()`).

    Each runs as a job of its own (one at a time across workers: a lock per task); a
    failure is logged and the next period tries again, as the in-process loop's tick does."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._weekly = weekly_scorecard(runtime)
        self._sweeps = reconcile_schedule(runtime)

    def pump_timers(self) -> None:
        """Defer the stores whose exception timers are due now, and only those: a timer
        days ahead stays in the timers table (no job is parked for it)."""
        self._defer(job_queue.stores_with_due_timers)

    def pump_inbox(self) -> None:
        """Defer the stores with deliveries due and perhaps no job: committed before a
        worker ran, by an import, or left by a job that failed for good."""
        self._defer(job_queue.stores_with_due_deliveries)

    def deliver_outbox(self) -> None:
        self._runtime.outreach.deliver(self._runtime.clock())

    def weekly_scorecard(self) -> None:
        if self._weekly is not None:
            self._weekly.run(self._runtime.clock())

    def reconcile(self) -> None:
        """The due reconciliation sweeps and count checks, to their end (this job holds
        its lock meanwhile, so no other worker starts a round)."""
        if self._sweeps is not None:
            self._sweeps.poke(self._runtime.clock())
            self._sweeps.join()

    def requeue_unresolved(self) -> None:
        with self._runtime.engine.begin() as connection:
            inbox_queue.quarantine_exhausted_unresolved(
                connection, MAX_UNRESOLVED_ATTEMPTS, self._runtime.clock()
            )
            inbox_queue.requeue_unresolved(connection, MAX_UNRESOLVED_ATTEMPTS)

    def retry_stalled(self) -> None:
        """Put back in line the jobs of workers that died mid-job."""
        with self._runtime.engine.begin() as connection:
            retried = job_queue.retry_stalled(connection, STALLED_AFTER_S)
        if retried:
            log.warning("retrying %d stalled jobs (their worker stopped beating)", len(retried))

    def _defer(self, stores_due: Callable[..., set[str]]) -> None:
        now: datetime = self._runtime.clock()
        with self._runtime.engine.begin() as connection:
            job_queue.defer_stores(connection, stores_due(connection, now), unless_queued=True)


PERIODIC: tuple[tuple[str, str, Callable[[Housekeeping], None]], ...] = (
    # (task name, cron with seconds as the sixth field, body)
    ("orderline.pump_timers", "* * * * * *", Housekeeping.pump_timers),
    ("orderline.pump_inbox", "* * * * * */5", Housekeeping.pump_inbox),
    ("orderline.deliver_outbox", "* * * * * */2", Housekeeping.deliver_outbox),
    ("orderline.weekly_scorecard", "* * * * * */10", Housekeeping.weekly_scorecard),
    ("orderline.reconcile", "* * * * * */5", Housekeeping.reconcile),
    ("orderline.requeue_unresolved", "* * * * * */30", Housekeeping.requeue_unresolved),
    ("orderline.retry_stalled", "* * * * * */5", Housekeeping.retry_stalled),
)
"""The periodic tasks: everything the in-process loop's tick does, each on its cadence."""
