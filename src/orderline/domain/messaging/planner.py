"""The message plan of one order at `now`: what to send now, and when to look again.

`plan_step` is pure. Given the order's triggers, its open buyer-facing exceptions, what was
sent before and the cadence, it returns at most one decision for `now` and the next
moment at which the answer could change. The caller records the decision and asks again
(same `now`) until nothing more is due; the cadence's minimum gap makes that one send per
moment, plus any announcements the platform makes itself (suppressed kinds).

How news becomes messages:

- a trigger may go once its `coalesce` wait is over and the cadence allows it; the message
  then covers every pending trigger of its kind (a burst of parcels is one message naming
  them all) and every pending trigger its kind supersedes (a delivery message says the
  parcel shipped; a cancellation says the refund);
- the most important pending kind goes first (PRECEDENCE); the rest wait their turn;
- while a buyer-facing exception the buyer was told of is open, a message must go by the
  silence deadline: the pending news if any, else an `exception_update` reminder. An
  exception never announced (its news was history, or its notice is still waiting its
  turn) has no silence to break: no reminder ever goes out for it;
- kinds the platform already sends itself are recorded as suppressed at the trigger's own
  time: they count as the buyer hearing from the store, and never go out twice;
- history is never announced (the go-live guard): news that was history when Orderline
  learned it (an import brought it, or it was already old when it arrived), and news
  older than `stale_after` when the plan first saw it (see `provenance.FirstSight`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from orderline.domain.messaging.cadence import Cadence
from orderline.domain.messaging.kinds import MessageKind
from orderline.domain.messaging.provenance import FirstSight, Provenance
from orderline.domain.messaging.triggers import ExceptionView, Trigger

K = MessageKind
PRECEDENCE: tuple[MessageKind, ...] = (
    K.ORDER_CANCELLED,
    K.ORDER_DELIVERED,
    K.SHIPMENT_SENT,
    K.EXCEPTION_NOTICE,
    K.EXCEPTION_RESOLVED,
    K.REFUND_ISSUED,
    K.ORDER_CONFIRMED,
    K.EXCEPTION_UPDATE,
)
SUPERSEDES: dict[MessageKind, frozenset[MessageKind]] = {
    K.ORDER_CANCELLED: frozenset(
        {K.ORDER_CONFIRMED, K.SHIPMENT_SENT, K.EXCEPTION_NOTICE, K.EXCEPTION_RESOLVED, K.REFUND_ISSUED}
    ),
    K.ORDER_DELIVERED: frozenset({K.ORDER_CONFIRMED, K.SHIPMENT_SENT, K.EXCEPTION_RESOLVED}),
    K.SHIPMENT_SENT: frozenset({K.ORDER_CONFIRMED, K.EXCEPTION_RESOLVED}),
    K.EXCEPTION_NOTICE: frozenset({K.ORDER_CONFIRMED}),
}
MERGES: frozenset[MessageKind] = frozenset({K.SHIPMENT_SENT, K.REFUND_ISSUED})
"""Kinds whose pending triggers share one message; an exception's news stays its own."""


@dataclass(frozen=True, slots=True)
class PastMessage:
    """A message decided earlier. `paced`: Orderline sent it (it counts for the minimum
    gap and the daily cap); `contact`: the buyer heard something (not a permanent failure)."""

    kind: MessageKind
    at: datetime
    covers: frozenset[str]
    paced: bool = True
    contact: bool = True


@dataclass(frozen=True, slots=True)
class MessagePlan:
    """Which kinds a store announces, and which of those the platform sends itself."""

    kinds: frozenset[MessageKind] = frozenset(MessageKind)
    suppressed: frozenset[MessageKind] = frozenset()


@dataclass(frozen=True, slots=True)
class Decision:
    kind: MessageKind
    at: datetime
    triggers: tuple[Trigger, ...]
    """What the message announces; a reminder names the exception it is about."""
    exception: ExceptionView | None = None
    is_suppressed: bool = False

    @property
    def covers(self) -> frozenset[str]:
        return frozenset(t.key for t in self.triggers)


