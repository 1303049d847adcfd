"""BigCommerceClient: the REST calls Orderline makes against one store.

Thin webhooks carry ids only, so mapping a delivery fetches the order and its products,
shipments and (when money went back) refunds. Backfill and reconciliation page through
orders modified since a point in time. The HTTP client is injected (or built from an
injected transport), and so are sleep and the monotonic clock: tests run against
`httpx.MockTransport` and never wait.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from types import TracebackType
from typing import Any

import httpx

from orderline.connectors.bigcommerce.rest import ApiSettings, FetchFailed, RestApi

JsonDict = dict[str, Any]
PAGE_LIMIT = 250
"""The commonly cited V2 maximum (reference §3.5, VERIFY); the default would be 50."""


class BigCommerceClient:
    """One store's API. Pass `http` as an `httpx.Client` (kept open; yours to close) or an
    `httpx.BaseTransport` (a client is built around it and closed by `close()`)."""

    def __init__(
        self,
        settings: ApiSettings,
        *,
        http: httpx.Client | httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._owns_http = not isinstance(http, httpx.Client)
        client = http if isinstance(http, httpx.Client) else httpx.Client(transport=http)
        self._http = client
        self.store_hash = settings.store_hash
        self._api = RestApi(settings, client, sleep, clock)

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> BigCommerceClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def order(self, order_id: int) -> JsonDict:
        """`GET /v2/orders/{id}`; raises NotFound when the order does not exist (any more)."""
        body = self._api.get(f"/v2/orders/{order_id}")
        if not isinstance(body, dict):
            raise FetchFailed(f"store {self.store_hash}: order {order_id} is not a JSON object")
        return body

    def order_products(self, order_id: int) -> list[JsonDict]:
        """Every row of `GET /v2/orders/{id}/products` (paged: the default page holds 50)."""
        return [row for page in self._pages(f"/v2/orders/{order_id}/products") for row in page]

    def order_shipments(self, order_id: int) -> list[JsonDict]:
        """Every row of `GET /v2/orders/{id}/shipments`; [] when there are none (HTTP 204)."""
        return [row for page in self._pages(f"/v2/orders/{order_id}/shipments") for row in page]

    def order_refunds(self, order_id: int) -> list[JsonDict]:
        """`GET /v3/orders/{id}/payment_actions/refunds` (ordered by refund id)."""
        body = self._api.get(f"/v3/orders/{order_id}/payment_actions/refunds")
        if body is None:
            return []
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, list):
            raise FetchFailed(f"store {self.store_hash}: refunds of order {order_id} have no data list")
        return [row for row in data if isinstance(row, dict)]

    def orders_placed(self, start: datetime, end: datetime) -> int:
        """How many orders were created from `start` up to (not including) `end`, by
        `GET /v2/orders/count` (the reconciliation's daily count check). Its date filters
        take whole seconds and include both ends (VERIFY), so the last second before `end`
        is sent."""
        params = {
            "min_date_created": _rfc2822(start),
            "max_date_created": _rfc2822(end - timedelta(seconds=1)),
        }
        body = self._api.get("/v2/orders/count", params)
        count = body.get("count") if isinstance(body, dict) else None
        if isinstance(count, bool) or not isinstance(count, int):
            raise FetchFailed(f"store {self.store_hash}: the order count has no count")
        return count

    def orders_modified_since(self, since: datetime, page_size: int = PAGE_LIMIT) -> Iterator[list[JsonDict]]:
        """Pages of orders modified at or after `since`, oldest modification first."""
        if not 1 <= page_size <= PAGE_LIMIT:
            raise ValueError(f"page_size must be 1..{PAGE_LIMIT}, got {page_size}")
        params = {"min_date_modified": _rfc2822(since), "sort": "date_modified:asc"}
        return self._pages("/v2/orders", params, page_size)

    def _pages(
        self, path: str, params: Mapping[str, str] | None = None, limit: int = PAGE_LIMIT
    ) -> Iterator[list[JsonDict]]:
        """Page-based V2 paging: an empty 204 (or an empty or short page) is the last one."""
        page = 1
        while True:
            body = self._api.get(path, {**(params or {}), "page": page, "limit": limit})
            if body is None:
                return
            if not isinstance(body, list):
                raise FetchFailed(f"store {self.store_hash}: GET {path} page {page} is not a JSON list")
            rows = [row for row in body if isinstance(row, dict)]
            if rows:
                yield rows
            if len(body) < limit:
                return
            page += 1


def _rfc2822(at: datetime) -> str:
    aware = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    return format_datetime(aware.astimezone(UTC).replace(microsecond=0))
