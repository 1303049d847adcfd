"""WooCommerce: webhook verification (and the save-time ping), delivery metadata,
mapping REST v3 order snapshots to canonical facts, and the REST client for backfill and
reconciliation.

Modules (the roles every platform package has, see `orderline.connectors`):
`plugin` (`PLATFORM`), `connector`, `signature` (HMAC, ping), `delivery_meta` (delivery
headers, dedupe key), `mapping` (topic dispatch), `orders` / `shipments` / `holds` /
`refunds` (mappers), `statuses` (Woo statuses -> meanings -> payment), `fields`,
`client` (REST API), `history` (import), `writeback` (Orderline's holds as on-hold, meta
and a note). WooCommerce's own: `settings` (per-store status
map and backorder meta key), `order_view` (the parsed order).
"""

from orderline.connectors.woocommerce.client import (
    RetryPolicy,
    WooApiSettings,
    WooCommerceApiError,
    WooCommerceClient,
)
from orderline.connectors.woocommerce.connector import WooCommerceConnector
from orderline.connectors.woocommerce.plugin import PLATFORM
from orderline.connectors.woocommerce.settings import WooStoreSettings
from orderline.connectors.woocommerce.shipments import map_fulfillment
from orderline.connectors.woocommerce.statuses import MAPPABLE_STATUSES

__all__ = [
    "MAPPABLE_STATUSES",
    "PLATFORM",
    "RetryPolicy",
    "WooApiSettings",
    "WooCommerceApiError",
    "WooCommerceClient",
    "WooCommerceConnector",
    "WooStoreSettings",
    "map_fulfillment",
]
