"""Evaluating one order's exceptions at a given `now`: open, escalate, resolve, and set
the order's next timer.

The detectors (pure, in the domain) say which findings hold at `now`; this use case
reconciles them with what the store remembers:

- a new finding opens an exception; a resolved one whose cause is back reopens, unless a
  person resolved it and the finding is the very same (same `opened_at`): a human
  decision stands until the problem itself changes;
- an open exception whose finding is gone resolves with "cause cleared";
- `level_reached` advances to the highest level due at `now`, each step an escalation to
  that level's target (levels already due when an exception opens escalate at once).

The order's next timer is the earliest moment after `now` at which the same facts would
give a different answer: the next escalation level of an open exception, or the moment a
detector would newly fire. The latter is found by running the detectors once more at
`now + PROBE_HORIZON`: findings are values whose `opened_at` does not depend on `now`, so
any finding there that opens after `now` is exactly a future firing. New facts change
the answer too, which is why processing brings an order's timer forward to "now"
(`services.scheduler.enqueue_now`). Evaluating twice at the same `now` changes nothing.

Holds reach the order through the fold, like everything else: a finding
that asks for a hold gets an Orderline hold, group `orderline:<exception key>`, recorded
as a `HoldPlaced` fact through `record_facts` in the same transaction; when the finding
goes (or a person resolves its exception) a `HoldsReleased` fact at `now` releases it. The
order's status then reads `on_hold`, owned by the hold reason's owner, and goes back when
released. Holds are reconciled with the findings before the exceptions are, and the
order is refolded and detected again after any change, because a hold changes what other
detectors see (an order held since placement was never ready, so no fulfilment SLA runs).
Without `record_facts` (timer-only callers) exceptions are kept but no hold is recorded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import Connection

from orderline.domain.facts import Fact, HoldPlaced, HoldsReleased
from orderline.domain.order import HOLD_GROUP_PREFIX, Order, order_from_dict
from orderline.domain.order_exceptions import (
    EXCEPTION_TYPES,
    BusinessCalendar,
    ExceptionPolicy,
    Finding,
    detect_all,
)
from orderline.domain.order_exceptions.findings import utc
from orderline.domain.order_exceptions.order_state import datum
from orderline.logs import fields
from orderline.persistence import exception_records as records
from orderline.persistence import order_queries
from orderline.persistence.exception_records import ExceptionEvent, StoredException
from orderline.persistence.projections import lock_orders

log = logging.getLogger(__name__)

CAUSE_CLEARED = "cause cleared"
PROBE_HORIZON = timedelta(days=366)
"""How far ahead a future detector firing is looked for. Every default threshold is at
most days long; a longer one is still seen as soon as anything happens to the order."""


class EvaluationListener(Protocol):
    """Acts once an order's exceptions are settled, in the evaluation's transaction:
    escalation notices (`services.notifications.EscalationNotices`), helpdesk hand-offs
    (`services.handoffs.HandoffRequests`) and customer messages
    (`services.messaging.MessagePlanner`). The composition root lists them."""

    def evaluated(
        self, connection: Connection, order: Order, evaluation: Evaluation, now: datetime
    ) -> datetime | None:
        """Do what the evaluation calls for; return when the order needs looking at again, if ever."""
        ...


KnownOrders = Callable[[tuple[str, str], int], Order | None]
"""The order as a processor last folded it from exactly that many facts, if it still holds
it (`Processor.folded_order`): spares decoding the stored state."""

RecordFacts = Callable[[Connection, str, str, Sequence[Fact]], None]
"""Stores facts Orderline established and refolds the order in the caller's transaction
(`Processor.record_facts`)."""

MAX_HOLD_PASSES = 3
"""Hold changes and re-detection settle in one pass (a placed hold never removes the
finding that asked for it); the bound only guards against a detector that would flap."""


@dataclass(frozen=True, slots=True)
class ExceptionChange:
    """Something evaluation did to one exception, for messaging and notification.
    `level` and `target` are set on escalations."""

    store_id: str
    order_id: str
    key: str
    type: str
    owner: str
    reason: str
    level: int | None = None
    target: str | None = None


@dataclass(slots=True)
class Evaluation:
    store_id: str
    order_id: str
    opened: list[ExceptionChange] = field(default_factory=list)
    escalated: list[ExceptionChange] = field(default_factory=list)
    resolved: list[ExceptionChange] = field(default_factory=list)
    next_due_at: datetime | None = None
    events: list[ExceptionEvent] = field(default_factory=list)
    holds_placed: list[str] = field(default_factory=list)
    holds_released: list[str] = field(default_factory=list)
    """Hold groups of the Orderline holds placed and released."""


def evaluate_order(
    connection: Connection,
    store_id: str,
    order_id: str,
    policy: ExceptionPolicy,
    calendar: BusinessCalendar,
    now: datetime,
    record_facts: RecordFacts | None = None,
    listeners: Sequence[EvaluationListener] = (),
) -> Evaluation:
    """Bring one order's stored exceptions, Orderline holds and timer in line with its
    state at `now`. Holds are recorded only when `record_facts` is given; the `listeners` run
    last, in the same transaction, and their due times join the order's timer."""
    [evaluation] = evaluate_orders(
        connection, [(store_id, order_id)], lambda _: policy, lambda _: calendar, now, record_facts, listeners
    )
    return evaluation


