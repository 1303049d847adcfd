"""Retrying a platform API call: the policy, the waits, and the attempt loop.

Each connector decides per attempt whether to retry and how long to wait (its
platform's rate-limit signals differ); what is the same everywhere lives here: the
exponential backoff, the `Retry-After` header in seconds, and the loop that sleeps
between attempts through an injected `sleep` and gives up after the last one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

import httpx

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 5
    base_delay_s: float = 1.0
    max_delay_s: float = 60.0

    def backoff_s(self, attempt: int) -> float:
        """Exponential delay after failed attempt number `attempt` (1-based)."""
        return float(min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1)))


@dataclass(frozen=True, slots=True)
class Retry:
    """An attempt failed in a way worth retrying after `delay_s` seconds."""

    delay_s: float
    reason: str


def non_negative_number(value: str | None) -> float | None:
    """A header value read as a number >= 0; None when absent, negative or not a number."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


def retry_after_s(headers: Mapping[str, str]) -> float | None:
    """`Retry-After` in seconds; None when absent, negative or not a number.

    An HTTP-date would need the wall clock, so it reads as None and the caller falls
    back to its backoff.
    """
    return non_negative_number(headers.get("retry-after"))


def transport_retry(exc: httpx.TransportError, backoff_s: float) -> Retry:
    """A transport error (connect, read, timeout…): retry after the backoff."""
    return Retry(backoff_s, f"{type(exc).__name__}: {exc}")


def status_retry(response: httpx.Response, backoff_s: float) -> Retry:
    """A 429 or 5xx: retry after `Retry-After` when sent (and non-zero), else the backoff."""
    return Retry(retry_after_s(response.headers) or backoff_s, f"HTTP {response.status_code}")


def with_retries(
    policy: RetryPolicy,
    attempt: Callable[[int], T | Retry],
    sleep: Callable[[float], None],
    give_up: Callable[[str], Exception],
    *,
    skip_zero_waits: bool = False,
) -> T:
    """The first outcome of `attempt(n)` (n = 1, 2, …) that is not a Retry.

    Between attempts it sleeps the Retry's delay (not at all for a zero delay when
    `skip_zero_waits`). After `policy.max_attempts` it raises
    `give_up("gave up after N attempts: <last reason>")`.
    """
    last_reason = ""
    for number in range(1, policy.max_attempts + 1):
        outcome = attempt(number)
        if not isinstance(outcome, Retry):
            return outcome
        last_reason = outcome.reason
        if number < policy.max_attempts and (not skip_zero_waits or outcome.delay_s > 0):
            sleep(outcome.delay_s)
    raise give_up(f"gave up after {policy.max_attempts} attempts: {last_reason}")
