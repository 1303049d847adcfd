"""Shopify: webhook verification, delivery metadata, mapping to canonical facts, and
the GraphQL Admin API client for resolution, backfill and reconciliation.

Modules: `signature` (HMAC), `headers` (delivery headers), `statuses` (Shopify
vocabularies -> canonical), `orders` / `fulfillments` / `refunds` / `holds` (payload
mappers), `mapping` (topic dispatch), `connector` (the Connector), `graphql` and
`client` (Admin API), `resolver` (OrderResolver over the Admin API).
"""

from orderline.connectors.shopify.client import OrdersPage, ShopifyAdminClient
from orderline.connectors.shopify.connector import ShopifyConnector
from orderline.connectors.shopify.graphql import AdminApiSettings, RetryPolicy, ShopifyApiError
from orderline.connectors.shopify.resolver import AdminApiOrderResolver

__all__ = [
    "AdminApiOrderResolver",
    "AdminApiSettings",
    "OrdersPage",
    "RetryPolicy",
    "ShopifyAdminClient",
    "ShopifyApiError",
    "ShopifyConnector",
]
