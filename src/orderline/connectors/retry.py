"""Retrying a platform API call: the waits of a failed attempt, and the attempt loop.

Each connector decides per attempt whether to retry and how long to wait (its
platform's rate-limit signals differ); what is the same everywhere lives here: a
transport error or a 429/5xx read as a `Retry` (the policy's backoff, or `Retry-After`
when sent), and the loop that sleeps between attempts through an injected `sleep` and
gives up after the last one. The policy and the `Retry-After` reading are Orderline's
one implementation (`orderline.domain.retry`), re-exported here for the connectors.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

import httpx

from orderline.domain.retry import RetryPolicy, non_negative_number, parse_retry_after

__all__ = [
    "Retry",
    "RetryPolicy",
    "non_negative_number",
    "retry_after_s",
    "status_retry",
    "transport_retry",
    "with_retries",
]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Retry:
    """An attempt failed in a way worth retrying after `delay_s` seconds."""

    delay_s: float
    reason: str


def retry_after_s(headers: Mapping[str, str], now: datetime | None = None) -> float | None:
    """`Retry-After` in seconds; None when absent or unreadable.

    An HTTP-date is measured from `now`; without `now` it reads as None, and the caller
    falls back to its backoff.
    """
    value = headers.get("retry-after")
    return non_negative_number(value) if now is None else parse_retry_after(value, now)


def transport_retry(exc: httpx.TransportError, backoff_s: float) -> Retry:
    """A transport error (connect, read, timeout…): retry after the backoff."""
    return Retry(backoff_s, f"{type(exc).__name__}: {exc}")


def status_retry(response: httpx.Response, backoff_s: float, now: datetime | None = None) -> Retry:
    """A 429 or 5xx: retry after `Retry-After` when sent (and non-zero), else the backoff."""
    return Retry(retry_after_s(response.headers, now) or backoff_s, f"HTTP {response.status_code}")


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
        if policy.allows_another(number) and (not skip_zero_waits or outcome.delay_s > 0):
            sleep(outcome.delay_s)
    raise give_up(f"gave up after {policy.max_attempts} attempts: {last_reason}")
