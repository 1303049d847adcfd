"""The scheduler: evaluate every order whose timer is due at `now`.

Due work lives in the `timers` table (one row per order, its next due time), never in
memory, so a restart loses nothing: the next tick, by any process, finds what is due.
`now` is an argument, so the same code runs on the wall clock (`orderline tick`), in
tests and in backtests. Each batch of orders is evaluated and committed in one
transaction; an evaluated order's timer moves past `now` or goes, so a tick ends.

Exceptions that hold fulfilment place their holds as facts through `record_facts`
(`Processor.record_facts`), in the batch's transaction; see `services.exceptions`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, Engine

from orderline.domain.order_exceptions import BusinessCalendar, ExceptionPolicy
from orderline.domain.order_exceptions.findings import utc
from orderline.persistence import exception_records as records
from orderline.services.exception_evaluation import (
    Evaluation,
    EvaluationListener,
    ExceptionChange,
    KnownOrders,
    RecordFacts,
    evaluate_orders,
)

PolicyFor = Callable[[str], ExceptionPolicy]
CalendarFor = Callable[[str], BusinessCalendar]
TOUCHED = "touched"


@dataclass(slots=True)
class TickResult:
    orders: int = 0
    opened: list[ExceptionChange] = field(default_factory=list)
    escalated: list[ExceptionChange] = field(default_factory=list)
    resolved: list[ExceptionChange] = field(default_factory=list)
    holds_placed: list[tuple[str, str, str]] = field(default_factory=list)
    holds_released: list[tuple[str, str, str]] = field(default_factory=list)
    """(store_id, order_id, hold_group) of each Orderline hold placed or released."""

    def add(self, evaluation: Evaluation) -> None:
        self.orders += 1
        self.opened.extend(evaluation.opened)
        self.escalated.extend(evaluation.escalated)
        self.resolved.extend(evaluation.resolved)
        keys = (evaluation.store_id, evaluation.order_id)
        self.holds_placed.extend((*keys, group) for group in evaluation.holds_placed)
        self.holds_released.extend((*keys, group) for group in evaluation.holds_released)

    def counts(self) -> dict[str, int]:
        return {
            "orders": self.orders,
            "opened": len(self.opened),
            "escalated": len(self.escalated),
            "resolved": len(self.resolved),
        }


def tick(
    engine: Engine,
    policy_for: PolicyFor,
    calendar_for: CalendarFor,
    now: datetime,
    *,
    batch_size: int = 200,
    record_facts: RecordFacts | None = None,
    max_batches: int | None = None,
    listeners: Sequence[EvaluationListener] = (),
    stores: Collection[str] | None = None,
    known: KnownOrders | None = None,
) -> TickResult:
    """Evaluate every order due at `now` (of `stores` only, when given), earliest first,
    one transaction per batch (at most `max_batches` of them; the rest stay due for the
    next tick).
    Holds are placed and released only when `record_facts` is given; `known` (a processor's
    `folded_order`) spares decoding orders that processing just folded."""
    now = utc(now)
    result = TickResult()
    batches = 0
    while max_batches is None or batches < max_batches:
        batches += 1
        with engine.begin() as connection:
            due = records.due_timers(connection, now, batch_size, stores)
            evaluations = evaluate_orders(
                connection, due, policy_for, calendar_for, now, record_facts, listeners, known=known
            )
            for evaluation in evaluations:
                result.add(evaluation)
        if len(due) < batch_size:
            return result
    return result


def enqueue_now(connection: Connection, keys: Iterable[tuple[str, str]], now: datetime) -> None:
    """Make orders due at `now` (their facts changed), inside the caller's transaction,
    so the next tick re-evaluates them. An earlier due time is kept."""
    records.bring_timers_forward(connection, keys, utc(now), TOUCHED)
