"""The cadence policy: when Orderline may speak to a buyer, and when it must.

Four rules, all evaluated against a `now` passed in and the buyer's own time zone:

- **minimum gap**: two messages to the same order are never closer than `min_gap`;
- **quiet hours**: nothing is sent between `quiet_hours.start` and `.end` buyer-local time
  (a window may wrap midnight: 21:00-08:00);
- **daily cap**: at most `max_per_day` messages per order per buyer-local day;
- **maximum silence**: while a buyer-facing exception is open, the buyer hears from us at
  least every `max_silence`. With `business_days_only`, silence accrues on the store's
  working days only (a weekend does not count), and reminders go out on working days.

The first three say when a message *may* go (`earliest_allowed`, searching forward); the
last says by when one *must* go (`silence_deadline`), and `latest_allowed` searches
backward from that deadline, so a reminder lands before quiet hours rather than after.
`check` states the arithmetic that keeps the rules from contradicting each other.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo

DAY = timedelta(days=1)
SEARCH_DAYS = 30
"""How far the allowed-time searches look; the rules always admit a moment within days."""


@dataclass(frozen=True, slots=True)
class QuietHours:
    """A buyer-local window with no messages; `start > end` wraps midnight."""

    start: time
    end: time

    @property
    def length(self) -> timedelta:
        span = _seconds(self.end) - _seconds(self.start)
        return timedelta(seconds=span if span > 0 else span + 86400)

    def contains(self, local: datetime) -> bool:
        moment = _seconds(local.timetz().replace(tzinfo=None))
        start, end = _seconds(self.start), _seconds(self.end)
        if start <= end:
            return start <= moment < end
        return moment >= start or moment < end

    def end_after(self, local: datetime) -> datetime:
        """The end of the quiet window that contains `local` (a buyer-local datetime)."""
        end = datetime.combine(local.date(), self.end, local.tzinfo)
        return end if end > local else end + DAY

    def start_before(self, local: datetime) -> datetime:
        """The start of the quiet window that contains `local`."""
        start = datetime.combine(local.date(), self.start, local.tzinfo)
        return start if start <= local else start - DAY


def _seconds(value: time) -> int:
    return value.hour * 3600 + value.minute * 60 + value.second


WorkingDay = Callable[[date], bool]


def every_day(_day: date) -> bool:
    return True


@dataclass(frozen=True, slots=True)
class CadencePolicy:
    min_gap: timedelta = timedelta(hours=4)
    max_silence: timedelta = timedelta(hours=48)
    quiet_hours: QuietHours | None = field(default_factory=lambda: QuietHours(time(21), time(8)))
    max_per_day: int = 3
    business_days_only: bool = False
    coalesce: timedelta = timedelta(minutes=10)
    """A fresh trigger waits this long, so a burst of updates becomes one message."""
    stale_after: timedelta = timedelta(hours=72)
    """News older than this when Orderline first sees it (old orders re-sent when a store
    connects, a long outage) is history, not news: nothing announces it, and no reminder
    follows an exception whose notice was history. What an import brings is history
    whatever its age (see `provenance`). When the plan first sees news, its age is counted
    as silence is (working days only with `business_days_only`); how late a delivery
    arrived is wall-clock time."""

    def check(self) -> list[str]:
        """What makes the rules contradict each other; empty when they fit."""
        problems = []
        if self.min_gap < timedelta(0) or self.coalesce < timedelta(0):
            problems.append("min_gap and coalesce must not be negative")
        if self.max_per_day < 1:
            problems.append("max_per_day must be at least 1")
        quiet = self.quiet_hours.length if self.quiet_hours else timedelta(0)
        # A reminder must fit on a later day than the last message (that day may be at its
        # cap): the next day starts within 25 h (a DST change), its quiet hours end within
        # `quiet` of midnight, and the minimum gap must have passed.
        needed = DAY + timedelta(hours=1) + quiet + self.min_gap
        if self.max_silence < needed:
            problems.append(
                f"max_silence ({_hours(self.max_silence)}) must be at least 25h + quiet hours + min_gap "
                f"({_hours(needed)}): otherwise a reminder could be due when no message may be sent"
            )
        if self.stale_after < self.max_silence:
            problems.append(
                "stale_after must be at least max_silence, or news waiting its turn would go stale"
            )
        return problems


def _hours(span: timedelta) -> str:
    return f"{span.total_seconds() / 3600:g}h"


@dataclass(frozen=True, slots=True)
class Cadence:
    """A policy applied to one buyer: their zone and the store's working days."""

    policy: CadencePolicy
    zone: tzinfo
    is_working_day: WorkingDay = every_day

    def _working(self, day: date) -> bool:
        return not self.policy.business_days_only or self.is_working_day(day)

    def is_quiet(self, moment: datetime) -> bool:
        local = moment.astimezone(self.zone)
        quiet = self.policy.quiet_hours is not None and self.policy.quiet_hours.contains(local)
        return quiet or not self._working(local.date())

    def sent_on_day(self, moment: datetime, sent: Sequence[datetime]) -> int:
        day = moment.astimezone(self.zone).date()
        return sum(1 for at in sent if at.astimezone(self.zone).date() == day)

    def earliest_allowed(self, candidate: datetime, sent: Sequence[datetime]) -> datetime | None:
        """The first moment at or after `candidate` when a message may go, given the
        moments of messages already sent; None if none within SEARCH_DAYS."""
        moment = max([candidate, *(at + self.policy.min_gap for at in sent)])
        for _ in range(SEARCH_DAYS * 4):
            local = moment.astimezone(self.zone)
            if not self._working(local.date()):
                moment = _next_midnight(local)
            elif self.policy.quiet_hours is not None and self.policy.quiet_hours.contains(local):
                moment = self.policy.quiet_hours.end_after(local)
            elif self.sent_on_day(moment, sent) >= self.policy.max_per_day:
                moment = _next_midnight(local)
            else:
                return moment.astimezone(candidate.tzinfo)
        return None

    def latest_allowed(self, deadline: datetime, not_before: datetime, sent: Sequence[datetime]) -> datetime:
        """The last moment at or before `deadline` outside quiet hours, on a working day
        not at its cap; `not_before` when there is none in between (see `check`)."""
        moment = deadline
        while moment > not_before:
            local = moment.astimezone(self.zone)
            if not self._working(local.date()) or self.sent_on_day(moment, sent) >= self.policy.max_per_day:
                moment = datetime.combine(local.date(), time(0), local.tzinfo) - timedelta(microseconds=1)
            elif self.policy.quiet_hours is not None and self.policy.quiet_hours.contains(local):
                moment = self.policy.quiet_hours.start_before(local) - timedelta(seconds=1)
            else:
                return moment.astimezone(deadline.tzinfo)
        return not_before

    def silence(self, start: datetime, end: datetime) -> timedelta:
        """How much silence accrues from `start` to `end`: wall time, less non-working
        days when `business_days_only`."""
        if end <= start:
            return timedelta(0)
        if not self.policy.business_days_only:
            return end - start
        total, moment = timedelta(0), start.astimezone(self.zone)
        stop = end.astimezone(self.zone)
        while moment < stop:
            boundary = min(_next_midnight(moment), stop)
            if self._working(moment.date()):
                total += _span(moment, boundary)
            moment = boundary
        return total

    def silence_deadline(self, start: datetime) -> datetime:
        """The moment at which `max_silence` has accrued since `start`."""
        return self.accrued(start, self.policy.max_silence)

    def stale_from(self, start: datetime) -> datetime:
        """The moment after which news of `start` is stale: `stale_after` has accrued, counted
        as silence is, so a long weekend does not age news that could not go out anyway."""
        return self.accrued(start, self.policy.stale_after)

    def accrued(self, start: datetime, span: timedelta) -> datetime:
        """The moment at which `span` of silence has accrued since `start`."""
        if not self.policy.business_days_only:
            return start + span
        remaining, moment = span, start.astimezone(self.zone)
        for _ in range(SEARCH_DAYS * 12):
            boundary = _next_midnight(moment)
            if self._working(moment.date()):
                if _span(moment, boundary) >= remaining:
                    return (moment.astimezone(UTC) + remaining).astimezone(start.tzinfo)
                remaining -= _span(moment, boundary)
            moment = boundary
        return (moment.astimezone(UTC) + remaining).astimezone(start.tzinfo)  # pragma: no cover


def _span(start: datetime, end: datetime) -> timedelta:
    """Elapsed time; aware datetimes sharing a tzinfo subtract as wall clocks, so go by UTC."""
    return end.astimezone(UTC) - start.astimezone(UTC)


def _next_midnight(local: datetime) -> datetime:
    """Local midnight after `local`, in its zone (wall-clock arithmetic, DST-safe)."""
    zone = local.tzinfo
    following = datetime.combine(local.date() + DAY, time(0))
    return following.replace(tzinfo=zone)
