"""BigCommerce: webhook verification, delivery metadata, mapping thin deliveries to
canonical facts by fetching the order, and the REST client for backfill.

Modules: `signature` (Standard Webhooks and the shared-secret header), `payload` (the
thin body, delivery metadata), `statuses` (status ids -> canonical), `orders` /
`shipments` / `refunds` (resource mappers), `mapping` (scope dispatch and the fetch),
`connector` (the Connector), `rest` / `limiter` / `client` (the REST API).
"""

from orderline.connectors.bigcommerce.client import BigCommerceClient
from orderline.connectors.bigcommerce.connector import BigCommerceConnector
from orderline.connectors.bigcommerce.limiter import RateQuota
from orderline.connectors.bigcommerce.rest import ApiSettings, FetchFailed, NotFound, RetryPolicy
from orderline.connectors.bigcommerce.signature import SHARED_SECRET_HEADER

__all__ = [
    "SHARED_SECRET_HEADER",
    "ApiSettings",
    "BigCommerceClient",
    "BigCommerceConnector",
    "FetchFailed",
    "NotFound",
    "RateQuota",
    "RetryPolicy",
]
