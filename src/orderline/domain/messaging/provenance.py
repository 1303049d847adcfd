"""When Orderline learned an order's news, and whether an import brought it: what makes
news history rather than news.

A trigger's `at` is the platform's time; whether it is worth a message depends on when
Orderline learned it. News first seen more than `stale_after` after it happened is
history (a platform re-sending old orders when a merchant connects, webhooks retried
after a long outage), and so is everything an import brought, whatever its age:
`orderline import` reads history, it never announces it.

The service knows each delivery that first brought some of an order's facts: when it
arrived, whether an import brought it, and the platform time of the newest fact it
brought (an `Arrival`). Orderline learned news of platform time `at` with the first
delivery it received after `at` (the learner):

- when the learner brought facts at least as new as `at`, it reported the news (platform
  bodies are cumulative: a snapshot carries what happened before it). The news is
  history if an import brought it or it arrived more than `stale_after` late;
- when the learner's facts are older, the news came from what Orderline then knew (an
  exception that opened as time passed, a fulfilment SLA running out, before the order
  reached Orderline). It is history if the learner came more than `stale_after` late, or
  if all Orderline knew was history itself: the cause is old;
- with no delivery after `at`, Orderline was watching when the news happened (a timer
  ran out): it is history only if all Orderline knew was history. An order placed in
  2008 and first seen today does not become news when a timer fires tomorrow.

An order without arrivals (facts Orderline established itself, tests that record facts
directly) has no such history: its news is judged by its age alone.

News that was not history when Orderline learned it may still be history to the plan, which
first sees it at the evaluation that first meets it (`FirstSight`): the plan has no memory
of its own but its decisions, so it first saw news at the first message it decided once
the news was known, or else now. News that waits its turn behind other messages stays
news; news the plan only meets late (messaging switched on, exception types widened, a
worker that was down) is judged by its age then, counted as silence is: on a store that
counts working days only, a long weekend does not age news that could not go out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from orderline.domain.messaging.cadence import Cadence


@dataclass(frozen=True, slots=True)
class Arrival:
    """One delivery that first brought some of an order's facts."""

    received_at: datetime
    """When Orderline received it (Orderline's clock, not the platform's)."""
    newest_at: datetime
    """The platform time of the newest fact it brought first."""
    is_import: bool = False
    """`orderline import` brought it, not a webhook."""

    def is_history(self, stale_after: timedelta) -> bool:
        """Whether all it brought was history when it arrived: imported, or old by then."""
        return self.is_import or self.received_at - self.newest_at > stale_after


@dataclass(frozen=True, slots=True)
class Provenance:
    """How Orderline learned one order: its arrivals, in any order."""

    arrivals: tuple[Arrival, ...] = ()

    def learner(self, at: datetime) -> Arrival | None:
        """The delivery with which Orderline learned news of platform time `at`: the first
        received after it (or reporting it, should the platform's clock run ahead), an
        import first on a tie; None when none came after it."""
        after = [a for a in self.arrivals if a.received_at >= at or a.newest_at >= at]
        return min(after, key=lambda a: (a.received_at, not a.is_import), default=None)

    def learned_at(self, at: datetime) -> datetime:
        """When Orderline learned news of platform time `at`: its learner's arrival, or `at`
        itself when Orderline was watching (or knows nothing of how it learned the order)."""
        learner = self.learner(at)
        return at if learner is None else max(at, learner.received_at)

    def is_history(self, at: datetime, stale_after: timedelta) -> bool:
        """Whether news of platform time `at` was history when Orderline learned it."""
        if not self.arrivals:
            return False
        learner = self.learner(at)
        if learner is None:
            return self._known_is_history(None, stale_after)
        if learner.received_at - at > stale_after:
            return True
        if learner.newest_at >= at:
            return learner.is_import
        return self._known_is_history(learner.received_at, stale_after)

    def _known_is_history(self, by: datetime | None, stale_after: timedelta) -> bool:
        """Whether everything Orderline had received by `by` (ever, when None) was history."""
        known = [a for a in self.arrivals if by is None or a.received_at <= by]
        return all(a.is_history(stale_after) for a in known)


@dataclass(frozen=True, slots=True)
class FirstSight:
    """When the plan first saw an order's news, and so whether it is news or history."""

    provenance: Provenance
    decided: tuple[datetime, ...]
    """The moments the plan decided messages for the order (the evaluations' `now`)."""
    cadence: Cadence
    """Counts news' age as silence accrues (`Cadence.stale_from`)."""

    def seen_at(self, at: datetime, now: datetime) -> datetime:
        """The plan's first sight of news of platform time `at`, asked at `now`: the first
        decision once Orderline had learned it, else `now`."""
        learned = self.provenance.learned_at(at)
        return min((d for d in self.decided if learned <= d <= now), default=now)

    def is_news(self, at: datetime, now: datetime) -> bool:
        """Whether news of platform time `at` is news at `now`: not history when Orderline
        learned it, and not stale yet when the plan first saw it."""
        if self.provenance.is_history(at, self.cadence.policy.stale_after):
            return False
        return self.seen_at(at, now) <= self.cadence.stale_from(at)
