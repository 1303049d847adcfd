"""The scorecard's business-hours table gives what the store calendar itself says, across
weekends, holidays and DST changes, and hands instants outside its span to the calendar."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from orderline.domain.order_exceptions.business_calendar import BusinessCalendar
from orderline.domain.scorecard.business_hours import CalendarTable, StoreCalendars
from tests.unit.scorecard_records import BERLIN, NEW_YORK, at

CALENDARS = [
    BusinessCalendar("UTC"),
    BusinessCalendar(
        "Europe/Berlin", opens_at=time(9), closes_at=time(17), holidays=frozenset({date(2026, 4, 3)})
    ),
    BusinessCalendar("America/New_York", working_days=frozenset(range(6)), opens_at=time(7, 30)),
]
# Around Berlin's change to summer time (29 March) and Good Friday 2026 (3 April).
SPAN = (at(2026, 3, 20), at(2026, 4, 10))


@pytest.mark.parametrize("calendar", CALENDARS, ids=lambda c: c.timezone)
def test_the_table_equals_the_calendar_on_a_grid_of_moments(calendar: BusinessCalendar) -> None:
    table = CalendarTable(calendar, *SPAN)
    moments = [SPAN[0] + timedelta(minutes=97 * step) for step in range(0, 300)]
    pairs = [(a, b) for a in moments[::7] for b in moments if b >= a]

    differences = [
        (a, b)
        for a, b in pairs
        if table.hours_between(a.timestamp(), b.timestamp()) != calendar.business_hours_between(a, b)
    ]

    assert len(pairs) > 5_000
    assert differences == []


def test_a_weekend_and_a_holiday_are_not_worked() -> None:
    berlin = CALENDARS[1]
    table = CalendarTable(berlin, *SPAN)
    # Thursday 2 April 16:00 to Tuesday 7 April 10:00: Thursday 1 hour, Good Friday off,
    # the weekend off, Monday 8 hours, Tuesday 1 hour.
    start, end = at(2026, 4, 2, 16, zone=BERLIN), at(2026, 4, 7, 10, zone=BERLIN)

    assert table.hours_between(start.timestamp(), end.timestamp()) == 10.0


def test_an_end_before_the_start_is_zero_not_negative() -> None:
    table = CalendarTable(CALENDARS[0], *SPAN)

    assert table.hours_between(at(2026, 3, 25, 12).timestamp(), at(2026, 3, 25, 10).timestamp()) == 0.0


def test_moments_outside_the_span_are_counted_by_the_calendar() -> None:
    table = CalendarTable(CALENDARS[0], *SPAN)
    start, end = at(2026, 4, 9, 12), at(2026, 6, 1, 12)  # far past the span's end

    assert table.hours_between(start.timestamp(), end.timestamp()) == CALENDARS[0].business_hours_between(
        start, end
    )
    # Thursday 12 hours and Friday 24, seven whole weeks of weekdays, Monday 12 hours.
    assert table.hours_between(start.timestamp(), end.timestamp()) == 12 + 24 + 7 * 5 * 24 + 12


def test_a_store_without_a_calendar_works_whole_weekdays_in_its_zone() -> None:
    calendars = StoreCalendars({"ber": CALENDARS[1]}, {"nyc": NEW_YORK, "ber": BERLIN}, ZoneInfo("UTC"), SPAN)

    assert calendars.calendar_of("nyc") == BusinessCalendar("America/New_York")
    assert calendars.calendar_of("ber") is CALENDARS[1]
    assert calendars.calendar_of("elsewhere") == BusinessCalendar("UTC")
    # Saturday 28 March 2026, 20:00 in New York is still the weekend there (00:00 UTC Sunday).
    saturday_evening = datetime(2026, 3, 28, 20, tzinfo=NEW_YORK)
    monday_one_am = datetime(2026, 3, 30, 1, tzinfo=NEW_YORK)
    assert (
        calendars.table("nyc").hours_between(saturday_evening.timestamp(), monday_one_am.timestamp()) == 1.0
    )
