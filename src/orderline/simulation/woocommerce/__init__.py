"""Deterministic WooCommerce webhook traffic for one or many orders.

`generate_order_history` tells one order's story as the saves WooCommerce would deliver;
`coalesce` drops, duplicates and shuffles them the way WooCommerce's delivery does.
"""

from orderline.simulation.woocommerce.coalesce import coalesce
from orderline.simulation.woocommerce.history import generate_order_history
from orderline.simulation.woocommerce.webhook import WooWebhook

__all__ = ["WooWebhook", "coalesce", "generate_order_history"]
