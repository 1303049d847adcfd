"""Business hours on a store's calendar: weekends, holidays and DST changes in its own zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orderline.domain.order_exceptions import DEFAULT_CALENDAR, BusinessCalendar

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
GOOD_FRIDAY_2027, EASTER_MONDAY_2027 = date(2027, 3, 26), date(2027, 3, 29)

london = BusinessCalendar(
    "Europe/London",
    opens_at=time(9),
    closes_at=time(17),
    holidays=frozenset({GOOD_FRIDAY_2027, EASTER_MONDAY_2027, date(2026, 12, 25), date(2026, 12, 28)}),
)
new_york = BusinessCalendar("America/New_York", opens_at=time(9), closes_at=time(17))


def test_london_skips_easter_holidays_a_weekend_and_the_change_to_summer_time() -> None:
    # Thursday 25 March 2027, 16:00 GMT. One hour that day; Good Friday, the weekend (BST
    # starts on Sunday 28th) and Easter Monday are off; two hours on Tuesday, now in BST.
    start = datetime(2027, 3, 25, 16, 0, tzinfo=LONDON)

    due = london.add_business_hours(start, 3)

    assert due == datetime(2027, 3, 30, 11, 0, tzinfo=LONDON)
    assert due.utcoffset() == timedelta(hours=1)
    assert due.astimezone(UTC) == datetime(2027, 3, 30, 10, 0, tzinfo=UTC)
    assert london.business_hours_between(start, due) == 3.0


def test_london_skips_christmas_and_the_boxing_day_substitute() -> None:
    start = datetime(2026, 12, 24, 15, 0, tzinfo=LONDON)  # Thursday

    assert london.add_business_hours(start, 4) == datetime(2026, 12, 29, 11, 0, tzinfo=LONDON)


def test_new_york_across_the_march_2027_dst_change() -> None:
    # Friday 12 March 16:00 EST; clocks go forward on Sunday 14th; Monday 10:00 is EDT.
    start = datetime(2027, 3, 12, 16, 0, tzinfo=NEW_YORK)

    due = new_york.add_business_hours(start, 2)

    assert due == datetime(2027, 3, 15, 10, 0, tzinfo=NEW_YORK)
    assert due.astimezone(UTC) == datetime(2027, 3, 15, 14, 0, tzinfo=UTC)
    assert new_york.business_hours_between(start, due) == 2.0
    assert new_york.business_hours_between(due, start) == -2.0


def test_a_whole_day_on_the_dst_day_is_23_real_hours() -> None:
    every_day = BusinessCalendar("America/New_York", working_days=frozenset(range(7)))
    sunday = datetime(2027, 3, 14, 0, 0, tzinfo=NEW_YORK)
    monday = datetime(2027, 3, 15, 0, 0, tzinfo=NEW_YORK)

    assert every_day.business_hours_between(sunday, monday) == 23.0
    assert every_day.add_business_hours(datetime(2027, 3, 13, 12, 0, tzinfo=NEW_YORK), 24) == datetime(
        2027, 3, 14, 13, 0, tzinfo=NEW_YORK
    )


def test_ending_exactly_at_closing_time_is_closing_time() -> None:
    monday = datetime(2027, 3, 1, 9, 0, tzinfo=LONDON)

    assert london.add_business_hours(monday, 8) == datetime(2027, 3, 1, 17, 0, tzinfo=LONDON)
    assert london.add_business_hours(monday, 8 + 1 / 60) == datetime(2027, 3, 2, 9, 1, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("start", "due"),
    [
        (datetime(2027, 3, 6, 12, 0), datetime(2027, 3, 8, 10, 0)),  # Saturday -> Monday
        (datetime(2027, 3, 8, 7, 0), datetime(2027, 3, 8, 10, 0)),  # before opening
        (datetime(2027, 3, 8, 18, 0), datetime(2027, 3, 9, 10, 0)),  # after closing
        (datetime(2027, 3, 8, 16, 30), datetime(2027, 3, 9, 9, 30)),  # half an hour left today
    ],
)
def test_time_outside_working_hours_does_not_count(start: datetime, due: datetime) -> None:
    assert london.add_business_hours(start.replace(tzinfo=LONDON), 1) == due.replace(tzinfo=LONDON)


def test_zero_hours_is_the_start_itself() -> None:
    saturday = datetime(2027, 3, 6, 12, 0, tzinfo=UTC)

    assert london.add_business_hours(saturday, 0) == saturday


def test_the_default_calendar_counts_whole_weekdays_in_utc() -> None:
    friday = datetime(2027, 3, 5, 10, 0, tzinfo=UTC)

    assert DEFAULT_CALENDAR.add_business_hours(friday, 48) == datetime(2027, 3, 9, 10, 0, tzinfo=UTC)
    assert DEFAULT_CALENDAR.business_hours_between(friday, datetime(2027, 3, 8, 10, 0, tzinfo=UTC)) == 24.0


def test_results_are_in_the_store_zone() -> None:
    due = new_york.add_business_hours(datetime(2027, 3, 1, 15, 0, tzinfo=UTC), 1)

    assert due.tzinfo == NEW_YORK
    assert due == datetime(2027, 3, 1, 11, 0, tzinfo=NEW_YORK)


def test_holidays_and_weekends_are_not_working_days() -> None:
    assert london.working_window(GOOD_FRIDAY_2027) is None
    assert london.working_window(date(2027, 3, 27)) is None
    assert london.working_window(date(2027, 3, 30)) == (
        datetime(2027, 3, 30, 8, 0, tzinfo=UTC),
        datetime(2027, 3, 30, 16, 0, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"timezone": "Europe/Londn"}, "unknown time zone 'Europe/Londn'"),
        ({"timezone": "../etc/passwd"}, "unknown time zone"),
        ({"working_days": frozenset()}, "working_days must list at least one weekday"),
        ({"working_days": frozenset({7})}, "working_days must list at least one weekday"),
        ({"opens_at": time(17), "closes_at": time(9)}, "closes_at 09:00:00 must be after opens_at 17:00:00"),
        ({"opens_at": time(9, tzinfo=UTC)}, "opening hours are local wall-clock times"),
    ],
)
def test_a_nonsense_calendar_is_refused(settings: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BusinessCalendar(**settings)  # type: ignore[arg-type]


def test_naive_times_and_negative_hours_are_refused() -> None:
    with pytest.raises(ValueError, match="a time zone is required"):
        london.add_business_hours(datetime(2027, 3, 1, 9, 0), 1)
    with pytest.raises(ValueError, match="must not be negative"):
        london.add_business_hours(datetime(2027, 3, 1, 9, 0, tzinfo=UTC), -1)


@given(
    start=st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
    ),
    minutes=st.integers(min_value=0, max_value=200 * 60),
)
def test_adding_then_measuring_gives_the_hours_back(start: datetime, minutes: int) -> None:
    due = london.add_business_hours(start, minutes / 60)

    assert due >= start
    assert london.business_hours_between(start, due) == pytest.approx(minutes / 60, abs=1e-9)
