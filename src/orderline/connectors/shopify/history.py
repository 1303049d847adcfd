"""A shop's order history as import deliveries: each Admin API order node, as read
through a bulk operation (`client`), stored under the topic `import/order`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, Protocol

import orjson

from orderline.connectors.base import Clock
from orderline.connectors.history import ImportedDelivery, import_key
from orderline.connectors.shopify.client import MAX_PAGE_SIZE, OrdersPage
from orderline.connectors.shopify.graphql_orders import IMPORT_TOPIC
from orderline.domain.vocabulary import Platform


class OrderPages(Protocol):
    """Orders updated since a moment, in pages (ShopifyAdminClient)."""

    def orders_updated_since(self, since: datetime, page_size: int = ...) -> Iterator[OrdersPage]: ...


class ShopifyHistory:
    """A shop's orders updated after a moment. Each delivery maps from its node alone,
    so the import writes orders new to Orderline already folded."""

    platform = Platform.SHOPIFY.value
    imports_in_bulk = True

    def __init__(self, client: OrderPages, page_size: int = MAX_PAGE_SIZE) -> None:
        self._client = client
        self._page_size = page_size

    def pages(self, since: datetime, clock: Clock) -> Iterator[list[ImportedDelivery]]:
        for page in self._client.orders_updated_since(since, self._page_size):
            yield deliveries(page, clock())


def deliveries(page: OrdersPage, received_at: datetime) -> list[ImportedDelivery]:
    """A page of Admin API order nodes as `import/order` deliveries, received at `received_at`."""
    result = []
    for node in page.orders:
        body = orjson.dumps(node)
        result.append(ImportedDelivery(IMPORT_TOPIC, dedupe_key(node, body), body, received_at))
    return result


def dedupe_key(node: dict[str, Any], body: bytes) -> str:
    """`import:{order id}:{updatedAt}` of an order node: one delivery per version of an order.

    A node without either (the mapping will dead-letter it) is keyed by its content.
    """
    order_ref, version = node.get("legacyResourceId") or node.get("id"), node.get("updatedAt")
    if order_ref is not None:
        order_ref = str(order_ref).rsplit("/", 1)[-1]
    return import_key(order_ref, version if isinstance(version, str) else None, body)
