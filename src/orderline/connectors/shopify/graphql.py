"""One GraphQL call to the Shopify Admin API, with Shopify's rate limits respected.

Retried: transport errors, HTTP 429 and 5xx (waiting `Retry-After` when sent), and
GraphQL `THROTTLED` errors (waiting until the leaky bucket holds the query's cost,
from `extensions.cost.throttleStatus`). Anything else fails at once. Waiting goes
through an injected `sleep`, so tests and backtests never wait for real.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from orderline.connectors.responses import json_of
from orderline.connectors.retry import Retry, RetryPolicy, status_retry, transport_retry, with_retries

__all__ = ["DEFAULT_API_VERSION", "AdminApiSettings", "GraphQLEndpoint", "RetryPolicy", "ShopifyApiError"]

DEFAULT_API_VERSION = "2025-01"


class ShopifyApiError(RuntimeError):
    """The Admin API refused the call, or kept failing until retries ran out."""


@dataclass(frozen=True, slots=True)
class AdminApiSettings:
    shop_domain: str
    access_token: str
    api_version: str = DEFAULT_API_VERSION
    api_base_url: str | None = None
    """Replaces `https://{shop_domain}` (e.g. a local fake); a value ending in `.json`
    is taken as the whole GraphQL endpoint."""
    timeout_s: float = 10.0
    connect_timeout_s: float = 5.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    @property
    def endpoint(self) -> str:
        base = self.api_base_url or f"https://{self.shop_domain}"
        if base.endswith(".json"):
            return base
        return f"{base.rstrip('/')}/admin/api/{self.api_version}/graphql.json"


class GraphQLEndpoint:
    def __init__(
        self, settings: AdminApiSettings, http: httpx.Client, sleep: Callable[[float], None]
    ) -> None:
        self._settings = settings
        self._http = http
        self._sleep = sleep

    def query(self, document: str, variables: Mapping[str, Any]) -> dict[str, Any]:
        """The `data` of a successful response."""
        return with_retries(
            self._settings.retry,
            lambda attempt: self._attempt(document, variables, attempt),
            self._sleep,
            lambda reason: ShopifyApiError(f"{self._settings.shop_domain}: {reason}"),
        )

    def _attempt(self, document: str, variables: Mapping[str, Any], attempt: int) -> dict[str, Any] | Retry:
        backoff = self._settings.retry.backoff_s(attempt)
        try:
            response = self._http.post(
                self._settings.endpoint,
                json={"query": document, "variables": dict(variables)},
                headers={"X-Shopify-Access-Token": self._settings.access_token},
                timeout=httpx.Timeout(self._settings.timeout_s, connect=self._settings.connect_timeout_s),
            )
        except httpx.TransportError as exc:
            return transport_retry(exc, backoff)
        if response.status_code == 429 or response.status_code >= 500:
            return status_retry(response, backoff)
        if response.status_code != 200:
            raise ShopifyApiError(
                f"{self._settings.shop_domain}: HTTP {response.status_code}: {response.text[:300]}"
            )
        return _data_or_retry(
            _json_body(response, self._settings.shop_domain), backoff, self._settings.shop_domain
        )


def _json_body(response: httpx.Response, shop: str) -> dict[str, Any]:
    try:
        body = json_of(response)
    except ValueError:
        raise ShopifyApiError(f"{shop}: response is not JSON: {response.text[:300]}") from None
    if not isinstance(body, dict):
        raise ShopifyApiError(f"{shop}: response is not a JSON object")
    return body


def _data_or_retry(body: dict[str, Any], backoff: float, shop: str) -> dict[str, Any] | Retry:
    errors = body.get("errors")
    if errors:
        if _is_throttled(errors):
            return Retry(_throttle_wait_s(body) or backoff, "THROTTLED")
        raise ShopifyApiError(f"{shop}: GraphQL errors: {_messages(errors)}")
    data = body.get("data")
    if not isinstance(data, dict):
        raise ShopifyApiError(f"{shop}: response has no data")
    return data


def _is_throttled(errors: Any) -> bool:
    if not isinstance(errors, list):
        return False
    for error in errors:
        extensions = error.get("extensions") if isinstance(error, dict) else None
        if isinstance(extensions, dict) and extensions.get("code") == "THROTTLED":
            return True
    return False


def _throttle_wait_s(body: dict[str, Any]) -> float | None:
    """Seconds until the bucket refills enough for the query (cost / restore rate)."""
    try:
        cost = body["extensions"]["cost"]
        requested = float(cost["requestedQueryCost"])
        available = float(cost["throttleStatus"]["currentlyAvailable"])
        restore_rate = float(cost["throttleStatus"]["restoreRate"])
    except (KeyError, TypeError, ValueError):
        return None
    if restore_rate <= 0:
        return None
    return max(0.0, requested - available) / restore_rate


def _messages(errors: Any) -> str:
    if not isinstance(errors, list):
        return str(errors)[:300]
    return "; ".join(str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors)[:300]
