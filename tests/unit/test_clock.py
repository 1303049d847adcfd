"""The clock: ORDERLINE_CLOCK_OFFSET moves every process's `now` by a parsed offset."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest

from orderline.clock import OFFSET_VARIABLE, ClockOffsetError, clock_offset, parse_offset, system_clock


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        ("30d", timedelta(days=30)),
        ("400d", timedelta(days=400)),
        ("-2h", timedelta(hours=-2)),
        ("+2h", timedelta(hours=2)),
        ("90m", timedelta(minutes=90)),
        ("3600s", timedelta(seconds=3600)),
        ("1d12h", timedelta(days=1, hours=12)),
        ("-1d12h30m15s", -timedelta(days=1, hours=12, minutes=30, seconds=15)),
        ("0d", timedelta(0)),
        (" 30d ", timedelta(days=30)),
        ("", timedelta(0)),
        ("   ", timedelta(0)),
    ],
)
def test_offsets_parse_to_their_duration(text: str, offset: timedelta) -> None:
    assert parse_offset(text) == offset


@pytest.mark.parametrize(
    "text", ["30", "d", "30 d", "30D", "1.5d", "30days", "1w", "P30D", "--1d", "1d-2h", "1d 2h", "tomorrow"]
)
def test_a_bad_offset_fails_naming_the_variable_and_the_value(text: str) -> None:
    with pytest.raises(ClockOffsetError) as raised:
        parse_offset(text)

    assert str(raised.value).startswith(f"ORDERLINE_CLOCK_OFFSET={text!r} is not a clock offset")


def test_an_offset_too_large_for_a_duration_fails_naming_the_variable() -> None:
    with pytest.raises(ClockOffsetError, match=r"^ORDERLINE_CLOCK_OFFSET='9999999999d' is too large"):
        parse_offset("9999999999d")


def test_the_offset_is_read_from_the_given_environment() -> None:
    assert clock_offset({OFFSET_VARIABLE: "30d"}) == timedelta(days=30)
    assert clock_offset({}) == timedelta(0)


def test_a_bad_offset_in_the_environment_fails_on_reading_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(OFFSET_VARIABLE, "next year")

    with pytest.raises(ClockOffsetError, match="ORDERLINE_CLOCK_OFFSET='next year'"):
        system_clock()


def test_system_clock_is_utc_and_moved_by_the_offset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(OFFSET_VARIABLE, raising=False)
    before = system_clock()
    monkeypatch.setenv(OFFSET_VARIABLE, "-400d")
    shifted = system_clock()
    monkeypatch.delenv(OFFSET_VARIABLE)
    after = system_clock()

    assert before.tzinfo is UTC and shifted.tzinfo is UTC
    assert before - timedelta(days=400) <= shifted <= after - timedelta(days=400)
