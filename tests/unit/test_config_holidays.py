"""A store calendar's `holidays:` key: a country's public holidays (and a subdivision's),
the store's own dates on top, and what a wrong code reports."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from orderline.config import ConfigError, load_config, parse_config
from orderline.config.public_holidays import HOLIDAY_YEARS
from orderline.domain.order_exceptions import DEFAULT_POLICY, BusinessCalendar, detect_fulfillment_delayed

from .detector_orders import placed

NEW_YORK = ZoneInfo("America/New_York")
THANKSGIVING_2027 = date(2027, 11, 25)
STORE = (
    "stores:\n  - id: s1\n    platform: shopify\n    shop_domain: s1.myshopify.com\n"
    "    webhook_secrets: [x]\n"
)


def calendar_from_file(tmp_path: Path, calendar: str, timezone: str = "UTC") -> BusinessCalendar:
    path = tmp_path / "orderline.yaml"
    path.write_text(STORE + f"    timezone: {timezone}\n    calendar:\n{calendar}", encoding="utf-8")
    return load_config(path, env={}).store("s1").business_calendar()


def problem_lines(calendar: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(STORE + f"    calendar: {calendar}\n", env={})
    return str(caught.value).splitlines()


def test_a_us_store_skips_thanksgiving_2027_without_listing_it(tmp_path: Path) -> None:
    calendar = calendar_from_file(tmp_path, "      holidays: {country: US}\n", "America/New_York")
    # Placed Wednesday 09:00 in New York: 15 h on Wednesday, none on Thanksgiving, 24 h on
    # Friday, the weekend off, 9 h on Monday -> due Monday 09:00, not Friday 09:00.
    wednesday = datetime(2027, 11, 24, 9, 0, tzinfo=NEW_YORK)
    order = placed(placed_at=wednesday, updated_at=wednesday)
    friday_due_without_it = datetime(2027, 11, 26, 9, 0, tzinfo=NEW_YORK)
    monday = datetime(2027, 11, 29, 9, 0, tzinfo=NEW_YORK)
    plain = BusinessCalendar("America/New_York")

    assert not calendar.is_working_day(THANKSGIVING_2027)
    assert len(detect_fulfillment_delayed(order, DEFAULT_POLICY, friday_due_without_it, plain)) == 1
    assert detect_fulfillment_delayed(order, DEFAULT_POLICY, friday_due_without_it, calendar) == []
    (late,) = detect_fulfillment_delayed(order, DEFAULT_POLICY, monday, calendar)
    assert late.opened_at == monday


def test_a_subdivision_adds_its_own_holidays_and_listed_dates_add_to_both(tmp_path: Path) -> None:
    bavaria = calendar_from_file(
        tmp_path, "      holidays: {country: DE, subdivision: BY, dates: [2026-12-24, 2026-12-31]}\n"
    )
    germany = calendar_from_file(tmp_path, "      holidays: {country: DE}\n")

    assert {date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 31)} <= bavaria.holidays
    assert date(2026, 1, 6) in bavaria.holidays  # Epiphany: Bavaria, not all of Germany
    assert date(2026, 1, 6) not in germany.holidays
    assert date(2026, 12, 24) not in germany.holidays
    assert germany.holidays < bavaria.holidays


def test_holidays_are_known_from_2000_through_2100_whatever_today_is(tmp_path: Path) -> None:
    calendar = calendar_from_file(tmp_path, "      holidays: {country: DE}\n")

    assert (HOLIDAY_YEARS.start, HOLIDAY_YEARS.stop) == (2000, 2101)
    assert {date(2000, 10, 3), date(2100, 12, 25)} <= calendar.holidays
    assert min(calendar.holidays).year == 2000
    assert max(calendar.holidays).year == 2100


def test_codes_are_read_in_any_case_and_a_subdivision_by_its_name() -> None:
    config = parse_config(STORE + "    calendar: {holidays: {country: de, subdivision: Bayern}}\n", env={})
    calendar = config.store("s1").calendar

    assert calendar is not None and not isinstance(calendar.holidays, list)
    assert (calendar.holidays.country, calendar.holidays.subdivision) == ("DE", "BY")


def test_a_list_of_dates_alone_is_still_the_store_s_own_days_off() -> None:
    config = parse_config(STORE + "    calendar: {holidays: [2026-12-24]}\n", env={})

    assert config.store("s1").business_calendar().holidays == frozenset({date(2026, 12, 24)})


def test_a_calendar_rebuilt_on_every_tick_keeps_the_same_holidays_object() -> None:
    # The domain caches working windows per calendar; equal calendars then compare their
    # thousand holidays by identity instead of date by date.
    store = parse_config(
        STORE + "    calendar: {holidays: {country: US, dates: [2026-12-24]}}\n", env={}
    ).store("s1")

    assert store.business_calendar().holidays is store.business_calendar().holidays


BAD_HOLIDAYS = [
    pytest.param(
        "{holidays: {country: XX}}",
        "stores[0].calendar.holidays.country: no public holidays known for country 'XX'; "
        "write an ISO 3166 code such as DE, US or GB",
        id="unknown-country",
    ),
    pytest.param(
        "{holidays: {country: DEU}}",
        "stores[0].calendar.holidays.country: no public holidays known for country 'DEU'; "
        "write an ISO 3166 code such as DE, US or GB",
        id="three-letter-code",
    ),
    pytest.param(
        "{holidays: {country: GB, subdivision: ENGL}}",
        "stores[0].calendar.holidays.subdivision: unknown subdivision 'ENGL' of GB; did you mean 'ENG'?",
        id="subdivision-typo",
    ),
    pytest.param(
        "{holidays: {country: DE, subdivision: ZZ}}",
        "stores[0].calendar.holidays.subdivision: unknown subdivision 'ZZ' of DE; expected one of: "
        "BB, BE, BW, BY, HB, HE, HH, MV, NI, NW, RP, SH, SL, SN, ST, TH, Augsburg",
        id="unknown-subdivision",
    ),
    pytest.param(
        "{holidays: {subdivision: BY}}",
        "stores[0].calendar.holidays.subdivision: "
        "a subdivision needs the country it belongs to (country: DE)",
        id="subdivision-without-country",
    ),
    pytest.param(
        "{holidays: {country: US, dates: [2026-13-01]}}",
        "stores[0].calendar.holidays.dates[0]: '2026-13-01' is not a date; write YYYY-MM-DD, e.g. 2026-12-25",
        id="bad-listed-date",
    ),
    pytest.param(
        "{holidays: {contry: US}}",
        "stores[0].calendar.holidays.contry: unknown key; did you mean 'country'?",
        id="unknown-key",
    ),
    pytest.param(
        "{holidays: US}",
        "stores[0].calendar.holidays: "
        "must be a list of dates or a mapping with country, subdivision and dates",
        id="neither-list-nor-mapping",
    ),
]


@pytest.mark.parametrize(("calendar", "expected"), BAD_HOLIDAYS)
def test_a_bad_holidays_key_is_a_precise_problem(calendar: str, expected: str) -> None:
    assert problem_lines(calendar) == [f"orderline.yaml: {expected}"]


def test_a_bad_country_is_reported_under_the_file_s_own_name(tmp_path: Path) -> None:
    path = tmp_path / "shop.yaml"
    path.write_text(STORE + "    calendar:\n      holidays: {country: XX}\n", encoding="utf-8")

    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})

    (problem,) = caught.value.problems
    assert (problem.file, problem.key_path) == (str(path), "stores[0].calendar.holidays.country")


def test_loading_reads_no_clock_and_expands_once() -> None:
    # Same file loaded twice on different "days": the expansion depends on nothing but the
    # file, so it is the very same set (cached), and it covers years far from today.
    text = STORE + "    calendar: {holidays: {country: FR}}\n"
    first = parse_config(text, env={}).store("s1").business_calendar().holidays
    second = parse_config(text, env={}).store("s1").business_calendar().holidays

    assert first is second
    assert datetime(2099, 7, 14, tzinfo=UTC).date() in first
