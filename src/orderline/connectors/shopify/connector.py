"""ShopifyConnector: the Connector protocol for Shopify webhooks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from orderline.clock import system_clock
from orderline.config.platforms.shopify import ShopifyStoreConfig
from orderline.connectors.base import Clock, Delivery, DeliveryMeta, Headers, MappedDelivery, OrderResolver
from orderline.connectors.shopify.delivery_meta import HMAC, SHOP_DOMAIN, header, read_delivery_meta
from orderline.connectors.shopify.fields import as_object
from orderline.connectors.shopify.graphql_orders import IMPORT_TOPIC, map_order_node
from orderline.connectors.shopify.mapping import map_shopify_delivery
from orderline.connectors.shopify.signature import is_signed_by_any
from orderline.domain.vocabulary import Platform


class ShopifyConnector:
    """Stateless; one instance serves every Shopify store. Shopify bodies carry everything
    mapping needs, so neither `stores` (Orderline store id -> its configuration) nor
    `clock` is kept: they are taken for the shape every connector shares. (Stateless also
    keeps it cheap to pickle for the import's worker processes.)"""

    platform: str = Platform.SHOPIFY.value
    fetches: bool = False

    def __init__(
        self, stores: Mapping[str, ShopifyStoreConfig] | None = None, *, clock: Clock = system_clock
    ) -> None:
        del stores, clock

    def store_identity(self, headers: Headers, payload: Any) -> str | None:
        """The shop's `*.myshopify.com` domain; Shopify bodies do not carry it."""
        domain = header(headers, SHOP_DOMAIN)
        return domain.lower() if domain else None

    def verify(self, headers: Headers, body: bytes, secrets: Sequence[str]) -> bool:
        return is_signed_by_any(header(headers, HMAC), body, secrets)

    def delivery_meta(self, headers: Headers, body: bytes) -> DeliveryMeta:
        """Raises PayloadError when the topic header is missing."""
        return read_delivery_meta(headers, body)

    def map_delivery(self, delivery: Delivery, resolver: OrderResolver) -> MappedDelivery:
        if delivery.topic == IMPORT_TOPIC:
            return map_api_order(delivery.store_id, delivery.payload)
        return map_shopify_delivery(delivery, resolver)


def map_api_order(store_id: str, node: Any) -> MappedDelivery:
    """Facts from one Order node of the GraphQL Admin API (stored raw by an import).

    `store_id` is the store it was fetched from; the facts themselves do not carry it.
    """
    facts = map_order_node(as_object(node, f"{IMPORT_TOPIC} body of store {store_id}"))
    return MappedDelivery(order_id=facts[0].order_id, facts=tuple(facts))
