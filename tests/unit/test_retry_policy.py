"""The one retry policy and the one `Retry-After` reader (`orderline.domain.retry`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from orderline.connectors.retry import retry_after_s
from orderline.domain.retry import RetryPolicy, parse_retry_after

NOW = datetime(2026, 10, 21, 7, 27, tzinfo=UTC)


def test_the_backoff_doubles_from_the_base_up_to_the_cap() -> None:
    policy = RetryPolicy(max_attempts=10, base_delay_s=1.0, max_delay_s=60.0)

    waits = [policy.backoff_s(attempt) for attempt in range(1, 9)]

    assert waits == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0]


def test_an_absurd_attempt_number_waits_the_cap() -> None:
    assert RetryPolicy(base_delay_s=1.0, max_delay_s=60.0).backoff_s(10_000) == 60.0


def test_a_policy_from_durations_keeps_them() -> None:
    policy = RetryPolicy.of(8, timedelta(minutes=1), timedelta(hours=1))

    assert policy == RetryPolicy(max_attempts=8, base_delay_s=60.0, max_delay_s=3600.0)
    assert [policy.delay(n) for n in (1, 2, 7, 8)] == [
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(hours=1),
        timedelta(hours=1),
    ]


def test_the_delay_is_the_receivers_hint_when_that_is_longer() -> None:
    policy = RetryPolicy.of(8, timedelta(minutes=1), timedelta(hours=1))

    assert policy.delay(1, 300.0) == timedelta(minutes=5)
    assert policy.delay(3, 10.0) == timedelta(minutes=4)
    assert policy.delay(3, None) == timedelta(minutes=4)


def test_another_attempt_follows_until_the_last_one() -> None:
    policy = RetryPolicy(max_attempts=3)

    assert [policy.allows_another(n) for n in (1, 2, 3)] == [True, True, False]


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 7 ", 7.0),
        ("2.0", 2.0),
        ("0", 0.0),
        ("Wed, 21 Oct 2026 07:28:00 GMT", 60.0),
        ("Wed, 21 Oct 2026 07:28:00 -0000", 60.0),
        ("Wednesday, 21-Oct-26 07:30:00 GMT", 180.0),
        ("Wed Oct 21 07:29:00 2026", 120.0),
        ("Wed, 21 Oct 2026 07:00:00 GMT", 0.0),
        ("-5", None),
        ("soon", None),
        ("", None),
        ("nan", None),
        ("inf", None),
        (None, None),
    ],
)
def test_retry_after_reads_delay_seconds_and_every_http_date_form(
    value: str | None, seconds: float | None
) -> None:
    assert parse_retry_after(value, NOW) == seconds


def test_a_connector_without_a_clock_reads_only_delay_seconds() -> None:
    date = {"retry-after": "Wed, 21 Oct 2026 07:28:00 GMT"}

    assert retry_after_s({"retry-after": "7"}) == 7.0
    assert retry_after_s(date) is None
    assert retry_after_s(date, NOW) == 60.0
