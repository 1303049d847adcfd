"""Shopify: webhook verification, delivery metadata, mapping to canonical facts, and
the GraphQL Admin API client for resolution, backfill and reconciliation.

Modules (the roles every platform package has, see `orderline.connectors`):
`plugin` (`PLATFORM`), `connector`, `signature` (HMAC), `delivery_meta` (delivery
headers), `mapping` (topic dispatch), `orders` / `shipments` (fulfillments) / `holds`
(fulfillment-order holds) / `refunds` (payload mappers), `statuses` (Shopify
vocabularies -> canonical), `fields`, `client` (Admin API), `history` (import),
`writeback` (Orderline's holds on fulfillment orders).
Shopify's own: `risk` (risk assessments), `graphql` (one Admin API call),
`graphql_orders` (Admin API order nodes), `bulk` (bulk operations), `resolver`
(OrderResolver over the Admin API).
"""

from orderline.connectors.shopify.client import OrdersPage, ShopifyAdminClient
from orderline.connectors.shopify.connector import ShopifyConnector
from orderline.connectors.shopify.graphql import AdminApiSettings, RetryPolicy, ShopifyApiError
from orderline.connectors.shopify.plugin import PLATFORM
from orderline.connectors.shopify.resolver import AdminApiOrderResolver

__all__ = [
    "PLATFORM",
    "AdminApiOrderResolver",
    "AdminApiSettings",
    "OrdersPage",
    "RetryPolicy",
    "ShopifyAdminClient",
    "ShopifyApiError",
    "ShopifyConnector",
]
