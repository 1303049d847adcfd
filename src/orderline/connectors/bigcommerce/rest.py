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
from orderline.connectors.responses import json_of
from orderline.connectors.retry import Retry, RetryPolicy, status_retry, transport_retry, with_retries

__all__ = ["DEFAULT_API_BASE", "ApiSettings", "FetchFailed", "NotFound", "RestApi", "RetryPolicy"]

DEFAULT_API_BASE = "https://api.bigcommerce.com/stores/{store_hash}"


class FetchFailed(RetryLater):
    """The BigCommerce API could not tell us the order's state now; try again later."""


class NotFound(LookupError):
    """HTTP 404: the resource (usually the order) does not exist, or no longer does."""


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
        return self.send("GET", path, params)

    def send(
        self, method: str, path: str, params: Mapping[str, str | int] | None = None, json: Any = None
    ) -> Any:
        """`get` for any method, with `json` as the request body (hooks are created with POST
        and re-activated with PUT); paced and retried the same way."""
        body = with_retries(
            self._settings.retry,
            lambda attempt: self._attempt(method, path, params, json, attempt),
            self._sleep,
            lambda reason: FetchFailed(f"{self._where(path, method)}: {reason}"),
            # After a 429 the limiter already holds the next request; no extra wait.
            skip_zero_waits=True,
        )
        return body.value

    def _attempt(
        self, method: str, path: str, params: Mapping[str, str | int] | None, json: Any, attempt: int
    ) -> _Body | Retry:
        backoff = self._settings.retry.backoff_s(attempt)
        self._limiter.wait_turn()
        try:
            response = self._http.request(
                method, self._settings.base_url + path, params=params, json=json, headers=self._headers,
                timeout=self._timeout,
            )  # fmt: skip
        except httpx.TransportError as exc:
            return transport_retry(exc, backoff)
        reset_s = self._limiter.observe(response.headers, response.status_code == 429)
        if response.status_code == 429:
            # The limiter already holds the next request until the quota resets.
            return Retry(0.0 if reset_s is not None else backoff, "HTTP 429")
        if response.status_code >= 500:
            return status_retry(response, backoff)
        if response.status_code == 404:
            raise NotFound(self._where(path, method))
        if response.status_code == 204:
            return _Body(None)
        if response.status_code not in (200, 201):
            raise FetchFailed(
                f"{self._where(path, method)}: HTTP {response.status_code}: {response.text[:300]}"
            )
        try:
            return _Body(json_of(response))
        except ValueError:
            raise FetchFailed(
                f"{self._where(path, method)}: response is not JSON: {response.text[:300]}"
            ) from None

    def _where(self, path: str, method: str = "GET") -> str:
        return f"store {self._settings.store_hash}: {method} {path}"
