"""A store's working time: time zone, working days, daily opening hours and holidays.

SLAs such as "shipped within 48 business hours" are counted on it. Everything is worked
out on the store's local calendar (a working day is a local date; its hours are local
wall-clock times) and measured as real elapsed time, so a DST change or a holiday lands
where the warehouse sees it. Results are returned in the store's zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from orderline.domain.order_exceptions.findings import utc

_DAY = timedelta(days=1)
_HOUR = timedelta(hours=1)
MONDAY_TO_FRIDAY = frozenset(range(5))


@dataclass(frozen=True, slots=True)
class BusinessCalendar:
    """Working days use `date.weekday()` numbers (Monday = 0). `closes_at` None means
    midnight at the end of the day, so the default calendar counts whole weekdays."""

    timezone: str = "UTC"
    working_days: frozenset[int] = MONDAY_TO_FRIDAY
    opens_at: time = time(0)
    closes_at: time | None = None
    holidays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {self.timezone!r}") from None
        if not self.working_days or not self.working_days <= frozenset(range(7)):
            raise ValueError("working_days must list at least one weekday number from 0 (Monday) to 6")
        if self.opens_at.tzinfo is not None or (self.closes_at is not None and self.closes_at.tzinfo):
            raise ValueError("opening hours are local wall-clock times, without a time zone")
        if self.closes_at is not None and self.closes_at <= self.opens_at:
            raise ValueError(f"closes_at {self.closes_at} must be after opens_at {self.opens_at}")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)  # ZoneInfo keeps its own cache of zones

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.working_days and day not in self.holidays

    def working_window(self, day: date) -> tuple[datetime, datetime] | None:
        """The working hours of local date `day` as UTC instants; None on a day off."""
        return _working_window(self, day)

    def add_business_hours(self, start: datetime, hours: float) -> datetime:
        """The moment `hours` business hours after `start`. Ending exactly at closing time
        gives the closing time, not the next opening. Zero hours gives `start` itself."""
        if hours < 0:
            raise ValueError(f"hours must not be negative, got {hours}")
        moment = utc(start)
        remaining = timedelta(hours=hours)
        day = moment.astimezone(self.zone).date()
        while remaining:
            window = self.working_window(day)
            if window is not None and window[1] > moment:
                moment = max(window[0], moment)
                available = window[1] - moment
                if remaining <= available:
                    return (moment + remaining).astimezone(self.zone)
                remaining -= available
            day += _DAY
        return moment.astimezone(self.zone)

    def business_hours_between(self, a: datetime, b: datetime) -> float:
        """Business hours from `a` to `b`; negative when `b` is before `a`."""
        start, end = utc(a), utc(b)
        if end < start:
            return -self.business_hours_between(b, a)
        total = timedelta(0)
        day, last = start.astimezone(self.zone).date(), end.astimezone(self.zone).date()
        while day <= last:
            window = self.working_window(day)
            if window is not None:
                total += max(min(window[1], end) - max(window[0], start), timedelta(0))
            day += _DAY
        return total / _HOUR


# Detectors ask for the same few days of the same few calendars over and over; building a
# window (two zone conversions) costs more than the rest of a detector.
@lru_cache(maxsize=4096)
def _working_window(calendar: BusinessCalendar, day: date) -> tuple[datetime, datetime] | None:
    if not calendar.is_working_day(day):
        return None
    zone = calendar.zone
    opens = datetime.combine(day, calendar.opens_at, zone)
    closes = datetime.combine(day + _DAY, time(0), zone)
    if calendar.closes_at is not None:
        closes = datetime.combine(day, calendar.closes_at, zone)
    return opens.astimezone(UTC), closes.astimezone(UTC)


DEFAULT_CALENDAR = BusinessCalendar()
