"""Which WooCommerce topic carries what: the dispatch from topic to mapper.

- order.created / order.updated / order.restored carry the full order: a snapshot.
- order.deleted carries only `{"id": …}` and means the order was *trashed* (it can be
  restored, and order.restored then carries the whole order again). Nothing about the
  order changed, so it is stored and kept as it is: a trashed order is not a cancelled
  one (reference §4 leaves the choice open; a permanent delete sends no webhook at all).
- The save-time ping and every other topic (products, customers, coupons, `action.*`)
  are stored and acknowledged but carry nothing for the lifecycle.
"""

from __future__ import annotations

from collections.abc import Mapping

from orderline.connectors.base import Delivery, MappedDelivery
from orderline.connectors.woocommerce.delivery_meta import PING_TOPIC
from orderline.connectors.woocommerce.fields import as_object, required_id, required_str
from orderline.connectors.woocommerce.order_view import read_order_view
from orderline.connectors.woocommerce.orders import map_order
from orderline.connectors.woocommerce.settings import WooStoreSettings
from orderline.connectors.woocommerce.statuses import DRAFT_STATUSES, TRASH_STATUS, normalise_status

SNAPSHOT_TOPICS = frozenset({"order.created", "order.updated", "order.restored"})
DELETED_TOPIC = "order.deleted"

DEFAULT_SETTINGS = WooStoreSettings()


def map_woo_delivery(delivery: Delivery, stores: Mapping[str, WooStoreSettings]) -> MappedDelivery:
    topic = delivery.topic
    if topic == PING_TOPIC:
        return MappedDelivery(order_id=None, ignored="woocommerce ping")
    if topic != DELETED_TOPIC and topic not in SNAPSHOT_TOPICS:
        return MappedDelivery(order_id=None, ignored=f"unknown topic {topic}")
    body = as_object(delivery.payload, f"{topic} body")
    order_id = required_id(body, "id", f"{topic} body")
    if topic == DELETED_TOPIC:
        return MappedDelivery(order_id=order_id, ignored="order.deleted: trashed; kept as is")
    status = normalise_status(required_str(body, "status", f"order {order_id}"))
    if status in DRAFT_STATUSES:
        return MappedDelivery(order_id=order_id, ignored="draft order")
    if status == TRASH_STATUS:
        return MappedDelivery(order_id=order_id, ignored="order in trash; kept as is")
    facts = map_order(read_order_view(body, stores.get(delivery.store_id, DEFAULT_SETTINGS)))
    return MappedDelivery(order_id=order_id, facts=tuple(facts))
