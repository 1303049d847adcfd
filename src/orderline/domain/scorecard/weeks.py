"""ISO weeks in a store's time zone: which week a moment falls in, and a week's bounds.

A week runs from Monday 00:00 to the next Monday 00:00 local time, so it is 167 or 169
hours long in a week with a DST change. An all-stores view counts each order in the week
of its own store's zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Self
from zoneinfo import ZoneInfo

_WEEK = re.compile(r"(\d{4})-W(\d{2})")


@dataclass(frozen=True, slots=True, order=True)
class IsoWeek:
    year: int
    week: int

    def __post_init__(self) -> None:
        if not 1 <= self.week <= date(self.year, 12, 28).isocalendar().week:
            raise ValueError(f"{self.year} has no ISO week {self.week}")

    @classmethod
    def parse(cls, text: str) -> Self:
        """`2026-W48`; ValueError naming the expected shape otherwise."""
        found = _WEEK.fullmatch(text.strip())
        if found is None:
            raise ValueError(f"expected an ISO week like 2026-W48, got {text!r}")
        return cls(int(found.group(1)), int(found.group(2)))

    @classmethod
    def of_date(cls, day: date) -> Self:
        year, week, _ = day.isocalendar()
        return cls(year, week)

    def __str__(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    def shifted(self, weeks: int) -> IsoWeek:
        return IsoWeek.of_date(self.monday + timedelta(weeks=weeks))

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """[start, end) of the week in `zone`, as UTC instants."""
        start = datetime.combine(self.monday, datetime.min.time(), zone)
        end = datetime.combine(self.monday + timedelta(days=7), datetime.min.time(), zone)
        return start.astimezone(UTC), end.astimezone(UTC)


def week_of(moment: datetime, zone: ZoneInfo) -> IsoWeek:
    """The ISO week `moment` (aware) falls in, on the local calendar of `zone`."""
    if moment.tzinfo is None:
        raise ValueError("week_of needs an aware datetime")
    return IsoWeek.of_date(moment.astimezone(zone).date())
