"""Backtesting a candidate exception policy on stored history.

For every order placed since a date, the order's stored facts are replayed in time: the
order is folded from the facts known at each moment that matters and the candidate's
detectors run at that moment, the way the scheduler would have run them. What would
have been opened, held and escalated is counted per (exception type, owner), next to
what actually happened (the `order_exceptions` rows of the same orders).

Choices, so that the result is exact and reproducible (no wall clock anywhere):

- A fact counts as known from its `occurred_at` (the platform's own time).
- The moments that matter are each fact's `occurred_at`, each escalation due time of a
  finding open at that moment, and each moment a detector would newly fire on the facts
  known then (found, like the scheduler does, by running the detectors once at the end
  of the replay and keeping findings that open later than the current moment).
- An order is followed until its last fact plus the candidate's longest horizon: its
  longest threshold (a business-hours SLA counted on the store's calendar) plus its
  longest escalation ladder. It assumes the scheduler kept ticking and nothing else
  happened to the order.
- Facts Orderline established itself (no inbox delivery: a hold placed by the running
  policy) are left out: they are consequences of the running policy, not history. A hold
  the candidate would place is counted but not fed back into the replayed order.
- An exception is one (order, finding key), as in `order_exceptions`: one that closes
  and comes back counts once, and its escalation is the highest level it ever reached.
- Customer messages are not modelled yet.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, and_, select

from orderline.domain.facts import Fact, fact_from_dict
from orderline.domain.fold import fold
from orderline.domain.lifecycle import Ownership
from orderline.domain.order import Order
from orderline.domain.order_exceptions import (
    EXCEPTION_TYPES,
    BusinessCalendar,
    ExceptionPolicy,
    Finding,
    detect_all,
)
from orderline.domain.order_exceptions.findings import utc
from orderline.persistence.exception_tables import order_exceptions
from orderline.persistence.tables import facts, orders

CalendarFor = Callable[[str], BusinessCalendar]
TallyKey = tuple[str, str]
"""(exception type, owner)."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """One exception the replay saw on one order: the highest level it reached."""

    type: str
    owner: str
    held: bool
    level_reached: int


@dataclass(slots=True)
class Tally:
    """Counts of one (type, owner); `escalated[n]` exceptions reached level n."""

    opened: int = 0
    held: int = 0
    escalated: dict[int, int] = field(default_factory=dict)

    def add(self, held: bool, level_reached: int) -> None:
        self.opened += 1
        self.held += int(held)
        for level in range(1, level_reached + 1):
            self.escalated[level] = self.escalated.get(level, 0) + 1

    def reached(self, level: int) -> int:
        """How many reached escalation `level` (1-based)."""
        return self.escalated.get(level, 0)


def total(tallies: Iterable[Tally]) -> Tally:
    """The sum of `tallies`."""
    result = Tally()
    for tally in tallies:
        result.opened += tally.opened
        result.held += tally.held
        for level, count in tally.escalated.items():
            result.escalated[level] = result.escalated.get(level, 0) + count
    return result


@dataclass(frozen=True, slots=True)
class BacktestReport:
    since: datetime
    orders_replayed: int
    would: Mapping[TallyKey, Tally]
    actual: Mapping[TallyKey, Tally]
    ladder_levels: int
    """Escalation columns to show: the longest ladder of the candidate or of history."""

    @property
    def has_history(self) -> bool:
        return bool(self.actual)


def run_backtest(
    engine: Engine,
    since: datetime,
    policy: ExceptionPolicy,
    calendar_for: CalendarFor,
    ownership: Ownership | None = None,
) -> BacktestReport:
    """Replay every order placed since `since` against `policy`; compare with what happened."""
    since = utc(since)
    would: dict[TallyKey, Tally] = defaultdict(Tally)
    replayed = 0
    with engine.connect() as connection:
        for (store_id, order_id), order_facts in _order_histories(connection, since):
            replayed += 1
            calendar = calendar_for(store_id)
            for outcome in replay_order(store_id, order_id, order_facts, policy, calendar, ownership):
                would[(outcome.type, outcome.owner)].add(outcome.held, outcome.level_reached)
        actual = _actual(connection, since)
    levels = max([len(policy.rule(spec).escalation) for spec in EXCEPTION_TYPES] + _levels_seen(actual))
    return BacktestReport(since, replayed, dict(would), actual, levels)


def replay_order(
    store_id: str,
    order_id: str,
    order_facts: Sequence[Fact],
    policy: ExceptionPolicy,
    calendar: BusinessCalendar,
    ownership: Ownership | None = None,
) -> list[Outcome]:
    """What the candidate would have done to one order, sorted by (type, owner, key)."""
    ordered = sorted(order_facts, key=lambda fact: utc(fact.occurred_at))
    times = [utc(fact.occurred_at) for fact in ordered]
    if not times:
        return []
    end = replay_end(policy, calendar, times[-1])
    seen: dict[str, Outcome] = {}
    moment: datetime | None = times[0]
    known, order = 0, None
    while moment is not None:
        count = bisect_right(times, moment)
        if count != known:
            known, order = count, fold(store_id, order_id, ordered[:count], ownership)
        if order is None:
            moment = times[count] if count < len(times) else None
            continue
        findings = detect_all(order, policy, moment, calendar)
        for finding in findings:
            _remember(seen, finding, moment)
        moment = _next_moment(order, findings, policy, calendar, moment, times[count:], end)
    return [seen[key] for key in sorted(seen, key=lambda k: (seen[k].type, seen[k].owner, k))]


def replay_end(policy: ExceptionPolicy, calendar: BusinessCalendar, last_fact_at: datetime) -> datetime:
    """The latest moment any enabled detector can fire after the last fact, plus the
    policy's longest escalation ladder."""
    rules = [rule for spec in EXCEPTION_TYPES if (rule := policy.rule(spec)).enabled]
    fires_by = max((rule.latest_firing(last_fact_at, calendar) for rule in rules), default=last_fact_at)
    ladder = max((level.after for rule in rules for level in rule.escalation), default=timedelta(0))
    return utc(fires_by) + ladder