@dataclass(frozen=True, slots=True)
class PlanStep:
    decision: Decision | None = None
    next_due_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Situation:
    """Everything the plan of one order depends on, but `now`."""

    triggers: Sequence[Trigger]
    exceptions: Sequence[ExceptionView]
    """The buyer-facing exceptions, open and resolved."""
    history: Sequence[PastMessage]
    plan: MessagePlan
    cadence: Cadence
    provenance: Provenance = field(default_factory=Provenance)
    """How Orderline learned the order; what an import brought is never news."""
    notified: frozenset[str] = field(init=False)
    """Trigger keys a past message covered, whatever became of it."""
    told: frozenset[str] = field(init=False)
    """Trigger keys the buyer heard of: covered by a message not failed (sent, on its way,
    or one the platform sends itself)."""
    first_sight: FirstSight = field(init=False)

    def __post_init__(self) -> None:
        covered = frozenset(key for past in self.history for key in past.covers)
        object.__setattr__(self, "notified", covered)
        told = frozenset(key for past in self.history if past.contact for key in past.covers)
        object.__setattr__(self, "told", told)
        # Suppressed messages carry their trigger's time, not an evaluation's: not a sight.
        decided = tuple(sorted(past.at for past in self.history if past.paced))
        sight = FirstSight(self.provenance, decided, self.cadence)
        object.__setattr__(self, "first_sight", sight)

    def is_news(self, trigger: Trigger, now: datetime) -> bool:
        """Whether `trigger` is news at `now`, not history (see `FirstSight`)."""
        return self.first_sight.is_news(trigger.at, now)

    @property
    def announced(self) -> list[ExceptionView]:
        """The exceptions whose notice the buyer heard: the only ones reminders follow."""
        return [e for e in self.exceptions if e.notice_key in self.told]

    @property
    def open_exceptions(self) -> list[ExceptionView]:
        """The announced exceptions still open."""
        return [e for e in self.announced if e.is_open]

    def open_since(self) -> datetime | None:
        """Since when some announced exception has been open without a break; None if none
        is open. Exceptions that follow one another leave the buyer waiting throughout."""
        open_now = self.open_exceptions
        if not open_now:
            return None
        start = min(e.opened_at for e in open_now)
        for exc in sorted(self.announced, key=lambda e: e.opened_at, reverse=True):
            if exc.opened_at < start and exc.resolved_at is not None and exc.resolved_at >= start:
                start = exc.opened_at
        return start


def plan_step(situation: Situation, now: datetime) -> PlanStep:
    s = situation
    pending = [
        t for t in s.triggers if t.key not in s.notified and t.kind in s.plan.kinds and s.is_news(t, now)
    ]
    suppressed = [t for t in pending if t.kind in s.plan.suppressed]
    if suppressed:
        first = suppressed[0]
        return PlanStep(Decision(first.kind, first.at, (first,), first.exception, is_suppressed=True))
    paced = [p.at for p in s.history if p.paced]
    news_at = _news_time(s, pending, paced)
    reminder_at = _reminder_time(s, paced)
    due = min((t for t in (news_at, reminder_at) if t is not None), default=None)
    if due is None or due > now:
        return PlanStep(next_due_at=due)
    allowed = s.cadence.earliest_allowed(now, paced)
    if allowed is None or allowed > now:
        return PlanStep(next_due_at=allowed)  # late: quiet hours and the gap still hold
    return PlanStep(_decide(s, [t for t in pending if t.at <= now], now))


def _news_time(s: Situation, pending: list[Trigger], paced: list[datetime]) -> datetime | None:
    if not pending:
        return None
    wait = s.cadence.policy.coalesce
    return min(
        (at for t in pending if (at := s.cadence.earliest_allowed(t.at + wait, paced)) is not None),
        default=None,
    )


def _reminder_time(s: Situation, paced: list[datetime]) -> datetime | None:
    """The last allowed moment before the silence deadline, while an announced exception is open."""
    opened = s.open_since()
    if opened is None or K.EXCEPTION_UPDATE not in s.plan.kinds:
        return None
    contacts = [p.at for p in s.history if p.contact]
    start = max([opened, *contacts])
    deadline = s.cadence.silence_deadline(start)
    floor = max([start, *(at + s.cadence.policy.min_gap for at in paced)])
    return s.cadence.latest_allowed(deadline, floor, paced)


def _decide(s: Situation, ready: list[Trigger], now: datetime) -> Decision:
    if not ready:
        about = min(s.open_exceptions, key=lambda e: (e.opened_at, e.key))
        return Decision(K.EXCEPTION_UPDATE, now, (), about)
    main = min(ready, key=lambda t: (PRECEDENCE.index(t.kind), t.at, t.key))
    superseded = SUPERSEDES.get(main.kind, frozenset())
    covered = [
        t for t in ready if t is main or (t.kind is main.kind and main.kind in MERGES) or t.kind in superseded
    ]
    return Decision(main.kind, now, tuple(covered), main.exception)
