"""The failure analysis of the weekly review (exception causes as a Pareto, the slowest
lanes) and the ranking of workflows by risk that says which controls to switch on first.

The escalations that breached, the silent exceptions and the drift incidents come from the
service's own reads and are passed through unchanged.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from orderline.domain.scorecard.cycle_time import MeasuredOrder
from orderline.domain.scorecard.figures import LaneRow, ParetoRow, WorkflowRisk
from orderline.domain.scorecard.percentiles import median, quantile
from orderline.domain.scorecard.records import OrderRecord, TicketRecord
from orderline.domain.scorecard.week_tally import TroubledOrder

LANE_MIN_ORDERS = 3
"""A p90 of one or two orders says nothing about a lane."""
SLOWEST_LANES = 10


def pareto(orders: Iterable[OrderRecord], informational_types: frozenset[str]) -> tuple[ParetoRow, ...]:
    """Per problem exception type, the orders that had it, most first (ties by name), with
    the running share of all those counts."""
    counts: Counter[str] = Counter()
    for order in orders:
        if order.exception_types:
            for name in order.exception_types - informational_types:
                counts[name] += 1
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    total = sum(counts.values())
    rows, running = [], 0
    for cause, count in ranked:
        running += count
        rows.append(ParetoRow(cause=cause, count=count, cumulative_pct=100.0 * running / total))
    return tuple(rows)


def slowest_lanes(measured: Iterable[MeasuredOrder]) -> tuple[LaneRow, ...]:
    """Store x carrier x order type lanes of the week's shipped orders with at least three
    orders, slowest p90 hours to first shipment first; the ten slowest."""
    lanes: defaultdict[tuple[str, str, str], list[float]] = defaultdict(list)
    for item in measured:
        if item.first_hours is None:
            continue
        for name in item.types:
            lanes[(item.order.store_id, item.carrier, name)].append(item.first_hours)
    rows = []
    for (store_id, carrier, order_type), hours in lanes.items():
        p90 = quantile(sorted(hours), 0.9)
        if len(hours) >= LANE_MIN_ORDERS and p90 is not None:
            rows.append(LaneRow(store_id, carrier, order_type, orders=len(hours), p90_hours=p90))
    rows.sort(key=lambda row: (-row.p90_hours, row.store_id, row.carrier, row.order_type))
    return tuple(rows[:SLOWEST_LANES])


def workflow_risks(
    troubled: Iterable[TroubledOrder],
    all_first_hours: Sequence[float],
    tickets: Iterable[TicketRecord],
    informational_types: frozenset[str],
) -> tuple[WorkflowRisk, ...]:
    """Problem exception types of the trend window, riskiest first.

    `troubled` are the window's orders with a problem exception, `all_first_hours` the
    sorted hours to first shipment of all its shipped orders, `tickets` its tickets. The
    score is exceptions x (1 + cycle-time impact in hours) x (1 + tickets): each factor
    plus one, so that a type no ticket mentions, or one that does not slow shipping, is
    still ranked by its other factors instead of scoring zero.
    """
    orders_with: Counter[str] = Counter()
    hours_with: defaultdict[str, list[float]] = defaultdict(list)
    types_of: dict[tuple[str, str], frozenset[str]] = {}
    # Counted name by name: Counter.update on a small set costs more than the loop.
    for item in troubled:
        problems = item.order.exception_types - informational_types
        types_of[(item.order.store_id, item.order.order_id)] = problems
        for name in problems:
            orders_with[name] += 1
            if item.first_hours is not None:
                hours_with[name].append(item.first_hours)
    tickets_with: Counter[str] = Counter()
    for ticket in tickets:
        if ticket.order_id is not None and ticket.store_id is not None:
            for name in types_of.get((ticket.store_id, ticket.order_id), ()):
                tickets_with[name] += 1
    overall = quantile(all_first_hours, 0.5)
    risks = []
    for name, exceptions in orders_with.items():
        own = median(hours_with[name])
        impact = 0.0 if own is None or overall is None else max(own - overall, 0.0)
        score = exceptions * (1.0 + impact) * (1 + tickets_with[name])
        risks.append(WorkflowRisk(name, exceptions, impact, tickets_with[name], score))
    risks.sort(key=lambda risk: (-risk.score, risk.exception_type))
    return tuple(risks)
