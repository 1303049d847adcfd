"""ShopifyConnector: the Connector protocol for Shopify webhooks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from orderline.connectors.base import Delivery, DeliveryMeta, Headers, MappedDelivery, OrderResolver
from orderline.connectors.shopify.headers import HMAC, SHOP_DOMAIN, header, read_delivery_meta
from orderline.connectors.shopify.mapping import map_shopify_delivery
from orderline.connectors.shopify.signature import is_signed_by_any
from orderline.domain.vocabulary import Platform


class ShopifyConnector:
    """Stateless; one instance serves every Shopify store."""

    platform: str = Platform.SHOPIFY.value

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
        return map_shopify_delivery(delivery, resolver)