def evaluate_orders(
    connection: Connection,
    keys: Sequence[tuple[str, str]],
    policy_for: Callable[[str], ExceptionPolicy],
    calendar_for: Callable[[str], BusinessCalendar],
    now: datetime,
    record_facts: RecordFacts | None = None,
    listeners: Sequence[EvaluationListener] = (),
    *,
    known: KnownOrders | None = None,
) -> list[Evaluation]:
    """`evaluate_order` for many orders in one transaction: their projections, stored
    exceptions and timers are read and written a few statements per batch, not per order
    (per-order statements were most of a tick's time). Every order's exceptions are settled
    and written before the first listener runs, so listeners read them as settled. Orders
    `known` holds as stored are not decoded again."""
    now = utc(now)
    lock_orders(connection, keys)
    orders = _orders_of(connection, keys, known)
    exceptions = records.load_exceptions_of(connection, keys)
    writes = records.ExceptionWrites()
    settled: list[tuple[Evaluation, Order | None, tuple[datetime, str] | None]] = []
    for store_id, order_id in keys:
        order = orders.get((store_id, order_id))
        evaluation = Evaluation(store_id, order_id)
        if order is None:
            settled.append((evaluation, None, None))
            continue
        settled_order, due = _evaluate(
            connection,
            writes,
            order,
            exceptions.get((store_id, order_id), {}),
            policy_for(store_id),
            calendar_for(store_id),
            now,
            record_facts,
            evaluation,
        )
        settled.append((evaluation, settled_order, due))
    writes.write(connection)  # before the listeners: they read the exceptions as settled
    timers = records.TimerWrites()
    for evaluation, evaluated, due in settled:
        if evaluated is not None:
            for listener in listeners:
                due = _earliest(due, listener.evaluated(connection, evaluated, evaluation, now), now)
        if due is None:
            timers.clear(evaluation.store_id, evaluation.order_id)
        else:
            timers.set(evaluation.store_id, evaluation.order_id, *due)
            evaluation.next_due_at = due[0]
    timers.write(connection)
    return [evaluation for evaluation, _order, _due in settled]


def _orders_of(
    connection: Connection, keys: Sequence[tuple[str, str]], known: KnownOrders | None
) -> dict[tuple[str, str], Order]:
    """The stored orders of `keys`: those `known` holds as stored, the rest decoded."""
    found: dict[tuple[str, str], Order] = {}
    missing: Sequence[tuple[str, str]] = keys
    if known is not None:
        counts = order_queries.projected_fact_counts(connection, keys)
        for key, count in counts.items():
            if (order := known(key, count)) is not None:
                found[key] = order
        missing = [key for key in counts if key not in found]
    if missing:
        found.update(
            (key, order_from_dict(state))
            for key, state in order_queries.get_orders(connection, missing).items()
        )
    return found


