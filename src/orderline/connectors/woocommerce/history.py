"""A WooCommerce store's order history as import deliveries: each REST v3 order exactly as
an `order.updated` webhook body carries it, keyed `import:{id}:{date_modified_gmt}`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, Protocol

import orjson

from orderline.connectors.base import Clock, PayloadError
from orderline.connectors.history import ImportedDelivery, import_key
from orderline.connectors.woocommerce.fields import parse_gmt
from orderline.domain.vocabulary import Platform

UPDATED_TOPIC = "order.updated"


class OrderPages(Protocol):
    """Pages of REST v3 orders modified after a moment (WooCommerceClient)."""

    def orders_modified_since(self, since: datetime) -> Iterator[list[dict[str, Any]]]: ...


class WooCommerceHistory:
    """A store's orders modified after a moment; the Processor maps them as it maps webhooks."""

    platform = Platform.WOOCOMMERCE.value
    imports_in_bulk = False

    def __init__(self, client: OrderPages) -> None:
        self._client = client

    def pages(self, since: datetime, clock: Clock) -> Iterator[list[ImportedDelivery]]:
        for page in self._client.orders_modified_since(since):
            received_at = clock()
            yield [delivery(order, received_at) for order in page]


def delivery(order: dict[str, Any], received_at: datetime) -> ImportedDelivery:
    """The order as the body of an `order.updated` webhook."""
    body = orjson.dumps(order)
    order_ref, version = order.get("id"), order.get("date_modified_gmt")
    modified = version if isinstance(version, str) else None
    return ImportedDelivery(
        UPDATED_TOPIC, import_key(order_ref, modified, body), body, received_at, _modified_at(modified)
    )


def _modified_at(value: str | None) -> datetime | None:
    # An ordering hint only, as for webhooks: the mapper reports a malformed date itself.
    try:
        return parse_gmt(value, "date_modified_gmt")
    except PayloadError:
        return None
