"""Retrying: the backoff policy, and the wait a receiver asks for with `Retry-After`.

The one home of both for every part of Orderline that tries again: the platform
connectors (`connectors.retry` loops and sleeps), the outbox workers (a later `due_at`)
and the outbound channels (which read a receiver's `Retry-After`). It sits at the domain
level, standard library only and with `now` passed in, so that the connectors and the
channels, sibling layers that may not import each other, and the configuration below
them can all use it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

_MAX_DOUBLINGS = 30
"""Beyond this the cap has long applied; it keeps 2**n small for an absurd attempt number."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """At most `max_attempts` attempts. After failed attempt number n (1-based) the wait
    is `base_delay_s * 2**(n-1)`, capped at `max_delay_s`, or the other side's own hint
    (`Retry-After`) when that is longer."""

    max_attempts: int = 5
    base_delay_s: float = 1.0
    max_delay_s: float = 60.0

    @classmethod
    def of(cls, max_attempts: int, first_delay: timedelta, max_delay: timedelta) -> RetryPolicy:
        """The policy of a configuration section that gives its delays as durations."""
        return cls(max_attempts, first_delay.total_seconds(), max_delay.total_seconds())

    def backoff_s(self, attempt: int) -> float:
        """The exponential wait after failed attempt number `attempt`, in seconds."""
        doublings = min(max(attempt - 1, 0), _MAX_DOUBLINGS)
        return float(min(self.max_delay_s, self.base_delay_s * 2**doublings))

    def allows_another(self, attempts: int) -> bool:
        """Whether another attempt may follow `attempts` failed ones."""
        return attempts < self.max_attempts

    def delay(self, attempt: int, hint_s: float | None = None) -> timedelta:
        """The wait after failed attempt number `attempt`: the backoff, or `hint_s` if longer."""
        return timedelta(seconds=max(self.backoff_s(attempt), hint_s or 0.0))


def non_negative_number(value: str | None) -> float | None:
    """A header value read as a finite number >= 0; None when absent or anything else."""
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if number >= 0 and math.isfinite(number) else None


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a `Retry-After` value (RFC 9110 §10.2.3): delay-seconds, or an
    HTTP-date measured from `now` (0 for a date already past). None when absent or unreadable.

    Delay-seconds are read leniently: "2.0" is two seconds, as some APIs send it.
    """
    seconds = non_negative_number(value)
    if seconds is not None or value is None:
        return seconds
    try:
        when = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        # An HTTP-date is always GMT; "-0000" and the asctime form parse as naive.
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())
