"""When the weekly scorecard is due: the latest due moment at or before `now`, in the
merchant's zone, across DST changes and a year's 53rd week."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from orderline.domain.scorecard.schedule import DeliverySchedule, DueReport, latest_due, next_due
from orderline.domain.scorecard.weeks import IsoWeek

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
MONDAY_8 = DeliverySchedule(weekday=1, hour=8, zone=BERLIN)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_a_minute_before_the_due_hour_the_week_before_is_the_latest_due() -> None:
    # Monday 30 November 2026 07:59 in Berlin (CET, UTC+1): 2026-W48 is not due yet.
    now = utc(2026, 11, 30, 6, 59)

    assert latest_due(now, MONDAY_8) == DueReport(IsoWeek(2026, 47), utc(2026, 11, 23, 7, 0))


def test_at_the_due_hour_the_week_that_just_ended_is_due() -> None:
    assert latest_due(utc(2026, 11, 30, 7, 0), MONDAY_8) == DueReport(IsoWeek(2026, 48), utc(2026, 11, 30, 7))


def test_a_worker_down_for_three_weeks_finds_only_the_latest_week_due() -> None:
    now = utc(2026, 12, 23, 12, 0)  # Wednesday of 2026-W52

    assert latest_due(now, MONDAY_8) == DueReport(IsoWeek(2026, 51), utc(2026, 12, 21, 7, 0))


def test_the_due_moment_follows_the_zone_across_the_spring_dst_change() -> None:
    # Berlin moves to CEST (UTC+2) on Sunday 29 March 2026: Monday 08:00 is 07:00 UTC in
    # 2026-W13 and 06:00 UTC in 2026-W14, so the two due moments are 167 hours apart.
    before = latest_due(utc(2026, 3, 30, 5, 59), MONDAY_8)
    after = latest_due(utc(2026, 3, 30, 6, 0), MONDAY_8)

    assert before == DueReport(IsoWeek(2026, 12), utc(2026, 3, 23, 7, 0))
    assert after == DueReport(IsoWeek(2026, 13), utc(2026, 3, 30, 6, 0))
    assert after.due_at - before.due_at == timedelta(hours=167)


def test_an_hour_the_spring_change_skips_is_due_when_the_clock_passes_it() -> None:
    # 02:00 does not exist in Berlin on 29 March 2026: the clock jumps from 01:59 CET to
    # 03:00 CEST, which is 01:00 UTC.
    sunday_2 = DeliverySchedule(weekday=7, hour=2, zone=BERLIN)

    assert latest_due(utc(2026, 3, 29, 0, 59), sunday_2).week == IsoWeek(2026, 11)
    assert latest_due(utc(2026, 3, 29, 1, 0), sunday_2) == DueReport(IsoWeek(2026, 12), utc(2026, 3, 29, 1))


def test_an_hour_the_autumn_change_repeats_is_due_at_its_first_occurrence() -> None:
    # 02:00 happens twice in Berlin on 25 October 2026: first at 00:00 UTC (CEST), again at
    # 01:00 UTC (CET). The report is due once, at the first.
    sunday_2 = DeliverySchedule(weekday=7, hour=2, zone=BERLIN)

    assert latest_due(utc(2026, 10, 24, 23, 59), sunday_2).week == IsoWeek(2026, 41)
    assert latest_due(utc(2026, 10, 25, 0, 0), sunday_2) == DueReport(IsoWeek(2026, 42), utc(2026, 10, 25))
    assert latest_due(utc(2026, 10, 25, 1, 30), sunday_2).week == IsoWeek(2026, 42)


def test_the_week_is_taken_on_the_merchants_calendar_not_utcs() -> None:
    # Monday 06:00 in New York is 11:00 UTC; at 03:00 UTC on that Monday it is still
    # Sunday evening in New York, so the week that just ended is a week earlier.
    monday_6 = DeliverySchedule(weekday=1, hour=6, zone=NEW_YORK)

    assert latest_due(utc(2026, 11, 30, 3, 0), monday_6) == DueReport(
        IsoWeek(2026, 47), utc(2026, 11, 23, 11)
    )
    assert latest_due(utc(2026, 11, 30, 11, 0), monday_6).week == IsoWeek(2026, 48)


def test_the_53rd_week_of_2026_is_due_in_the_first_week_of_2027() -> None:
    assert latest_due(utc(2027, 1, 4, 7, 0), MONDAY_8) == DueReport(IsoWeek(2026, 53), utc(2027, 1, 4, 7))


def test_a_friday_delivery_reports_the_last_complete_week_not_the_current_one() -> None:
    friday_17 = DeliverySchedule(weekday=5, hour=17, zone=BERLIN)

    assert latest_due(utc(2026, 12, 4, 16, 0), friday_17) == DueReport(
        IsoWeek(2026, 48), utc(2026, 12, 4, 16)
    )


def test_next_due_is_the_first_report_after_now() -> None:
    assert next_due(utc(2026, 11, 30, 6, 59), MONDAY_8) == DueReport(IsoWeek(2026, 48), utc(2026, 11, 30, 7))
    assert next_due(utc(2026, 11, 30, 7, 0), MONDAY_8) == DueReport(IsoWeek(2026, 49), utc(2026, 12, 7, 7))


def test_a_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        latest_due(datetime(2026, 11, 30, 8, 0), MONDAY_8)


@pytest.mark.parametrize(("weekday", "hour"), [(0, 8), (8, 8), (1, -1), (1, 24)])
def test_a_schedule_outside_the_week_or_day_is_refused(weekday: int, hour: int) -> None:
    with pytest.raises(ValueError, match="must be"):
        DeliverySchedule(weekday=weekday, hour=hour, zone=BERLIN)
