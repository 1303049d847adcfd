"""The daily count check: how many orders each store's customers placed yesterday (in the
store's zone), by the platform's count and by Orderline's. A sweep's window follows the
orders *modified* since the last sweep; an order whose webhooks were all lost between two
windows (a sweep that failed for a day, a clock skewed on the platform) shows up here as
a gap, which starts a sweep of that day (`trigger` count_gap) that ingests what is missing.

Each check is a `reconcile_sweeps` row of its own (`trigger` count_check, the day as its
window, both counts); a store is checked once per day, stores without API credentials
never (their sweeps are listed as skipped).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Engine

from orderline.config import StoreConfig
from orderline.connectors.plugin import ApiClient
from orderline.connectors.registry import platform_named
from orderline.logs import fields
from orderline.persistence import reconcile_records as records
from orderline.services.processing import describe_error
from orderline.services.reconciliation import Reconciler, SweepReport

log = logging.getLogger(__name__)

COUNT_GAP = "count_gap"
"""The trigger of the sweep a gap starts."""

ApiClientOf = Callable[[StoreConfig], ApiClient]


def platform_api_client(store: StoreConfig) -> ApiClient:
    return platform_named(store.platform).api_client(store)


@dataclass(frozen=True, slots=True)
class CountCheck:
    store_id: str
    day: date
    start: datetime
    end: datetime
    platform: int | None
    """Orders placed that day by the platform's count; None when the API failed (`error`)."""
    orderline: int
    sweep: SweepReport | None = None
    """The sweep of that day a gap started."""
    error: str | None = None

    @property
    def gap(self) -> int:
        """Orders the platform counts that Orderline does not (negative: the other way round)."""
        return 0 if self.platform is None else self.platform - self.orderline


class DailyCounts:
    """Count checks of the reconciler's stores; see the module's docstring."""

    def __init__(
        self, engine: Engine, reconciler: Reconciler, api_client_of: ApiClientOf = platform_api_client
    ) -> None:
        self._engine = engine
        self._reconciler = reconciler
        self._api_client_of = api_client_of

    def check(self, store_id: str, day: date, now: datetime) -> CountCheck:
        """Count the orders placed on `day` (the store's zone) on both sides; sweep that day on a gap."""
        store = self._reconciler.store(store_id)
        start, end = day_window(store, day)
        with self._engine.connect() as connection:
            ours = records.orders_placed(connection, store_id, start, end)
        theirs, error = self._platform_count(store, start, end)
        with self._engine.begin() as connection:
            records.record_count_check(connection, store_id, now, (start, end), (theirs, ours), error)
        check = CountCheck(store_id, day, start, end, theirs, ours, error=error)
        log.info("count check", extra=fields(store=store_id, platform=theirs, orderline=ours))
        if theirs is None or theirs == ours:
            return check
        sweep = self._reconciler.sweep(store_id, since=start, now=now, trigger=COUNT_GAP)
        return CountCheck(store_id, day, start, end, theirs, ours, sweep)

    def run_due(self, now: datetime) -> list[CountCheck]:
        """Check yesterday (each store's zone) for every store with API credentials that
        has no check of it yet."""
        if not self._reconciler.settings.enabled or not self._reconciler.settings.daily_count:
            return []
        checks = []
        for store_id in self._reconciler.store_ids:
            store = self._reconciler.store(store_id)
            if store.missing_credentials():
                continue
            yesterday = now.astimezone(store.zone).date() - timedelta(days=1)
            with self._engine.connect() as connection:
                done = records.has_count_check(connection, store_id, day_window(store, yesterday)[0])
            if not done:
                checks.append(self.check(store_id, yesterday, now))
        return checks

    def _platform_count(
        self, store: StoreConfig, start: datetime, end: datetime
    ) -> tuple[int | None, str | None]:
        try:
            client = self._api_client_of(store)
            try:
                return client.orders_placed(start, end), None
            finally:
                client.close()
        except Exception as error:  # a failing store is recorded; the others are still checked
            return None, describe_error(error)


def day_window(store: StoreConfig, day: date) -> tuple[datetime, datetime]:
    """`day` from midnight to midnight in the store's zone, in UTC."""
    start = datetime.combine(day, time(0), store.zone)
    end = datetime.combine(day + timedelta(days=1), time(0), store.zone)
    return start.astimezone(UTC), end.astimezone(UTC)
