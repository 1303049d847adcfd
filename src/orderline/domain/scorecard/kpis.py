"""The weekly scorecard from its inputs: one pure function, `build_scorecard`.

Each order and ticket is placed in its week once (`week_window`); each week of the trend
is tallied in one pass (`week_tally`), which gives the headline figures, the previous
week and the trend alike; the breakdowns and the failure analysis read the week itself.
docs/scorecard.md says in words what every figure counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import chain

from orderline.domain.scorecard.analysis import pareto, slowest_lanes, workflow_risks
from orderline.domain.scorecard.business_hours import StoreCalendars
from orderline.domain.scorecard.cycle_time import cycle_time_rows, distribution, measure, unshipped
from orderline.domain.scorecard.exception_rates import exception_rate_rows
from orderline.domain.scorecard.figures import (
    FailureAnalysis,
    Figure,
    Kpi,
    Scorecard,
    TrendPoint,
    WorkflowRisk,
)
from orderline.domain.scorecard.inputs import ScorecardInputs
from orderline.domain.scorecard.records import OrderRecord, TicketRecord
from orderline.domain.scorecard.tickets import ticket_summary
from orderline.domain.scorecard.week_tally import TallyRules, WeekTally, tally_week
from orderline.domain.scorecard.week_window import WeekWindow

# Business hours are tabled from the window's start to `now`, but no further than this
# after the window: a shipment later than that (a baseline of an old week) is rare enough
# to be counted day by day on the calendar.
_CALENDAR_REACH = timedelta(days=400)


def build_scorecard(inputs: ScorecardInputs) -> Scorecard:
    weeks = _tally_weeks(inputs)
    week_orders, week_tickets = weeks.orders[-1], weeks.tickets[-1]
    measured = measure(week_orders, weeks.rules)
    informational = inputs.informational_types
    return Scorecard(
        week=inputs.week,
        store_id=inputs.store_id,
        generated_at=inputs.now,
        orders=len(week_orders),
        cancelled=sum(1 for order in week_orders if order.is_cancelled),
        headline=_headline(weeks.tallies[-1], weeks.tallies[-2], inputs),
        cycle_time=cycle_time_rows(measured),
        unshipped=unshipped(measured, inputs.now),
        exception_rates=exception_rate_rows(week_orders, informational),
        tickets=ticket_summary(week_tickets, week_orders),
        distribution=distribution(measured),
        trend=tuple(TrendPoint(tally.week, tally.values()) for tally in weeks.trend()),
        analysis=FailureAnalysis(
            pareto=pareto(week_orders, informational),
            slowest_lanes=slowest_lanes(measured),
            breached_escalations=inputs.analysis.breached_escalations,
            silent_exceptions=inputs.analysis.silent_exceptions,
            drift_incidents=inputs.analysis.drift_incidents,
        ),
        risks=_risks(weeks, informational),
        is_baseline=inputs.is_baseline,
    )


@dataclass(frozen=True, slots=True)
class _Weeks:
    """The window's weeks, oldest first: their orders, tickets and tallies."""

    orders: list[list[OrderRecord]]
    tickets: list[list[TicketRecord]]
    tallies: list[WeekTally]
    trend_weeks: int
    rules: TallyRules

    def trend(self) -> list[WeekTally]:
        return self.tallies[-self.trend_weeks :]


def _tally_weeks(inputs: ScorecardInputs) -> _Weeks:
    if inputs.trend_weeks < 1:
        raise ValueError(f"the trend needs at least one week, got {inputs.trend_weeks}")
    # The window holds the trend's weeks and at least the week before `week`.
    window = WeekWindow(inputs.week, max(inputs.trend_weeks, 2), inputs.zones, inputs.default_zone)
    orders = window.orders_by_week(inputs.orders, inputs.store_id)
    tickets = window.tickets_by_week(inputs.tickets, inputs.store_id)
    drifts = window.drifts_by_week(inputs.drifts, inputs.store_id)
    span = _span(window, inputs.now)
    rules = TallyRules(
        now=inputs.now,
        informational_types=inputs.informational_types,
        calendars=StoreCalendars(inputs.calendars, inputs.zones, inputs.default_zone, span),
    )
    tallies = [
        tally_week(week, week_orders, len(week_tickets), rules, week_drifts)
        for week, week_orders, week_tickets, week_drifts in zip(
            window.weeks, orders, tickets, drifts, strict=True
        )
    ]
    return _Weeks(orders, tickets, tallies, inputs.trend_weeks, rules)


def _risks(weeks: _Weeks, informational: frozenset[str]) -> tuple[WorkflowRisk, ...]:
    """The risk ranking over every week of the trend."""
    trend = weeks.trend()
    return workflow_risks(
        troubled=chain.from_iterable(tally.troubled for tally in trend),
        # Each week's hours are sorted already: sorting the chain merges them.
        all_first_hours=sorted(chain.from_iterable(tally.first_hours for tally in trend)),
        tickets=chain.from_iterable(weeks.tickets[-weeks.trend_weeks :]),
        informational_types=informational,
    )


def _headline(this: WeekTally, before: WeekTally, inputs: ScorecardInputs) -> tuple[Figure, ...]:
    values, previous = this.values(), before.values()
    return tuple(Figure(kpi, values[kpi], previous[kpi], inputs.targets.get(kpi)) for kpi in Kpi)


def _span(window: WeekWindow, now: datetime) -> tuple[datetime, datetime]:
    start, end = window.span()
    return start, max(end, min(now, end + _CALENDAR_REACH))
