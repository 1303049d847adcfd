"""`orders/risk_assessment_changed`: Shopify's (or a risk app's) fraud verdict on an order.

A HIGH assessment holds the order for fraud review; any lower one releases that hold.
Shopify holds nothing itself on a risk verdict, so without this a high-risk order would
sail on to fulfilment unless the merchant also placed a fulfillment-order hold.

Payload (VERIFY against a live store; the Risk Assessments API replaced Order Risks in
2024-04): {"risk_level": "high"|"medium"|"low"|"none"|"pending", "order_id": …,
"admin_graphql_api_order_id": "gid://shopify/Order/…", "provider_id", "provider_title",
"created_at"}.
"""

from __future__ import annotations

from orderline.connectors.base import Delivery, MappedDelivery, PayloadError
from orderline.connectors.limits import is_numeric_id
from orderline.connectors.shopify.fields import JsonObject, delivery_time, optional_datetime, optional_str
from orderline.domain.facts import HoldPlaced, HoldsReleased
from orderline.domain.vocabulary import HoldReason

RISK_TOPIC = "orders/risk_assessment_changed"
RISK_HOLD_GROUP = "shopify-risk"
HOLDING_LEVELS = frozenset({"high"})


def map_risk_assessment(delivery: Delivery, body: JsonObject) -> MappedDelivery:
    where = f"{RISK_TOPIC} body"
    order_id = _order_id(body, where)
    level = (optional_str(body, "risk_level", where) or "").lower()
    if not level:
        raise PayloadError(f"{where}: risk_level is missing")
    at = optional_datetime(body, "created_at", where) or delivery_time(delivery)
    if level in HOLDING_LEVELS:
        provider = optional_str(body, "provider_title", where) or "Shopify"
        note = f"{provider} assessed the order's risk as {level}"
        placed = HoldPlaced(
            order_id, RISK_HOLD_GROUP, HoldReason.FRAUD_REVIEW, at, note, f"risk_level={level}"
        )
        return MappedDelivery(order_id=order_id, facts=(placed,))
    return MappedDelivery(order_id=order_id, facts=(HoldsReleased(order_id, RISK_HOLD_GROUP, at),))


def _order_id(body: JsonObject, where: str) -> str:
    raw = body.get("order_id")
    if is_numeric_id(raw):
        return str(raw)
    gid = optional_str(body, "admin_graphql_api_order_id", where)
    if gid and is_numeric_id(gid.rsplit("/", 1)[-1]):
        return gid.rsplit("/", 1)[-1]
    raise PayloadError(f"{where}: neither order_id nor admin_graphql_api_order_id names the order")