def _remember(seen: dict[str, Outcome], finding: Finding, moment: datetime) -> None:
    reached = len(finding.levels_due(moment))
    before = seen.get(finding.key)
    if before is not None:
        reached = max(reached, before.level_reached)
    owner = str(finding.owner)
    seen[finding.key] = Outcome(finding.type.value, owner, finding.hold is not None, reached)


def _next_moment(
    order: Order,
    findings: Sequence[Finding],
    policy: ExceptionPolicy,
    calendar: BusinessCalendar,
    moment: datetime,
    later_fact_times: Sequence[datetime],
    end: datetime,
) -> datetime | None:
    """The earliest moment after `moment`, up to `end`, at which something can change."""
    candidates = list(later_fact_times[:1])
    candidates += [level.due_at for finding in findings for level in finding.due_levels]
    candidates += [finding.opened_at for finding in detect_all(order, policy, end, calendar)]
    return min((c for c in candidates if moment < c <= end), default=None)


def _order_histories(connection: Connection, since: datetime) -> Iterator[tuple[tuple[str, str], list[Fact]]]:
    """Each order placed since `since` with its inbox-learned facts, in (store, order) order."""
    query = (
        select(facts.c.store_id, facts.c.order_id, facts.c.body)
        .join(orders, and_(orders.c.store_id == facts.c.store_id, orders.c.order_id == facts.c.order_id))
        .where(orders.c.placed_at >= since, facts.c.inbox_id.is_not(None))
        .order_by(facts.c.store_id, facts.c.order_id, facts.c.occurred_at, facts.c.fact_key)
    )
    current: tuple[str, str] | None = None
    batch: list[Fact] = []
    for store_id, order_id, body in connection.execute(query):
        if (store_id, order_id) != current:
            if current is not None:
                yield current, batch
            current, batch = (store_id, order_id), []
        batch.append(fact_from_dict(body))
    if current is not None:
        yield current, batch


def _actual(connection: Connection, since: datetime) -> dict[TallyKey, Tally]:
    """What the running policy did to the same orders, from `order_exceptions`."""
    query = (
        select(order_exceptions.c.type, order_exceptions.c.owner, order_exceptions.c.hold)
        .add_columns(order_exceptions.c.level_reached)
        .join(
            orders,
            and_(
                orders.c.store_id == order_exceptions.c.store_id,
                orders.c.order_id == order_exceptions.c.order_id,
            ),
        )
        .where(orders.c.placed_at >= since)
    )
    actual: dict[TallyKey, Tally] = defaultdict(Tally)
    for kind, owner, hold, level_reached in connection.execute(query):
        actual[(kind, owner)].add(hold is not None, int(level_reached))
    return dict(actual)


def _levels_seen(tallies: Mapping[TallyKey, Tally]) -> list[int]:
    return [max(tally.escalated, default=0) for tally in tallies.values()]
