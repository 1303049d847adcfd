"""One pass over one week's orders: every headline figure of that week, and what the risk
ranking needs of it. The trend and the previous week are tallied the same way as the week
itself, so a week's figures do not depend on which scorecard shows them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from orderline.domain.scorecard.business_hours import StoreCalendars
from orderline.domain.scorecard.figures import Kpi
from orderline.domain.scorecard.percentiles import quantile
from orderline.domain.scorecard.records import DriftRecord, OrderRecord
from orderline.domain.scorecard.weeks import IsoWeek


@dataclass(frozen=True, slots=True)
class TroubledOrder:
    """An order with at least one problem exception, and its hours to first shipment
    (None when cancelled or not shipped)."""

    order: OrderRecord
    first_hours: float | None


@dataclass(frozen=True, slots=True)
class WeekTally:
    week: IsoWeek
    orders: int
    """Cancelled ones included."""
    with_exception: int
    with_problem: int
    first_hours: list[float]
    """Sorted, like the other lists: the shipped orders that are not cancelled."""
    last_hours: list[float]
    first_business_hours: list[float]
    tickets: int
    troubled: list[TroubledOrder]
    drifts: int = 0
    """Drift incidents detected in the week."""
    detect_hours: list[float] = field(default_factory=list)
    """Sorted hours from each incident's platform change to its detection."""

    def values(self) -> dict[Kpi, float | None]:
        return {
            Kpi.SHIP_FIRST_P50_HOURS: quantile(self.first_hours, 0.5),
            Kpi.SHIP_FIRST_P90_HOURS: quantile(self.first_hours, 0.9),
            Kpi.SHIP_LAST_P50_HOURS: quantile(self.last_hours, 0.5),
            Kpi.SHIP_LAST_P90_HOURS: quantile(self.last_hours, 0.9),
            Kpi.SHIP_FIRST_P50_BUSINESS_HOURS: quantile(self.first_business_hours, 0.5),
            Kpi.SHIP_FIRST_P90_BUSINESS_HOURS: quantile(self.first_business_hours, 0.9),
            Kpi.EXCEPTION_RATE_PCT: _pct(self.with_exception, self.orders),
            Kpi.PROBLEM_EXCEPTION_RATE_PCT: _pct(self.with_problem, self.orders),
            Kpi.TICKETS_PER_100_ORDERS: _pct(self.tickets, self.orders),
            Kpi.DRIFT_PER_1000_ORDERS: None if self.orders == 0 else 1000.0 * self.drifts / self.orders,
            Kpi.DRIFT_DETECT_P50_HOURS: quantile(self.detect_hours, 0.5),
        }


@dataclass(frozen=True, slots=True)
class TallyRules:
    now: datetime
    informational_types: frozenset[str]
    calendars: StoreCalendars


def tally_week(
    week: IsoWeek,
    orders: Sequence[OrderRecord],
    tickets: int,
    rules: TallyRules,
    drifts: Sequence[DriftRecord] = (),
) -> WeekTally:
    # The hot loop of the scorecard (a million orders): names are bound locally and each
    # order is looked at once. Hours are `hours_apart`, written out.
    now, informational = rules.now, rules.informational_types
    tables, table_of = rules.calendars.by_store, rules.calendars.table
    first: list[float] = []
    last: list[float] = []
    first_business: list[float] = []
    troubled: list[TroubledOrder] = []
    with_exception = with_problem = 0
    for order in orders:
        hours: float | None = None
        shipped = order.first_shipped_at
        if shipped is not None and not order.is_cancelled and shipped <= now:
            placed = order.placed_at
            seconds = (shipped - placed).total_seconds()
            hours = seconds / 3600.0 if seconds > 0.0 else 0.0
            first.append(hours)
            table = tables.get(order.store_id) or table_of(order.store_id)
            first_business.append(table.hours_between(placed.timestamp(), shipped.timestamp()))
            done = order.last_shipped_at
            if done is not None and done <= now:
                seconds = (done - placed).total_seconds()
                last.append(seconds / 3600.0 if seconds > 0.0 else 0.0)
        if order.exception_types:
            with_exception += 1
            if not order.exception_types <= informational:
                with_problem += 1
                troubled.append(TroubledOrder(order, hours))
    first.sort()
    last.sort()
    first_business.sort()
    detect_hours = sorted(hours_apart(d.changed_at, d.detected_at) for d in drifts)
    return WeekTally(
        week, len(orders), with_exception, with_problem, first, last, first_business, tickets, troubled,
        len(drifts), detect_hours,
    )  # fmt: skip


def hours_apart(start: datetime, end: datetime) -> float:
    """Hours from `start` to `end`; 0 when the end is before the start (a shipment dated
    before its order is bad data). Seconds over 3600, as DuckDB's `epoch(end - start) /
    3600` computes them: the independent check in the tests agrees exactly on whole seconds."""
    seconds = (end - start).total_seconds()
    return seconds / 3600.0 if seconds > 0.0 else 0.0


def _pct(part: int, whole: int) -> float | None:
    return None if whole == 0 else 100.0 * part / whole