def _evaluate(
    connection: Connection,
    writes: records.ExceptionWrites,
    order: Order,
    stored: dict[str, StoredException],
    policy: ExceptionPolicy,
    calendar: BusinessCalendar,
    now: datetime,
    record_facts: RecordFacts | None,
    evaluation: Evaluation,
) -> tuple[Order, tuple[datetime, str] | None]:
    """One order's findings applied to its stored exceptions (kept in `writes`): the order
    (refolded when holds changed) and its next due time by the policy (the listeners' come
    after)."""
    order, findings = _detect_with_holds(
        connection, order, stored, policy, calendar, now, record_facts, evaluation
    )
    live = [f for f in findings.values() if _apply_finding(writes, f, stored.get(f.key), now, evaluation)]
    for row in stored.values():
        if row.is_open and row.key not in findings:
            writes.resolve(row.id, now, CAUSE_CLEARED, None)
            _resolved(evaluation, row, now)
    writes.record(evaluation.events)
    return order, next_due(order, live, policy, calendar, now)


def _earliest(
    due: tuple[datetime, str] | None, other: datetime | None, now: datetime
) -> tuple[datetime, str] | None:
    if other is None or (due is not None and due[0] <= other):
        return due
    return max(other, now), "message"


def _apply_finding(
    writes: records.ExceptionWrites,
    finding: Finding,
    row: StoredException | None,
    now: datetime,
    evaluation: Evaluation,
) -> bool:
    """Open, reopen or refresh the exception of `finding`; True when it is open afterwards."""
    reached = len(finding.levels_due(now))
    if row is None:
        writes.open(evaluation.store_id, evaluation.order_id, finding, reached)
        _opened(evaluation, finding, now, "opened")
        _escalations(evaluation, finding, 0, reached, now)
        return True
    if not row.is_open:
        if _overruled(finding, row):
            return False
        writes.reopen(row.id, finding, reached)
        _opened(evaluation, finding, now, "reopened")
        _escalations(evaluation, finding, 0, reached, now)
        return True
    level = max(reached, row.level_reached)
    # Most evaluations change nothing about an open exception: skip the UPDATE then.
    if not records.is_current(row, finding, level):
        writes.refresh(row.id, finding, level)
    _escalations(evaluation, finding, row.level_reached, reached, now)
    return True


def _overruled(finding: Finding, row: StoredException | None) -> bool:
    """A person resolved this very finding (same `opened_at`): their decision stands."""
    return (
        row is not None
        and not row.is_open
        and row.resolved_by is not None
        and row.opened_at == finding.opened_at
    )


def _load_order(connection: Connection, store_id: str, order_id: str) -> Order | None:
    state = order_queries.get_order(connection, store_id, order_id)
    return None if state is None else order_from_dict(state)


def _detect_with_holds(
    connection: Connection,
    order: Order,
    stored: dict[str, StoredException],
    policy: ExceptionPolicy,
    calendar: BusinessCalendar,
    now: datetime,
    record_facts: RecordFacts | None,
    evaluation: Evaluation,
) -> tuple[Order, dict[str, Finding]]:
    """The findings at `now`, after Orderline's holds were brought in line with them;
    the order as refolded with those holds."""
    findings = {f.key: f for f in detect_all(order, policy, now, calendar)}
    if record_facts is None:
        return order, findings
    for _ in range(MAX_HOLD_PASSES):
        placed, released = hold_facts(order, findings, stored, now)
        if not placed and not released:
            break
        record_facts(connection, order.store_id, order.order_id, [*placed, *released])
        evaluation.holds_placed.extend(fact.hold_group for fact in placed)
        evaluation.holds_released.extend(fact.hold_group for fact in released)
        refolded = _load_order(connection, order.store_id, order.order_id)
        if refolded is None:  # pragma: no cover - the order was just saved
            break
        order = refolded
        findings = {f.key: f for f in detect_all(order, policy, now, calendar)}
    return order, findings


def hold_group(key: str) -> str:
    """The hold group of the Orderline hold of exception `key`."""
    return f"{HOLD_GROUP_PREFIX}{key}"


