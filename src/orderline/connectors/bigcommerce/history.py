"""A BigCommerce store's order history as import deliveries: for each V2 order a thin
`store/order/updated` body naming it, as a webhook would, so processing fetches the
order, its products and shipments exactly as it does for webhooks."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

import orjson

from orderline.connectors.base import Clock
from orderline.connectors.bigcommerce.client import PAGE_LIMIT
from orderline.connectors.history import ImportedDelivery, import_key
from orderline.domain.vocabulary import Platform

UPDATED_SCOPE = "store/order/updated"


class OrderPages(Protocol):
    """Pages of V2 orders modified since a moment, and the store they belong to (BigCommerceClient)."""

    store_hash: str

    def orders_modified_since(
        self, since: datetime, page_size: int = ...
    ) -> Iterator[list[dict[str, Any]]]: ...


class BigCommerceHistory:
    """A store's orders modified since a moment; mapping each fetches it, so every one goes
    through the Processor (in the lane of platforms that fetch)."""

    platform = Platform.BIGCOMMERCE.value
    imports_in_bulk = False

    def __init__(self, client: OrderPages, page_size: int = PAGE_LIMIT) -> None:
        self._client = client
        self._page_size = page_size

    def pages(self, since: datetime, clock: Clock) -> Iterator[list[ImportedDelivery]]:
        producer = f"stores/{self._client.store_hash}"
        for page in self._client.orders_modified_since(since, self._page_size):
            received_at = clock()
            yield [delivery(producer, order, received_at) for order in page]


def delivery(producer: str, order: dict[str, Any], received_at: datetime) -> ImportedDelivery:
    """A thin `store/order/updated` body naming the order, created at its `date_modified`;
    keyed `import:{id}:{date_modified}` (the raw order's content when either is missing)."""
    order_ref, version = order.get("id"), order.get("date_modified")
    modified = _rfc2822(version)
    thin = {
        "scope": UPDATED_SCOPE,
        "data": {"type": "order", "id": order_ref},
        "created_at": int((modified or received_at).timestamp()),
        "producer": producer,
    }
    key = import_key(order_ref, version if modified is not None else None, orjson.dumps(order))
    return ImportedDelivery(UPDATED_SCOPE, key, orjson.dumps(thin), received_at, modified)


def _rfc2822(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
