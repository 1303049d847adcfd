"""Exception rates of the week's orders: per order type (problems only) and per exception
type (informational ones flagged, so they are shown apart from problems).

Cancelled orders count: an exception on an order later cancelled still happened. An
exception counts in the week its order was placed, whenever it was opened.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from orderline.domain.scorecard.figures import Dimension, RateRow
from orderline.domain.scorecard.order_types import STANDARD
from orderline.domain.scorecard.records import OrderRecord


def has_problem(order: OrderRecord, informational_types: frozenset[str]) -> bool:
    """Whether the order had an exception of a type that is not informational."""
    return not order.exception_types <= informational_types


def exception_rate_rows(
    orders: Iterable[OrderRecord], informational_types: frozenset[str]
) -> tuple[RateRow, ...]:
    """All orders (problems), per order type (problems), then per exception type seen."""
    total = with_problem = 0
    type_orders: Counter[str] = Counter()
    type_problems: Counter[str] = Counter()
    per_exception: Counter[str] = Counter()
    # Counted name by name: Counter.update on a small set costs more than the loop.
    for order in orders:
        total += 1
        names = order.types or (STANDARD,)
        for name in names:
            type_orders[name] += 1
        if order.exception_types:
            for name in order.exception_types:
                per_exception[name] += 1
            if has_problem(order, informational_types):
                with_problem += 1
                for name in names:
                    type_problems[name] += 1
    rows = [RateRow(Dimension.ALL, "all", total, with_problem)]
    rows += [
        RateRow(Dimension.ORDER_TYPE, name, type_orders[name], type_problems[name])
        for name in sorted(type_orders)
    ]
    rows += [
        RateRow(
            Dimension.EXCEPTION_TYPE,
            name,
            total,
            per_exception[name],
            informational=name in informational_types,
        )
        for name in sorted(per_exception)
    ]
    return tuple(rows)
