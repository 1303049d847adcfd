"""Which Shopify topic carries what: the dispatch from topic to mapper."""

from __future__ import annotations

from orderline.connectors.base import Delivery, MappedDelivery, OrderResolver
from orderline.connectors.shopify.fields import as_object
from orderline.connectors.shopify.holds import HOLD_RELEASED, PLACED_ON_HOLD, map_hold_delivery
from orderline.connectors.shopify.orders import map_order
from orderline.connectors.shopify.refunds import map_refund
from orderline.connectors.shopify.risk import RISK_TOPIC, map_risk_assessment
from orderline.connectors.shopify.shipments import map_fulfillment

ORDER_TOPICS = frozenset(
    {
        "orders/create",
        "orders/updated",
        "orders/paid",
        "orders/cancelled",
        "orders/fulfilled",
        "orders/partially_fulfilled",
    }
)
FULFILLMENT_TOPICS = frozenset({"fulfillments/create", "fulfillments/update"})
REFUND_TOPICS = frozenset({"refunds/create"})
HOLD_TOPICS = frozenset({PLACED_ON_HOLD, HOLD_RELEASED})
# Stored and acknowledged, but not mapped yet (each says why).
DEFERRED_TOPICS: dict[str, str] = {"orders/delete": "orders/delete not mapped yet"}


def map_shopify_delivery(delivery: Delivery, resolver: OrderResolver) -> MappedDelivery:
    topic = delivery.topic
    if topic in DEFERRED_TOPICS:
        return MappedDelivery(order_id=None, ignored=DEFERRED_TOPICS[topic])
    if topic not in ORDER_TOPICS | FULFILLMENT_TOPICS | REFUND_TOPICS | HOLD_TOPICS | {RISK_TOPIC}:
        return MappedDelivery(order_id=None, ignored=f"unknown topic {topic}")
    body = as_object(delivery.payload, f"{topic} body")
    if topic == RISK_TOPIC:
        return map_risk_assessment(delivery, body)
    if topic in ORDER_TOPICS:
        facts = map_order(body)
        return MappedDelivery(order_id=facts[0].order_id, facts=tuple(facts))
    if topic in FULFILLMENT_TOPICS:
        shipment = map_fulfillment(body)
        return MappedDelivery(order_id=shipment.order_id, facts=(shipment,))
    if topic in REFUND_TOPICS:
        refund = map_refund(body)
        return MappedDelivery(order_id=refund.order_id, facts=(refund,))
    return map_hold_delivery(delivery, body, resolver)