def places_hold(finding: Finding, row: StoredException | None = None) -> bool:
    """Whether `finding` should be held by an Orderline hold.

    Not when its type's spec says `hold_from_platform`: the finding comes from the
    platform's own hold (fraud review, out of stock), which already blocks fulfilment and
    whose release clears the finding; a second hold would feed its own detector and never
    clear. Nor when a person resolved this very finding."""
    return (
        finding.hold is not None
        and not EXCEPTION_TYPES[finding.type].hold_from_platform
        and not _overruled(finding, row)
    )


def hold_facts(
    order: Order, findings: dict[str, Finding], stored: dict[str, StoredException], now: datetime
) -> tuple[list[HoldPlaced], list[HoldsReleased]]:
    """The facts that bring the order's Orderline holds in line with `findings`: a hold
    for each holding finding not held yet, a release for each hold whose finding is gone."""
    wanted = {hold_group(f.key): f for f in findings.values() if places_hold(f, stored.get(f.key))}
    held = {h.hold_group for h in order.holds if h.hold_group.startswith(HOLD_GROUP_PREFIX)}
    placed = [
        HoldPlaced(order.order_id, group, f.hold, _placed_at(order, group, f), f.reason)
        for group, f in wanted.items()
        if group not in held and f.hold is not None
    ]
    released = [HoldsReleased(order.order_id, group, now) for group in sorted(held - wanted.keys())]
    return placed, released


def _placed_at(order: Order, group: str, finding: Finding) -> datetime:
    """The finding's `opened_at`; after an earlier release of the same group, just after
    that release, so the new hold is not replayed before it (and released with it)."""
    releases = [e.at for e in order.timeline if e.kind == "hold_released" and datum(e, "hold_group") == group]
    if not releases:
        return finding.opened_at
    return max(finding.opened_at, utc(max(releases)) + timedelta(microseconds=1))


def _change(
    evaluation: Evaluation, finding: Finding, level: int | None = None, target: str | None = None
) -> ExceptionChange:
    e, f = evaluation, finding
    return ExceptionChange(e.store_id, e.order_id, f.key, f.type.value, f.owner, f.reason, level, target)


def _event(evaluation: Evaluation, key: str, now: datetime, action: str, detail: dict[str, object]) -> None:
    evaluation.events.append(
        ExceptionEvent(evaluation.store_id, evaluation.order_id, key, now, action, None, detail)
    )


def _opened(evaluation: Evaluation, finding: Finding, now: datetime, action: str) -> None:
    evaluation.opened.append(_change(evaluation, finding))
    detail: dict[str, object] = {"type": finding.type.value, "owner": finding.owner, "reason": finding.reason}
    detail["opened_at"] = finding.opened_at.isoformat()
    _event(evaluation, finding.key, now, action, detail)


def _escalations(evaluation: Evaluation, finding: Finding, reached: int, due: int, now: datetime) -> None:
    """One escalation per level newly reached: levels `reached + 1` to `due`."""
    for level in finding.due_levels[reached:due]:
        evaluation.escalated.append(_change(evaluation, finding, level.level, level.target))
        detail = {"level": level.level, "target": level.target, "due_at": level.due_at.isoformat()}
        _event(evaluation, finding.key, now, "escalated", detail)
        log.info(
            "exception escalated",
            extra=fields(
                store=evaluation.store_id,
                order_id=evaluation.order_id,
                type=finding.type.value,
                level=level.level,
                target=level.target,
            ),
        )


def _resolved(evaluation: Evaluation, row: StoredException, now: datetime) -> None:
    evaluation.resolved.append(
        ExceptionChange(row.store_id, row.order_id, row.key, row.type, row.owner, row.reason)
    )
    _event(evaluation, row.key, now, "resolved", {"resolution": CAUSE_CLEARED})


def next_due(
    order: Order, live: list[Finding], policy: ExceptionPolicy, calendar: BusinessCalendar, now: datetime
) -> tuple[datetime, str] | None:
    """The earliest moment after `now` when time alone changes this order's exceptions,
    and why ("escalation" or "detection"); None when nothing is ahead."""
    candidates = [(lv.due_at, "escalation") for f in live for lv in f.due_levels if lv.due_at > now]
    later = detect_all(order, policy, now + PROBE_HORIZON, calendar)
    candidates += [(f.opened_at, "detection") for f in later if f.opened_at > now]
    return min(candidates, default=None)
