"""ShopifyAdminClient: the GraphQL Admin API calls Orderline needs.

Resolving the order of a fulfillment order (hold payloads are thin) and reading the
orders updated since a point in time through a bulk operation (backfill and
reconciliation; `bulk` says why not cursor pages). The HTTP client is injected (or
built from an injected transport), so tests run against `httpx.MockTransport` and
nothing here reads the clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

import httpx

from orderline.connectors.shopify import bulk
from orderline.connectors.shopify.graphql import AdminApiSettings, GraphQLEndpoint, ShopifyApiError

MAX_PAGE_SIZE = 250
"""Orders per page handed on by `orders_updated_since`."""
FIRST_POLL_S = 0.1
MAX_POLL_S = 5.0
"""A bulk operation is polled after 0.1 s, then twice as long each time, up to this."""
CHUNK_BYTES = 1 << 16

FULFILLMENT_ORDER_ORDER = """
query FulfillmentOrderOrder($id: ID!) {
  fulfillmentOrder(id: $id) { order { id legacyResourceId } }
}
"""


ORDERS_COUNT = """
query OrdersPlaced($query: String!) {
  ordersCount(query: $query, limit: null) { count precision }
}
"""
"""`limit: null`: an exact count (the default stops at 10,000 and says AT_LEAST)."""


@dataclass(frozen=True, slots=True)
class OrdersPage:
    orders: tuple[dict[str, Any], ...]
    """Order nodes as the API returned them (see `bulk` for the fields)."""
    has_next_page: bool


class ShopifyAdminClient:
    """One shop's Admin API. Pass `http` as an `httpx.Client` (kept open; yours to
    close) or an `httpx.BaseTransport` (a client is built around it and closed by
    `close()`); without it a real client with the settings' timeouts is built.
    `on_bulk_status` hears each poll of a bulk operation: its status and how many
    objects Shopify has written so far (a large shop's history takes minutes)."""

    def __init__(
        self,
        settings: AdminApiSettings,
        *,
        http: httpx.Client | httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        on_bulk_status: Callable[[str, int], None] | None = None,
    ) -> None:
        self._owns_http = not isinstance(http, httpx.Client)
        client = http if isinstance(http, httpx.Client) else httpx.Client(transport=http)
        self._http = client
        self._settings = settings
        self._shop = settings.shop_domain
        self._sleep = sleep
        self._on_bulk_status = on_bulk_status
        self._endpoint = GraphQLEndpoint(settings, client, sleep)

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> ShopifyAdminClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def order_for_fulfillment_order(self, fulfillment_order_id: str) -> str | None:
        """The numeric order id of a fulfillment order (numeric or gid), or None if unknown."""
        fo_gid = _gid("FulfillmentOrder", fulfillment_order_id)
        data = self._endpoint.query(FULFILLMENT_ORDER_ORDER, {"id": fo_gid})
        fulfillment_order = data.get("fulfillmentOrder")
        if not isinstance(fulfillment_order, dict) or not isinstance(fulfillment_order.get("order"), dict):
            return None
        order = fulfillment_order["order"]
        legacy_id = order.get("legacyResourceId")
        if legacy_id is not None:
            return str(legacy_id)
        order_gid = order.get("id")
        return _gid_tail(order_gid) if isinstance(order_gid, str) else None

    def orders_placed(self, start: datetime, end: datetime) -> int:
        """How many orders were created from `start` up to (not including) `end`: the
        reconciliation's daily count check."""
        search = f"created_at:>='{_search_timestamp(start)}' AND created_at:<'{_search_timestamp(end)}'"
        data = self._endpoint.query(ORDERS_COUNT, {"query": search})
        counted = data.get("ordersCount")
        count = counted.get("count") if isinstance(counted, dict) else None
        if isinstance(count, bool) or not isinstance(count, int):
            raise ShopifyApiError(f"{self._shop}: ordersCount answered without a count")
        return count

    def orders_updated_since(self, since: datetime, page_size: int = MAX_PAGE_SIZE) -> Iterator[OrdersPage]:
        """Pages of `page_size` orders updated after `since`, read through a bulk operation
        (see `bulk`): started, polled until Shopify has written the file, downloaded."""
        if page_size < 1:
            raise ValueError(f"page_size must be at least 1, got {page_size}")
        search = f"updated_at:>'{_search_timestamp(since)}'"
        url = self._wait_for_bulk(self._start_bulk(bulk.orders_query(search)))
        if url is None:
            return  # completed without a file: no order matched
        page: list[dict[str, Any]] = []
        for order in bulk.assemble_orders(self._download(url)):
            if len(page) == page_size:
                yield OrdersPage(tuple(page), has_next_page=True)
                page = []
            page.append(order)
        if page:
            yield OrdersPage(tuple(page), has_next_page=False)

    def _start_bulk(self, query: str) -> str:
        data = self._endpoint.query(bulk.RUN_BULK_QUERY, {"query": query})
        payload = data.get("bulkOperationRunQuery") or {}
        errors = payload.get("userErrors") or []
        if errors:
            messages = "; ".join(str(error.get("message")) for error in errors if isinstance(error, dict))
            raise ShopifyApiError(f"{self._shop}: bulk query refused: {messages}")
        operation = payload.get("bulkOperation") or {}
        if not isinstance(operation.get("id"), str):
            raise ShopifyApiError(f"{self._shop}: bulkOperationRunQuery returned no operation")
        return str(operation["id"])

    def _wait_for_bulk(self, operation_id: str) -> str | None:
        """The result file's URL once the operation completed (None: no result)."""
        wait = FIRST_POLL_S
        while True:
            operation = self._endpoint.query(bulk.BULK_OPERATION, {"id": operation_id}).get("node") or {}
            status = operation.get("status")
            if self._on_bulk_status is not None:
                count = str(operation.get("objectCount"))  # UnsignedInt64: a string
                self._on_bulk_status(str(status), int(count) if count.isdigit() else 0)
            if status == "COMPLETED":
                url = operation.get("url")
                return url if isinstance(url, str) else None
            if status not in bulk.RUNNING:
                code = operation.get("errorCode")
                ended = f"{status} ({code})" if code else str(status)
                raise ShopifyApiError(f"{self._shop}: bulk operation {operation_id} ended {ended}")
            self._sleep(wait)
            wait = min(MAX_POLL_S, wait * 2)

    def _download(self, url: str) -> Iterator[bytes]:
        """The result file's lines. The URL is signed; the access token is not sent."""
        timeout = httpx.Timeout(self._settings.timeout_s, connect=self._settings.connect_timeout_s)
        try:
            with self._http.stream("GET", url, timeout=timeout) as response:
                if response.status_code != 200:
                    raise ShopifyApiError(f"{self._shop}: bulk result download: HTTP {response.status_code}")
                rest = b""
                for chunk in response.iter_bytes(CHUNK_BYTES):
                    *lines, rest = (rest + chunk).split(b"\n")
                    yield from lines
                if rest:
                    yield rest
        except httpx.TransportError as exc:
            raise ShopifyApiError(f"{self._shop}: bulk result download failed: {exc}") from exc


def _search_timestamp(since: datetime) -> str:
    aware = since if since.tzinfo is not None else since.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _gid(resource: str, resource_id: str) -> str:
    return resource_id if resource_id.startswith("gid://") else f"gid://shopify/{resource}/{resource_id}"


def _gid_tail(gid: str) -> str | None:
    tail = gid.rsplit("/", 1)[-1]
    return tail if tail.isdigit() else None
