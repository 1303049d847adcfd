"""Deterministic Shopify webhook traffic for one or many orders.

`generate_order_history` tells one order's story as the webhooks Shopify sends;
`delivery_faults` replays a history the way Shopify delivers it on a bad day.
"""

from orderline.simulation.shopify.faults import delivery_faults
from orderline.simulation.shopify.history import generate_order_history
from orderline.simulation.shopify.webhook import API_VERSION, ShopifyWebhook

__all__ = ["API_VERSION", "ShopifyWebhook", "delivery_faults", "generate_order_history"]
