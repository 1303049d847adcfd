"""A store's `calendar:` section: working days, opening hours and holidays.

It becomes the domain's `BusinessCalendar` in the store's own time zone, on which
business-hour SLAs are counted. Leaving the section out gives the domain's default
calendar (whole weekdays, Monday to Friday, no holidays) in the store's time zone.
The `holidays:` key (a country's public holidays, listed dates) is `public_holidays`.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import time
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from orderline.config.errors import closest_match
from orderline.config.public_holidays import HolidaysSetting, dates_off
from orderline.domain.order_exceptions import DEFAULT_CALENDAR, BusinessCalendar

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Short weekday names in `date.weekday()` order (Monday = 0)."""
_FULL_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_CLOCK = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")
_END_OF_DAY = "24:00"
_TIME_HINT = 'write HH:MM on a 24-hour clock, in quotes, e.g. "09:00"'


def _weekday(value: object) -> int:
    if isinstance(value, str):
        name = value.strip().lower()
        for names in (WEEKDAYS, _FULL_WEEKDAYS):
            if name in names:
                return names.index(name)
        match = closest_match(name, [*WEEKDAYS, *_FULL_WEEKDAYS])
        hint = f"did you mean '{match}'?" if match else f"expected one of: {', '.join(WEEKDAYS)}"
        raise PydanticCustomError("orderline_weekday", f"unknown weekday '{value}'; {hint}")
    raise PydanticCustomError("orderline_weekday", f"must be a weekday: {', '.join(WEEKDAYS)}")


def _clock_time(value: object) -> time | None:
    """ "09:00" -> time(9); "24:00" -> None (midnight at the end of the day)."""
    if isinstance(value, int) and not isinstance(value, bool):
        # YAML 1.1 reads an unquoted 17:00 as the base-60 number 1020.
        raise PydanticCustomError("orderline_time", f"must be a quoted time; {_TIME_HINT}")
    if isinstance(value, str):
        text = value.strip()
        if text == _END_OF_DAY:
            return None
        parts = _CLOCK.fullmatch(text)
        if parts:
            return time(int(parts.group(1)), int(parts.group(2)))
        raise PydanticCustomError("orderline_time", f"'{value}' is not a time; {_TIME_HINT}")
    raise PydanticCustomError("orderline_time", f"must be a time; {_TIME_HINT}")


Weekday = Annotated[int, BeforeValidator(_weekday)]
ClockTime = Annotated[time | None, BeforeValidator(_clock_time)]


class CalendarConfig(BaseModel):
    """When the store's warehouse works; times are local to the store's time zone."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    working_days: list[Weekday] = Field(default_factory=lambda: [0, 1, 2, 3, 4])
    opens: ClockTime = time(0)
    closes: ClockTime = None
    holidays: HolidaysSetting = Field(default_factory=list)

    @field_validator("working_days")
    @classmethod
    def _some_working_day(cls, days: list[int]) -> list[int]:
        if not days:
            raise PydanticCustomError("orderline_no_working_days", "must list at least one working day")
        return days

    @field_validator("opens")
    @classmethod
    def _opens_within_the_day(cls, opens: time | None) -> time:
        if opens is None:
            raise PydanticCustomError("orderline_time", "24:00 is the end of the day; a day opens before it")
        return opens

    @field_validator("closes")
    @classmethod
    def _closes_after_opening(cls, closes: time | None, info: ValidationInfo) -> time | None:
        opens = info.data.get("opens")
        if closes is not None and isinstance(opens, time) and closes <= opens:
            raise PydanticCustomError(
                "orderline_closes_early", f"closes at {closes:%H:%M}, not after opening at {opens:%H:%M}"
            )
        return closes

    def business_calendar(self, timezone: str) -> BusinessCalendar:
        return BusinessCalendar(
            timezone=timezone,
            working_days=frozenset(self.working_days),
            opens_at=self.opens or time(0),
            closes_at=self.closes,
            holidays=dates_off(self.holidays),
        )


def default_business_calendar(timezone: str) -> BusinessCalendar:
    """The domain's default calendar, moved to `timezone`."""
    return replace(DEFAULT_CALENDAR, timezone=timezone)
