"""When the weekly scorecard is due: a pure function of `now`, the delivery schedule and
the merchant's zone.

The report of an ISO week is due at the schedule's weekday and hour (local time) of the
following week, so it always reports a complete week. `latest_due` answers the most
recent due moment at or before `now` and the week it reports: a worker that was down at
the due hour finds the same answer at its next tick and catches up, while weeks older
than the latest are never due again, so a long outage sends one report, not a flood.

A local hour a DST change skips (02:00 on the spring-forward night in Europe) is read as
the wall clock passing it, one hour later in local terms; an hour it repeats is its first
occurrence. Both are what `datetime` does with `fold=0`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from orderline.domain.scorecard.weeks import IsoWeek, week_of


@dataclass(frozen=True, slots=True)
class DeliverySchedule:
    """The weekly due moment: ISO `weekday` (1 Monday .. 7 Sunday) at `hour`:00 in `zone`."""

    weekday: int
    hour: int
    zone: ZoneInfo

    def __post_init__(self) -> None:
        if not 1 <= self.weekday <= 7:
            raise ValueError(f"weekday must be 1 (Monday) to 7 (Sunday), got {self.weekday}")
        if not 0 <= self.hour <= 23:
            raise ValueError(f"hour must be 0 to 23, got {self.hour}")

    def due_at(self, in_week: IsoWeek) -> datetime:
        """The due moment that falls in `in_week` (local calendar), as a UTC instant."""
        day = date.fromisocalendar(in_week.year, in_week.week, self.weekday)
        return datetime.combine(day, time(self.hour), self.zone).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class DueReport:
    """The report of `week`, due at `due_at` (UTC) in the week after it."""

    week: IsoWeek
    due_at: datetime


def latest_due(now: datetime, schedule: DeliverySchedule) -> DueReport:
    """The report whose due moment is the latest at or before `now` (aware)."""
    if now.tzinfo is None:
        raise ValueError("latest_due needs an aware datetime")
    this_week = week_of(now, schedule.zone)
    due_this_week = schedule.due_at(this_week)
    if due_this_week <= now:
        return DueReport(this_week.shifted(-1), due_this_week)
    last_week = this_week.shifted(-1)
    return DueReport(last_week.shifted(-1), schedule.due_at(last_week))


def next_due(now: datetime, schedule: DeliverySchedule) -> DueReport:
    """The first report due after `now`: what `check-config` and the rollout show."""
    latest = latest_due(now, schedule)
    following = latest.week.shifted(2)
    return DueReport(latest.week.shifted(1), schedule.due_at(following))
