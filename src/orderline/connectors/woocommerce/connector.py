"""WooCommerceConnector: the Connector protocol for WooCommerce webhooks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from orderline.clock import system_clock
from orderline.connectors.base import Clock, Delivery, DeliveryMeta, Headers, MappedDelivery, OrderResolver
from orderline.connectors.woocommerce.delivery_meta import (
    SIGNATURE,
    SOURCE,
    header,
    is_ping,
    read_delivery_meta,
)
from orderline.connectors.woocommerce.mapping import map_woo_delivery
from orderline.connectors.woocommerce.settings import WooStoreSettings
from orderline.connectors.woocommerce.signature import is_signed_by_any
from orderline.domain.vocabulary import Platform


class WooCommerceConnector:
    """One instance serves every WooCommerce store; `stores` maps Orderline store ids to
    their mapping settings (a store not listed maps with the defaults: no status_map).
    Nothing in a Woo delivery is checked against the time, so `clock` is taken for the
    shape every connector shares and not kept."""

    platform: str = Platform.WOOCOMMERCE.value
    fetches: bool = False

    def __init__(
        self, stores: Mapping[str, WooStoreSettings] | None = None, *, clock: Clock = system_clock
    ) -> None:
        self._stores: Mapping[str, WooStoreSettings] = MappingProxyType(dict(stores or {}))
        del clock

    def store_identity(self, headers: Headers, payload: Any) -> str | None:
        """The site URL WooCommerce sends (`home_url('/')`), as sent; the ping has none."""
        return header(headers, SOURCE)

    def verify(self, headers: Headers, body: bytes, secrets: Sequence[str]) -> bool:
        """True for a body signed with any of `secrets`, and for the unsigned ping."""
        if is_ping(headers, body):
            return True
        return is_signed_by_any(header(headers, SIGNATURE), body, secrets)

    def delivery_meta(self, headers: Headers, body: bytes) -> DeliveryMeta:
        """Topic "ping" for the ping; raises PayloadError when the topic header is missing."""
        return read_delivery_meta(headers, body)

    def map_delivery(self, delivery: Delivery, resolver: OrderResolver) -> MappedDelivery:
        """Woo bodies carry their order; the resolver is never needed."""
        return map_woo_delivery(delivery, self._stores)
