"""Reconciliation as the commands and the worker run it: the configured stores and
schedule, and the evaluation that opens a `state_drift` exception as a sweep finds drift."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from orderline.bootstrap.runtime import Runtime, exception_policy
from orderline.domain.order_exceptions import DEFAULT_CALENDAR
from orderline.services.count_check import DailyCounts
from orderline.services.exception_evaluation import evaluate_order
from orderline.services.reconciliation import EvaluateOrder, Reconciler, ReconcileSchedule


def drift_evaluation(runtime: Runtime) -> EvaluateOrder:
    """Evaluate one order at once with the configured policy, the store's calendar, the
    processor's holds and the outreach listeners (as the tick would)."""
    policy = exception_policy(runtime.config)
    calendars = {store.id: store.business_calendar() for store in runtime.config.stores}

    def evaluate(connection: Connection, store_id: str, order_id: str, now: datetime) -> None:
        calendar = calendars.get(store_id, DEFAULT_CALENDAR)
        evaluate_order(
            connection,
            store_id,
            order_id,
            policy,
            calendar,
            now,
            runtime.processor.record_facts,
            runtime.outreach.listeners,
        )

    return evaluate


def reconciler(runtime: Runtime) -> Reconciler:
    """Sweeps of every configured store, as `reconcile:` says."""
    config = runtime.config
    return Reconciler(
        runtime.engine,
        runtime.processor,
        list(config.stores),
        config.reconcile,
        evaluate=drift_evaluation(runtime),
    )


def reconcile_schedule(runtime: Runtime) -> ReconcileSchedule | None:
    """The worker's scheduled sweeps and daily count checks; None when `reconcile.enabled`
    is false or no store is configured."""
    if not runtime.config.reconcile.enabled or not runtime.config.stores:
        return None
    sweeps = reconciler(runtime)
    return ReconcileSchedule([sweeps.run_due, DailyCounts(runtime.engine, sweeps).run_due])
