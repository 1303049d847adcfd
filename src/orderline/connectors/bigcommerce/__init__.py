"""BigCommerce: webhook verification, delivery metadata, mapping thin deliveries to
canonical facts by fetching the order, and the REST client for backfill.

Modules (the roles every platform package has, see `orderline.connectors`):
`plugin` (`PLATFORM`), `connector`, `signature` (Standard Webhooks and the shared-secret
header), `delivery_meta` (the thin body, delivery metadata), `mapping` (scope dispatch
and the fetch), `orders` / `shipments` / `holds` (from the status) / `refunds` (resource
mappers), `statuses` (status ids -> canonical), `fields`, `client` (the REST API),
`history` (import), `writeback` (Orderline's holds as a status and a staff note).
BigCommerce's own: `rest` (one paced GET) and `limiter` (the quota).
"""

from orderline.connectors.bigcommerce.client import BigCommerceClient
from orderline.connectors.bigcommerce.connector import BigCommerceConnector
from orderline.connectors.bigcommerce.limiter import RateQuota
from orderline.connectors.bigcommerce.plugin import PLATFORM
from orderline.connectors.bigcommerce.rest import ApiSettings, FetchFailed, NotFound, RetryPolicy
from orderline.connectors.bigcommerce.signature import SHARED_SECRET_HEADER

__all__ = [
    "PLATFORM",
    "SHARED_SECRET_HEADER",
    "ApiSettings",
    "BigCommerceClient",
    "BigCommerceConnector",
    "FetchFailed",
    "NotFound",
    "RateQuota",
    "RetryPolicy",
]
