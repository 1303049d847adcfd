"""ShopifyAdminClient: the GraphQL Admin API calls Orderline needs.

Resolving the order of a fulfillment order (hold payloads are thin) and paging
through orders updated since a point in time (backfill and reconciliation). The
HTTP client is injected (or built from an injected transport), so tests run
against `httpx.MockTransport` and nothing here reads the clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

import httpx

from orderline.connectors.shopify.graphql import AdminApiSettings, GraphQLEndpoint, ShopifyApiError

MAX_PAGE_SIZE = 250

FULFILLMENT_ORDER_ORDER = """
query FulfillmentOrderOrder($id: ID!) {
  fulfillmentOrder(id: $id) { order { id legacyResourceId } }
}
"""

# Everything `graphql_orders.map_order_node` reads. Nested lists stop at their `first`
# (a Shopify order rarely comes near them; what lies beyond is not imported).
ORDERS_UPDATED_SINCE = """
query OrdersUpdatedSince($first: Int!, $after: String, $query: String!) {
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id legacyResourceId name email createdAt processedAt updatedAt cancelledAt cancelReason
      displayFinancialStatus displayFulfillmentStatus currencyCode tags
      totalPriceSet { shopMoney { amount currencyCode } }
      shippingAddress {
        name firstName lastName company address1 address2 city province zip countryCodeV2 phone
      }
      lineItems(first: 100) {
        nodes { id quantity title sku originalUnitPriceSet { shopMoney { amount currencyCode } } }
      }
      fulfillments(first: 20) {
        id status displayStatus createdAt updatedAt
        trackingInfo(first: 5) { number url company }
        fulfillmentLineItems(first: 100) { nodes { lineItem { id } quantity } }
      }
      refunds(first: 20) {
        id createdAt note
        totalRefundedSet { shopMoney { amount currencyCode } }
        refundLineItems(first: 100) { nodes { lineItem { id } quantity restockType } }
      }
      fulfillmentOrders(first: 20) {
        nodes { id status updatedAt fulfillmentHolds { reason reasonNotes } }
      }
    }
  }
}
"""


@dataclass(frozen=True, slots=True)
class OrdersPage:
    orders: tuple[dict[str, Any], ...]
    """Order nodes as the API returned them (see ORDERS_UPDATED_SINCE for fields)."""
    end_cursor: str | None
    has_next_page: bool


class ShopifyAdminClient:
    """One shop's Admin API. Pass `http` as an `httpx.Client` (kept open; yours to
    close) or an `httpx.BaseTransport` (a client is built around it and closed by
    `close()`); without it a real client with the settings' timeouts is built."""

    def __init__(
        self,
        settings: AdminApiSettings,
        *,
        http: httpx.Client | httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._owns_http = not isinstance(http, httpx.Client)
        client = http if isinstance(http, httpx.Client) else httpx.Client(transport=http)
        self._http = client
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

    def orders_updated_since(self, since: datetime, page_size: int = 100) -> Iterator[OrdersPage]:
        """Pages of orders updated after `since`, oldest update first."""
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be 1..{MAX_PAGE_SIZE}, got {page_size}")
        search = f"updated_at:>'{_search_timestamp(since)}'"
        cursor: str | None = None
        while True:
            variables = {"first": page_size, "after": cursor, "query": search}
            page = _orders_page(self._endpoint.query(ORDERS_UPDATED_SINCE, variables))
            yield page
            if not page.has_next_page or page.end_cursor is None:
                return
            cursor = page.end_cursor


def _orders_page(data: dict[str, Any]) -> OrdersPage:
    connection = data.get("orders")
    if not isinstance(connection, dict):
        raise ShopifyApiError("orders query returned no orders connection")
    page_info = connection.get("pageInfo") or {}
    nodes = connection.get("nodes")
    if nodes is None:  # an `edges { node }` selection reads the same
        nodes = [edge.get("node") for edge in connection.get("edges") or []]
    return OrdersPage(
        orders=tuple(node for node in nodes if isinstance(node, dict)),
        end_cursor=page_info.get("endCursor"),
        has_next_page=bool(page_info.get("hasNextPage")),
    )


def _search_timestamp(since: datetime) -> str:
    aware = since if since.tzinfo is not None else since.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _gid(resource: str, resource_id: str) -> str:
    return resource_id if resource_id.startswith("gid://") else f"gid://shopify/{resource}/{resource_id}"


def _gid_tail(gid: str) -> str | None:
    tail = gid.rsplit("/", 1)[-1]
    return tail if tail.isdigit() else None
