"""One GET against a store's BigCommerce REST API, retried and paced.

Retried: transport errors (exponential backoff), HTTP 429 (after the quota resets,
`X-Rate-Limit-Time-Reset-Ms`) and 5xx (`Retry-After` when sent, else backoff). A 404
raises NotFound; a 204 (BigCommerce's answer for an empty collection) reads as None.
Anything else that is not a 200 with a JSON body, and anything still failing when the
attempts run out, raises FetchFailed: the delivery being mapped stays in the inbox and
is tried again later, so nothing is lost while the API is down, throttled or refusing
our token.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from orderline.connectors.base import RetryLater
from orderline.connectors.bigcommerce.limiter import RateQuota, RequestLimiter

DEFAULT_API_BASE = "https://api.bigcommerce.com/stores/{store_hash}"


class FetchFailed(RetryLater):
    """The BigCommerce API could not tell us the order's state now; try again later."""


class NotFound(LookupError):
    """HTTP 404: the resource (usually the order) does not exist, or no longer does."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 5
    base_delay_s: float = 1.0
    max_delay_s: float = 60.0

    def backoff_s(self, attempt: int) -> float:
        """Exponential delay after failed attempt number `attempt` (1-based)."""
        return float(min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1)))


@dataclass(frozen=True, slots=True)
class ApiSettings:
    store_hash: str
    api_token: str
    api_base_url: str | None = None
    """Replaces `https://api.bigcommerce.com/stores/{store_hash}` (e.g. a local fake)."""
    timeout_s: float = 10.0
    connect_timeout_s: float = 5.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    quota: RateQuota = field(default_factory=RateQuota)

    @property
    def base_url(self) -> str:
        base = self.api_base_url or DEFAULT_API_BASE.format(store_hash=self.store_hash)
        return base.rstrip("/")


@dataclass(frozen=True, slots=True)
class _Retry:
    delay_s: float
    reason: str


@dataclass(frozen=True, slots=True)
class _Body:
    value: Any


class RestApi:
    def __init__(
        self,
        settings: ApiSettings,
        http: httpx.Client,
        sleep: Callable[[float], None],
        clock: Callable[[], float],
    ) -> None:
        self._settings = settings
        self._http = http
        self._sleep = sleep
        self._limiter = RequestLimiter(settings.quota, clock, sleep)
        self._headers = {"X-Auth-Token": settings.api_token, "Accept": "application/json"}
        self._timeout = httpx.Timeout(settings.timeout_s, connect=settings.connect_timeout_s)

    def get(self, path: str, params: Mapping[str, str | int] | None = None) -> Any:
        """The parsed JSON body; None for a 204. Raises NotFound (404) or FetchFailed."""
        policy = self._settings.retry
        last_reason = ""
        for attempt in range(1, policy.max_attempts + 1):
            outcome = self._attempt(path, params, attempt)
            if isinstance(outcome, _Body):
                return outcome.value
            last_reason = outcome.reason
            if attempt < policy.max_attempts and outcome.delay_s > 0:
                self._sleep(outcome.delay_s)
        raise FetchFailed(f"{self._where(path)}: gave up after {policy.max_attempts} attempts: {last_reason}")

    def _attempt(self, path: str, params: Mapping[str, str | int] | None, attempt: int) -> _Body | _Retry:
        backoff = self._settings.retry.backoff_s(attempt)
        self._limiter.wait_turn()
        try:
            response = self._http.get(
                self._settings.base_url + path, params=params, headers=self._headers, timeout=self._timeout
            )
        except httpx.TransportError as exc:
            return _Retry(backoff, f"{type(exc).__name__}: {exc}")
        reset_s = self._limiter.observe(response.headers, response.status_code == 429)
        if response.status_code == 429:
            # The limiter already holds the next request until the quota resets.
            return _Retry(0.0 if reset_s is not None else backoff, "HTTP 429")
        if response.status_code >= 500:
            return _Retry(_retry_after_s(response) or backoff, f"HTTP {response.status_code}")
        if response.status_code == 404:
            raise NotFound(self._where(path))
        if response.status_code == 204:
            return _Body(None)
        if response.status_code != 200:
            raise FetchFailed(f"{self._where(path)}: HTTP {response.status_code}: {response.text[:300]}")
        try:
            return _Body(response.json())
        except ValueError:
            raise FetchFailed(f"{self._where(path)}: response is not JSON: {response.text[:300]}") from None

    def _where(self, path: str) -> str:
        return f"store {self._settings.store_hash}: GET {path}"


def _retry_after_s(response: httpx.Response) -> float | None:
    # Seconds only; an HTTP-date would need the wall clock, so it falls back to the backoff.
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None
