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
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection

from orderline.domain.exceptions import BusinessCalendar, ExceptionPolicy, Finding, detect_all
from orderline.domain.exceptions.findings import utc
from orderline.domain.order import Order, order_from_dict
from orderline.store import exception_records as records
from orderline.store import order_queries
from orderline.store.exception_records import ExceptionEvent, StoredException
from orderline.store.projections import lock_orders

CAUSE_CLEARED = "cause cleared"
PROBE_HORIZON = timedelta(days=366)
"""How far ahead a future detector firing is looked for. Every default threshold is at
most days long; a longer one is still seen as soon as anything happens to the order."""


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


def evaluate_order(
    connection: Connection,
    store_id: str,
    order_id: str,
    policy: ExceptionPolicy,
    calendar: BusinessCalendar,
    now: datetime,
) -> Evaluation:
    """Bring one order's stored exceptions and timer in line with its state at `now`."""
    now = utc(now)
    lock_orders(connection, [(store_id, order_id)])
    state = order_queries.get_order(connection, store_id, order_id)
    if state is None:
        records.clear_timer(connection, store_id, order_id)
        return Evaluation(store_id, order_id)
    order = order_from_dict(state)
    findings = {f.key: f for f in detect_all(order, policy, now, calendar)}
    stored = records.load_exceptions(connection, store_id, order_id)
    evaluation = Evaluation(store_id, order_id)
    live = [f for f in findings.values() if _apply_finding(connection, f, stored.get(f.key), now, evaluation)]
    for row in stored.values():
        if row.is_open and row.key not in findings:
            records.resolve_exception(connection, row.id, now, CAUSE_CLEARED, None)
            _resolved(evaluation, row, now)
    records.record_events(connection, evaluation.events)
    due = next_due(order, live, policy, calendar, now)
    if due is None:
        records.clear_timer(connection, store_id, order_id)
    else:
        records.set_timer(connection, store_id, order_id, *due)
        evaluation.next_due_at = due[0]
    return evaluation


def _apply_finding(
    connection: Connection,
    finding: Finding,
    row: StoredException | None,
    now: datetime,
    evaluation: Evaluation,
) -> bool:
    """Open, reopen or refresh the exception of `finding`; True when it is open afterwards."""
    reached = len(finding.levels_due(now))
    if row is None:
        records.open_exception(connection, evaluation.store_id, evaluation.order_id, finding, reached)
        _opened(evaluation, finding, now, "opened")
        _escalations(evaluation, finding, 0, reached, now)
        return True
    if not row.is_open:
        if row.resolved_by is not None and row.opened_at == finding.opened_at:
            return False
        records.reopen_exception(connection, row.id, finding, reached)
        _opened(evaluation, finding, now, "reopened")
        _escalations(evaluation, finding, 0, reached, now)
        return True
    records.refresh_exception(connection, row.id, finding, max(reached, row.level_reached))
    _escalations(evaluation, finding, row.level_reached, reached, now)
    return True


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
