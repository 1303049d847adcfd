"""Reconciliation: sweep a store's orders modified in a window through its platform's API
and compare each with Orderline's projection, field by field.

The window runs from `--since` (or the last successful sweep's `until` less the overlap,
or the configured lookback on a store's first sweep) to now less the settle time: an order
changed on the platform more recently may have its webhooks still on their way, so it is
left to the next sweep (whose window starts before this one's end) rather than reported
as drift. The platform's history
(`connectors/<platform>/history.py`, the same pages `orderline import` reads; each client
paces itself within the platform's limits) gives each order as an import delivery; the
store's connector maps it to the platform's facts, and `domain.reconciliation` compares
`platform_view(facts)` with `view_of(order)`:

- an order Orderline does not know is a missed webhook: its delivery is stored in the
  inbox (as an import), and processing ingests it;
- an order that differs is drift: a `drift_incidents` row (the readable diff, since the
  platform's modification time), a `DriftObserved` fact on the order (so the `state_drift`
  exception opens with the diff on its timeline, evaluated at once when an `evaluate` is
  given), and the platform's delivery stored in the inbox, so processing folds the
  platform's answer: the heal. A later sweep that sees the order agree marks the incident
  healed; the exception resolves itself once the folded view agrees.

Every sweep is one `reconcile_sweeps` row (ok, or failed with the error); a store without
API credentials is listed as skipped. `run_due` sweeps each store whose turn has come.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol

import orjson
from sqlalchemy import Connection, Engine

from orderline.config import StoreConfig
from orderline.config.reconcile import ReconcileConfig
from orderline.connectors.base import Delivery, MappedDelivery, PayloadError, RetryLater
from orderline.connectors.history import ImportedDelivery, OrderHistory
from orderline.connectors.registry import platform_named
from orderline.domain.facts import DriftObserved, Fact
from orderline.domain.order import order_from_dict
from orderline.domain.reconciliation import DriftField, differences, platform_view, view_of
from orderline.logs import fields
from orderline.persistence import reconcile_records as records
from orderline.persistence.inbox import InboxRecord, write_records
from orderline.persistence.reconcile_records import NewIncident, SweepCounts, SweepRow
from orderline.services import scheduler
from orderline.services.importer import inbox_records
from orderline.services.processing import Processor, StoredResolver, describe_error

log = logging.getLogger(__name__)

MANUAL, SCHEDULED = "manual", "scheduled"
SOURCE = "reconciliation"
FOUND_BY_HEADER = "x-orderline-found-by"
"""Header of an inbox delivery a sweep stored: "sweep {id}: missing" (a missed webhook: the
order was unknown) or "sweep {id}: drifted" (the platform's answer to a drift)."""
MISSING, DRIFTED = "missing", "drifted"
MAP_ATTEMPTS = 4
"""Tries at mapping one order whose mapping fetches (BigCommerce) before the sweep fails:
a 429 from other apps sharing the store's quota costs a wait, not the sweep."""

EvaluateOrder = Callable[[Connection, str, str, datetime], None]
"""Evaluates one order's exceptions at a moment in the caller's transaction
(`services.exception_evaluation.evaluate_order` with the configured policy), so the
`state_drift` exception opens with the sweep, before processing heals the order."""
HistoryOf = Callable[[StoreConfig], AbstractContextManager[OrderHistory]]


class UnknownStore(LookupError):
    """No configured store has this id."""


class SweepProgress(Protocol):
    def compared(self, orders: int) -> None: ...


@dataclass(frozen=True, slots=True)
class DriftFound:
    order_id: str
    fields: tuple[DriftField, ...]
    changed_at: datetime
    """When the platform's side last changed: the drift's "since"."""


@dataclass(slots=True)
class SweepReport:
    store_id: str
    trigger: str
    since: datetime
    until: datetime
    sweep_id: int | None = None
    seen: int = 0
    missing: list[str] = field(default_factory=list)
    """Orders only the platform knew (missed webhooks), now stored for processing."""
    drift: list[DriftFound] = field(default_factory=list)
    healed: list[str] = field(default_factory=list)
    """Orders whose earlier drift incidents this sweep saw agree again."""
    deferred: int = 0
    """Orders changed on the platform after `until` (within the settle time), left to the next sweep."""
    unmapped: list[str] = field(default_factory=list)
    """Why an order the platform returned could not be mapped, one line each."""
    error: str | None = None
    skipped: str | None = None

    @property
    def is_clean(self) -> bool:
        return not self.missing and not self.drift and self.error is None and self.skipped is None

    def counts(self) -> SweepCounts:
        return SweepCounts(self.seen, len(self.missing), len(self.drift))

    @property
    def outcome(self) -> str:
        if self.skipped is not None:
            return records.SKIPPED
        return records.OK if self.error is None else records.FAILED

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-able data (moments as datetimes)."""
        return {
            "store_id": self.store_id,
            "sweep_id": self.sweep_id,
            "trigger": self.trigger,
            "since": self.since,
            "until": self.until,
            "outcome": self.outcome,
            "orders_seen": self.seen,
            "missing": list(self.missing),
            "drift": [
                {
                    "order_id": found.order_id,
                    "since": found.changed_at,
                    "fields": [
                        {"field": f.field, "orderline": f.orderline, "platform": f.platform}
                        for f in found.fields
                    ],
                }
                for found in self.drift
            ],
            "healed": list(self.healed),
            "deferred": self.deferred,
            "unmapped": list(self.unmapped),
            "error": self.error or self.skipped,
        }


def platform_history(store: StoreConfig) -> AbstractContextManager[OrderHistory]:
    return platform_named(store.platform).history(store)


class Reconciler:
    """Sweeps of the configured stores over one database; see the module's docstring."""

    def __init__(
        self,
        engine: Engine,
        processor: Processor,
        stores: Sequence[StoreConfig],
        settings: ReconcileConfig,
        *,
        evaluate: EvaluateOrder | None = None,
        history_of: HistoryOf = platform_history,
    ) -> None:
        self._engine = engine
        self._processor = processor
        self._stores = {store.id: store for store in stores}
        self.settings = settings
        self._evaluate = evaluate
        self._history_of = history_of
        self._resolver = StoredResolver(engine)

    @property
    def store_ids(self) -> tuple[str, ...]:
        return tuple(self._stores)

    def store(self, store_id: str) -> StoreConfig:
        try:
            return self._stores[store_id]
        except KeyError:
            known = ", ".join(self._stores) or "none"
            raise UnknownStore(f"unknown store {store_id!r} (configured: {known})") from None

    def default_since(self, store_id: str, now: datetime) -> datetime:
        """The last successful sweep's end less the overlap; the lookback on a first sweep."""
        with self._engine.connect() as connection:
            until = records.last_ok_until(connection, store_id)
        if until is None:
            return now - self.settings.lookback
        return until - self.settings.overlap

    def sweep(
        self,
        store_id: str,
        *,
        since: datetime | None = None,
        now: datetime | None = None,
        trigger: str = MANUAL,
        progress: SweepProgress | None = None,
    ) -> SweepReport:
        """One sweep of `store_id`, recorded whatever its end; raises only UnknownStore."""
        store = self.store(store_id)
        now = now or self._processor.clock()
        missing = store.missing_credentials()
        if missing:
            reason = f"skipped: store {store_id} has no {missing[0].key} ({missing[0].meaning})"
            with self._engine.begin() as connection:
                sweep_id = records.record_skipped(connection, store_id, trigger, now, reason)
            return SweepReport(store_id, trigger, now, now, sweep_id, skipped=reason)
        until = now - self.settings.settle
        report = SweepReport(store_id, trigger, since or self.default_since(store_id, now), until)
        with self._engine.begin() as connection:
            report.sweep_id = records.start_sweep(connection, store_id, trigger, now, report.since, until)
        try:
            with self._history_of(store) as history:
                for page in history.pages(report.since, self._processor.clock):
                    self._compare_page(history.platform, page, report, now)
                    if progress is not None:
                        progress.compared(len(page))
        except Exception as error:  # a failing store is recorded; the others still run
            report.error = describe_error(error)
            log.warning("reconcile sweep failed", extra=fields(store=store_id, sweep=report.sweep_id))
        with self._engine.begin() as connection:
            records.finish_sweep(
                connection, report.sweep_id, self._processor.clock(), report.counts(), report.error
            )
        log.info(
            "reconcile sweep",
            extra=fields(
                store=store_id,
                sweep=report.sweep_id,
                seen=report.seen,
                missing=len(report.missing),
                drift=len(report.drift),
                healed=len(report.healed),
            ),
        )
        return report

    def run_due(self, now: datetime) -> list[SweepReport]:
        """Sweep every store whose last sweep started at least `every` before `now`."""
        if not self.settings.enabled:
            return []
        reports = []
        for store_id in self._stores:
            with self._engine.connect() as connection:
                started = records.last_started(connection, store_id)
            if started is None or started + self.settings.every <= now:
                reports.append(self.sweep(store_id, now=now, trigger=SCHEDULED))
        return reports

    def sweeps(self, store_id: str | None = None, limit: int = 20) -> list[SweepRow]:
        """Recent sweeps, newest first."""
        if store_id is not None:
            self.store(store_id)
        with self._engine.connect() as connection:
            return records.recent_sweeps(connection, store_id, limit)

    # --- one page ------------------------------------------------------------------

    def _compare_page(
        self, platform: str, page: Sequence[ImportedDelivery], report: SweepReport, now: datetime
    ) -> None:
        mapped = [(delivery, self._map(report.store_id, platform, delivery, report)) for delivery in page]
        known = [(d, m, m.order_id) for d, m in mapped if m is not None and m.order_id is not None]
        ids = {order_id for _, _, order_id in known}
        with self._engine.connect() as connection:
            states = records.order_states(connection, report.store_id, ids)
            unhealed = records.open_incidents(connection, report.store_id, ids)
        new: list[ImportedDelivery] = []
        healed: list[int] = []
        for delivery, result, order_id in known:
            if changed_at(delivery, result.facts) > report.until:
                report.deferred += 1  # its webhooks may still be on their way: the next sweep looks
                continue
            report.seen += 1
            state = states.get(order_id)
            if state is None:
                report.missing.append(order_id)
                new.append(delivery)
                continue
            try:
                theirs = platform_view(list(result.facts))
            except ValueError as error:  # the platform's facts hold no snapshot of the order
                report.unmapped.append(f"{delivery.dedupe_key}: {error}")
                continue
            diff = differences(view_of(order_from_dict(state)), theirs)
            if not diff:
                if order_id in unhealed:
                    healed.extend(unhealed[order_id])
                    report.healed.append(order_id)
                continue
            found = DriftFound(order_id, diff, changed_at(delivery, result.facts))
            report.drift.append(found)
            self._record_drift(platform, delivery, found, report, unhealed.get(order_id, []), now)
        with self._engine.begin() as connection:
            write_records(connection, found_records(platform, report, new, MISSING))
            records.heal_incidents(connection, healed, now)

    def _map(
        self, store_id: str, platform: str, delivery: ImportedDelivery, report: SweepReport
    ) -> MappedDelivery | None:
        connector = self._processor.connector(platform)
        if connector is None:
            raise LookupError(f"no connector for {platform}")
        try:
            payload = orjson.loads(delivery.body)
        except orjson.JSONDecodeError as error:
            report.unmapped.append(f"{delivery.dedupe_key}: {error}")
            return None
        thin = Delivery(store_id, delivery.topic, payload, delivery.received_at, delivery.triggered_at)
        for attempt in range(1, MAP_ATTEMPTS + 1):
            try:
                return connector.map_delivery(thin, self._resolver)
            except PayloadError as error:
                report.unmapped.append(f"{delivery.dedupe_key}: {error}")
                return None
            except RetryLater:
                # A fetching mapping gave up early (processing's own retry is short); the
                # client already waits for the platform's quota before its next request.
                if attempt == MAP_ATTEMPTS:
                    raise
        return None  # pragma: no cover - the loop returns or raises

    def _record_drift(
        self,
        platform: str,
        delivery: ImportedDelivery,
        found: DriftFound,
        report: SweepReport,
        unhealed: list[int],
        now: datetime,
    ) -> None:
        """The incident, the DriftObserved fact (and the exception it opens), and the
        platform's delivery in the inbox for processing to fold, in one transaction. A
        drift still open with the very same diff is not recorded twice."""
        store_id, order_id = report.store_id, found.order_id
        diff = [{"field": f.field, "orderline": f.orderline, "platform": f.platform} for f in found.fields]
        with self._engine.begin() as connection:
            if not any(records.incident_fields(connection, i) == diff for i in unhealed):
                incident = NewIncident(
                    store_id, order_id, SOURCE, report.sweep_id, diff, found.changed_at, now
                )
                records.record_incident(connection, incident)
                observed = DriftObserved(order_id, now, found.changed_at, found.fields, SOURCE)
                self._processor.record_facts(connection, store_id, order_id, [observed])
                scheduler.enqueue_now(connection, [(store_id, order_id)], now)
                if self._evaluate is not None:
                    self._evaluate(connection, store_id, order_id, now)
            write_records(connection, found_records(platform, report, [delivery], DRIFTED))


def found_records(
    platform: str, report: SweepReport, deliveries: Sequence[ImportedDelivery], why: str
) -> list[InboxRecord]:
    """The deliveries as the inbox keeps them (import deliveries), marked with the sweep
    that found them and why (`FOUND_BY_HEADER`): a missed webhook is told apart from an
    `orderline import` that way."""
    marked = {FOUND_BY_HEADER: f"sweep {report.sweep_id}: {why}"}
    return [
        replace(record, headers=marked) for record in inbox_records(platform, report.store_id, deliveries)
    ]


def changed_at(delivery: ImportedDelivery, facts: Sequence[Fact]) -> datetime:
    """The platform's modification time of the order: the delivery's trigger time, else
    its newest fact's, else when its page arrived."""
    if delivery.triggered_at is not None:
        return delivery.triggered_at
    return max((fact.occurred_at for fact in facts), default=delivery.received_at)


class ReconcileSchedule:
    """The worker's scheduled rounds (the due sweeps, then the daily count checks), run in
    a thread of their own so a long sweep (a platform's rate limit) never holds up the
    worker's tick; at most one round at a time."""

    def __init__(self, rounds: Sequence[Callable[[datetime], object]]) -> None:
        self._rounds = tuple(rounds)
        self._thread: threading.Thread | None = None

    def poke(self, now: datetime) -> None:
        """Start a round at `now` unless the previous one still runs."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._thread = threading.Thread(
            target=self._run, args=(now,), name="orderline-reconcile", daemon=True
        )
        self._thread.start()

    def join(self, timeout_s: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout_s)

    def _run(self, now: datetime) -> None:
        for run_due in self._rounds:
            try:
                run_due(now)
            except Exception:  # the database went away mid-round: the next tick tries again
                log.exception("reconcile round failed")
