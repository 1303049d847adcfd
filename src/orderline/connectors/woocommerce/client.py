"""WooCommerceClient: the REST v3 calls Orderline needs for backfill and reconciliation.

`GET /wp-json/wc/v3/orders?modified_after=…&dates_are_gmt=true&orderby=modified&order=asc`
page by page (`per_page` is capped at 100 by the WordPress REST convention; the page
count comes from `X-WP-TotalPages`). Authentication is the store's REST API key pair as
HTTP Basic auth, which WooCommerce accepts over HTTPS only.

WooCommerce has no rate limit of its own; the host, its WAF or a security plugin may
answer 429 or 5xx. Those and transport errors are retried with exponential backoff,
waiting `Retry-After` when it is given in seconds. Waiting goes through an injected
`sleep`, so tests never wait for real; the HTTP client is injected too.

Paging is by offset while orders keep changing: an order modified during the scan moves
to a later page (it may be seen twice, or be missed until the next window). Callers poll
with overlapping windows and upsert by (id, date_modified_gmt) (reference §2.5).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any

import httpx

from orderline.connectors.responses import json_of
from orderline.connectors.retry import Retry, RetryPolicy, status_retry, transport_retry, with_retries

__all__ = [
    "MAX_PER_PAGE",
    "ORDERS_PATH",
    "RetryPolicy",
    "WooApiSettings",
    "WooCommerceApiError",
    "WooCommerceClient",
]

MAX_PER_PAGE = 100
ORDERS_PATH = "/wp-json/wc/v3/orders"


class WooCommerceApiError(RuntimeError):
    """The REST API refused the call, or kept failing until retries ran out."""


@dataclass(frozen=True, slots=True)
class WooApiSettings:
    site_url: str
    """The store's home URL, e.g. https://shop.example/."""
    consumer_key: str
    consumer_secret: str
    api_base_url: str | None = None
    """Replaces `site_url` as the base of REST paths (e.g. a local fake)."""
    timeout_s: float = 30.0
    connect_timeout_s: float = 5.0
    per_page: int = MAX_PER_PAGE
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    def __post_init__(self) -> None:
        if not 1 <= self.per_page <= MAX_PER_PAGE:
            raise ValueError(f"per_page must be 1..{MAX_PER_PAGE}, got {self.per_page}")

    @property
    def orders_url(self) -> str:
        return (self.api_base_url or self.site_url).rstrip("/") + ORDERS_PATH


class WooCommerceClient:
    """One store's REST API. Pass `http` as an `httpx.Client` (kept open; yours to close)
    or an `httpx.BaseTransport` (a client is built around it and closed by `close()`)."""

    def __init__(
        self,
        settings: WooApiSettings,
        *,
        http: httpx.Client | httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._settings = settings
        self._owns_http = not isinstance(http, httpx.Client)
        self._http = http if isinstance(http, httpx.Client) else httpx.Client(transport=http)
        self._sleep = sleep
        self._auth = httpx.BasicAuth(settings.consumer_key, settings.consumer_secret)
        self._timeout = httpx.Timeout(settings.timeout_s, connect=settings.connect_timeout_s)

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> WooCommerceClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def orders_modified_since(self, since: datetime) -> Iterator[list[dict[str, Any]]]:
        """Pages of full v3 orders modified after `since`, least recently modified first."""
        page, total_pages = 1, 1
        while page <= total_pages:
            response = self._get(
                self._settings.orders_url, _orders_query(since, page, self._settings.per_page)
            )
            orders = _order_list(response, self._settings.site_url)
            total_pages = _total_pages(response, page, len(orders), self._settings.per_page)
            yield orders
            page += 1

    def orders_placed(self, start: datetime, end: datetime) -> int:
        """How many orders were created from `start` up to `end`: the `X-WP-Total` of a
        one-order page (the reconciliation's daily count check)."""
        params = {
            # Both bounds are exclusive (WP date_query): `after` one second early keeps an
            # order placed at `start` itself.
            "after": _gmt(start - timedelta(seconds=1)),
            "before": _gmt(end),
            "dates_are_gmt": "true",
            "per_page": "1",
        }
        response = self._get(self._settings.orders_url, params)
        total = response.headers.get("X-WP-Total", "")
        if not total.isdigit():
            raise WooCommerceApiError(f"{self._settings.site_url}: order count without X-WP-Total")
        return int(total)

    def request(self, method: str, path: str, params: dict[str, str] | None = None, body: Any = None) -> Any:
        """Another REST call under the API base (`/wp-json/wc/v3/webhooks`), retried like the
        order pages; its JSON answer (2xx). Raises WooCommerceApiError."""
        url = (self._settings.api_base_url or self._settings.site_url).rstrip("/") + path
        response = self._send(method, url, params or {}, body)
        try:
            return json_of(response)
        except ValueError:
            raise WooCommerceApiError(f"{self._settings.site_url}: {method} {path}: not JSON") from None

    def _get(self, url: str, params: dict[str, str]) -> httpx.Response:
        return self._send("GET", url, params, None)

    def _send(self, method: str, url: str, params: dict[str, str], body: Any) -> httpx.Response:
        return with_retries(
            self._settings.retry,
            lambda attempt: self._attempt(method, url, params, body, attempt),
            self._sleep,
            lambda reason: WooCommerceApiError(f"{self._settings.site_url}: {reason}"),
        )

    def _attempt(
        self, method: str, url: str, params: dict[str, str], body: Any, attempt: int
    ) -> httpx.Response | Retry:
        backoff = self._settings.retry.backoff_s(attempt)
        try:
            response = self._http.request(
                method,
                url,
                params=params,
                json=body,
                auth=self._auth,
                timeout=self._timeout,
                headers={"Accept": "application/json"},
            )
        except httpx.TransportError as exc:
            return transport_retry(exc, backoff)
        if response.status_code == 429 or response.status_code >= 500:
            return status_retry(response, backoff)
        if not 200 <= response.status_code < 300:
            raise WooCommerceApiError(f"{self._settings.site_url}: {_refusal(response)}")
        return response


def _gmt(moment: datetime) -> str:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _orders_query(since: datetime, page: int, per_page: int) -> dict[str, str]:
    return {
        "modified_after": _gmt(since),
        # Without it Woo compares `modified_after` with the site's local time.
        "dates_are_gmt": "true",
        "orderby": "modified",
        "order": "asc",
        "page": str(page),
        "per_page": str(per_page),
    }


def _order_list(response: httpx.Response, site: str) -> list[dict[str, Any]]:
    try:
        body = json_of(response)
    except ValueError:
        raise WooCommerceApiError(f"{site}: response is not JSON: {response.text[:300]}") from None
    if not isinstance(body, list) or not all(isinstance(order, dict) for order in body):
        raise WooCommerceApiError(f"{site}: expected a JSON list of orders, got {type(body).__name__}")
    return body


def _total_pages(response: httpx.Response, page: int, count: int, per_page: int) -> int:
    """X-WP-TotalPages; without it (a proxy stripped it), a short page is the last one."""
    value = response.headers.get("x-wp-totalpages")
    if value is not None and value.strip().isdigit():
        return int(value)
    return page + 1 if count == per_page else page


def _refusal(response: httpx.Response) -> str:
    """WordPress REST errors are `{"code", "message", "data": {"status"}}`."""
    try:
        body = json_of(response)
    except ValueError:
        body = None
    if isinstance(body, dict) and "code" in body:
        return f"HTTP {response.status_code} {body.get('code')}: {body.get('message', '')}"[:300]
    return f"HTTP {response.status_code}: {response.text[:300]}"
