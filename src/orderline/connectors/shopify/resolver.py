"""An OrderResolver that asks the Admin API of the store's shop.

Services will usually consult their own records first (an order already seen with
this fulfillment order) and fall back to this; it makes one API call per lookup.
"""

from __future__ import annotations

from collections.abc import Mapping

from orderline.connectors.shopify.client import ShopifyAdminClient


class AdminApiOrderResolver:
    def __init__(self, clients: Mapping[str, ShopifyAdminClient]) -> None:
        """`clients` maps Orderline store ids to that store's Admin API client."""
        self._clients = clients

    def order_for_fulfillment_order(self, store_id: str, fulfillment_order_id: str) -> str | None:
        client = self._clients.get(store_id)
        if client is None:
            return None
        return client.order_for_fulfillment_order(fulfillment_order_id)
