"""BigCommerceConnector: the Connector protocol for BigCommerce webhooks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from orderline.clock import system_clock
from orderline.connectors.base import Clock, Delivery, DeliveryMeta, Headers, MappedDelivery, OrderResolver
from orderline.connectors.bigcommerce.client import BigCommerceClient
from orderline.connectors.bigcommerce.delivery_meta import read_delivery_meta, read_payload, store_hash
from orderline.connectors.bigcommerce.mapping import map_thin_delivery
from orderline.connectors.bigcommerce.rest import FetchFailed
from orderline.connectors.bigcommerce.signature import is_authentic
from orderline.domain.vocabulary import Platform


class BigCommerceConnector:
    """One instance serves every BigCommerce store.

    `stores` maps Orderline store ids to that store's API client (mapping a thin
    delivery fetches the order). `clock` is read only by `verify`, for the Standard
    Webhooks replay window.
    """

    platform: str = Platform.BIGCOMMERCE.value
    fetches: bool = True

    def __init__(
        self, stores: Mapping[str, BigCommerceClient] | None = None, *, clock: Clock = system_clock
    ) -> None:
        self._clients: Mapping[str, BigCommerceClient] = stores if stores is not None else {}
        self._clock = clock

    def store_identity(self, headers: Headers, payload: Any) -> str | None:
        """The store hash from the body's `producer` ("stores/{store_hash}")."""
        return store_hash(payload)

    def verify(self, headers: Headers, body: bytes, secrets: Sequence[str]) -> bool:
        return is_authentic(headers, body, secrets, self._clock())

    def delivery_meta(self, headers: Headers, body: bytes) -> DeliveryMeta:
        """Raises PayloadError when the body is not JSON or has no scope or created_at."""
        return read_delivery_meta(headers, body)

    def map_delivery(self, delivery: Delivery, resolver: OrderResolver) -> MappedDelivery:
        """Raises PayloadError for an unmappable body, FetchFailed (a RetryLater) when the
        store's API cannot tell us the order now."""
        payload = read_payload(delivery.payload)
        client = self._clients.get(delivery.store_id)
        if client is None:
            # A configuration gap, not a bad delivery: keep it until the store has API access.
            raise FetchFailed(f"no BigCommerce API client for store {delivery.store_id}")
        return map_thin_delivery(payload, client)
