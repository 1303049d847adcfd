"""WooCommerce: webhook verification (and the save-time ping), delivery metadata,
mapping REST v3 order snapshots to canonical facts, and the REST client for backfill and
reconciliation.

Modules: `signature` (HMAC, ping), `headers` (delivery headers, dedupe key), `statuses`
(Woo statuses -> meanings -> payment), `settings` (per-store status map and backorder
meta key), `order_view` (the parsed order), `orders` / `shipments` / `holds` (mappers),
`mapping` (topic dispatch), `connector` (the Connector), `client` (REST API).
"""

from orderline.connectors.woocommerce.client import (
    RetryPolicy,
    WooApiSettings,
    WooCommerceApiError,
    WooCommerceClient,
)
from orderline.connectors.woocommerce.connector import WooCommerceConnector
from orderline.connectors.woocommerce.settings import WooStoreSettings
from orderline.connectors.woocommerce.shipments import map_fulfillment
from orderline.connectors.woocommerce.statuses import MAPPABLE_STATUSES

__all__ = [
    "MAPPABLE_STATUSES",
    "RetryPolicy",
    "WooApiSettings",
    "WooCommerceApiError",
    "WooCommerceClient",
    "WooCommerceConnector",
    "WooStoreSettings",
    "map_fulfillment",
]
