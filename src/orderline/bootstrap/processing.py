"""The processing worker: its lanes, its tick (exception timers, the weekly scorecard,
reconciliation sweeps, then the outbox), and a tick at any `now`."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from orderline.bootstrap.reconcile import reconcile_schedule
from orderline.bootstrap.runtime import Runtime
from orderline.bootstrap.scorecard_delivery import weekly_scorecard
from orderline.services import scheduler
from orderline.services.processing_loop import ProcessingLoop
from orderline.services.reconciliation import ReconcileSchedule
from orderline.services.scorecard_delivery import WeeklyScorecard

WORKER_TICK_BATCH = 25
WORKER_TICK_BATCHES = 20


def processing_thread(runtime: Runtime) -> ProcessingLoop:
    """In-process processing (and exception ticks), for tests and the demo; no scheduled
    reconciliation sweeps (`orderline reconcile` runs one by hand)."""
    return processing_loop(runtime, sweeping=False)


def processing_loop(runtime: Runtime, *, sweeping: bool = True) -> ProcessingLoop:
    """The processing worker's loop: one lane for the platforms whose deliveries map from
    their stored body alone, one for those whose mapping fetches from the platform's API;
    its tick also starts the reconciliation sweeps that are due unless `sweeping` is False."""
    fetching = {name for name, connector in runtime.connectors.items() if connector.fetches}
    offline = set(runtime.connectors) - fetching
    weekly = weekly_scorecard(runtime)
    sweeps = reconcile_schedule(runtime) if sweeping else None
    return ProcessingLoop(
        runtime.processor.lane(offline),
        runtime.engine,
        poll_s=0.2,
        ticker=lambda: worker_tick(runtime, weekly, sweeps),
        lanes=[runtime.processor.lane(fetching)] if fetching else [],
    )


def worker_tick(
    runtime: Runtime, weekly: WeeklyScorecard | None = None, sweeps: ReconcileSchedule | None = None
) -> scheduler.TickResult:
    """The processing worker's tick: small transactions (intake waits for SQLite's write
    lock while one runs) and a bounded amount of work, so the loop stays responsive;
    then the weekly scorecard when it falls due, the reconciliation sweeps that are due
    (in a thread of their own), and the outbox's due messages, hand-offs, notices and
    scorecards."""
    result = run_tick(runtime, batch_size=WORKER_TICK_BATCH, max_batches=WORKER_TICK_BATCHES)
    if weekly is not None:
        weekly.run(runtime.clock())
    if sweeps is not None:
        sweeps.poke(runtime.clock())
    runtime.outreach.deliver(runtime.clock())
    return result


def run_tick(
    runtime: Runtime,
    now: datetime | None = None,
    *,
    batch_size: int = 200,
    max_batches: int | None = None,
    stores: Collection[str] | None = None,
) -> scheduler.TickResult:
    """Evaluate the orders due at `now` (of `stores` only, when given) with the configured
    policy and store calendars."""
    policy = runtime.exception_policy()  # one policy for every store, from `exceptions:`
    return scheduler.tick(
        runtime.engine,
        lambda _store: policy,
        runtime.business_calendar,
        now or runtime.clock(),
        record_facts=runtime.processor.record_facts,
        known=runtime.processor.folded_order,
        batch_size=batch_size,
        max_batches=max_batches,
        listeners=runtime.outreach.listeners,
        stores=stores,
    )
