"""One pass over one week's orders: every headline figure of that week, and what the risk
ranking needs of it. The trend and the previous week are tallied the same way as the week
itself, so a week's figures do not depend on which scorecard shows them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from orderline.domain.scorecard.business_hours import StoreCalendars
from orderline.domain.scorecard.figures import Kpi
from orderline.domain.scorecard.percentiles import quantile
from orderline.domain.scorecard.records import OrderRecord
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
        }


@dataclass(frozen=True, slots=True)
class TallyRules:
    now: datetime
    informational_types: frozenset[str]
    calendars: StoreCalendars


def tally_week(week: IsoWeek, orders: Sequence[OrderRecord], tickets: int, rules: TallyRules) -> WeekTally:
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
    return WeekTally(
        week, len(orders), with_exception, with_problem, first, last, first_business, tickets, troubled
    )


def hours_apart(start: datetime, end: datetime) -> float:
    """Hours from `start` to `end`; 0 when the end is before the start (a shipment dated
    before its order is bad data). Seconds over 3600, as DuckDB's `epoch(end - start) /
    3600` computes them: the independent check in the tests agrees exactly on whole seconds."""
    seconds = (end - start).total_seconds()
    return seconds / 3600.0 if seconds > 0.0 else 0.0


def _pct(part: int, whole: int) -> float | None:
    return None if whole == 0 else 100.0 * part / whole
