"""The canonical vocabulary of Orderline: statuses, axes, hold reasons, exception types.

Values are stable lowercase strings; they are stored and sent over the API as they are.
Display labels belong to the presentation layer.
"""

from __future__ import annotations

from enum import StrEnum


class Platform(StrEnum):
    SHOPIFY = "shopify"
    WOOCOMMERCE = "woocommerce"
    BIGCOMMERCE = "bigcommerce"


class OrderStatus(StrEnum):
    PENDING_PAYMENT = "pending_payment"
    ON_HOLD = "on_hold"
    READY_TO_FULFILL = "ready_to_fulfill"
    PARTIALLY_SHIPPED = "partially_shipped"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"
    RETURNED = "returned"


class PaymentStatus(StrEnum):
    PENDING = "pending"
    AUTHORIZED = "authorized"
    PAID = "paid"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    VOIDED = "voided"
    FAILED = "failed"


class FulfillmentStatus(StrEnum):
    UNFULFILLED = "unfulfilled"
    PARTIAL = "partial"
    FULFILLED = "fulfilled"


class DeliveryStatus(StrEnum):
    LABEL_CREATED = "label_created"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    FAILED_ATTEMPT = "failed_attempt"
    EXCEPTION = "exception"
    RETURNED_TO_SENDER = "returned_to_sender"


class ShipmentState(StrEnum):
    """Whether a shipment counts: a cancelled or failed one ships nothing."""

    ACTIVE = "active"
    CANCELLED = "cancelled"
    FAILED = "failed"


class HoldReason(StrEnum):
    PAYMENT = "payment"
    FRAUD_REVIEW = "fraud_review"
    ADDRESS = "address"
    BACKORDER = "backorder"
    CUSTOMER_REQUEST = "customer_request"
    OTHER = "other"


class ExceptionType(StrEnum):
    """The built-in exception types, by name. Everything else about a type is its spec in
    `orderline.domain.order_exceptions.registry.BUILT_IN` (same types, same order: a test checks
    it); a type registered at start-up names itself with a StrEnum of its own."""

    ADDRESS_INVALID = "address_invalid"
    PAYMENT_FAILED = "payment_failed"
    FRAUD_REVIEW = "fraud_review"
    BACKORDER = "backorder"
    SPLIT_SHIPMENT = "split_shipment"
    FULFILLMENT_DELAYED = "fulfillment_delayed"
    DELIVERY_EXCEPTION = "delivery_exception"
    STALE_ORDER = "stale_order"
    STATE_DRIFT = "state_drift"


class Team(StrEnum):
    """The two teams that always exist; configs may add more (plain strings)."""

    OPERATIONS = "operations"
    SUPPORT = "support"


class AnomalyKind(StrEnum):
    """Something the fold could not apply as a normal transition; recorded, never raised."""

    IMPOSSIBLE_TRANSITION = "impossible_transition"
    OVER_SHIPPED = "over_shipped"
    UNKNOWN_LINE = "unknown_line"
    UNMAPPED_STATUS = "unmapped_status"
    FACT_WITHOUT_ORDER = "fact_without_order"


DEFAULT_HOLD_OWNERS: dict[HoldReason, str] = {
    HoldReason.PAYMENT: Team.SUPPORT,
    HoldReason.FRAUD_REVIEW: Team.OPERATIONS,
    HoldReason.ADDRESS: Team.SUPPORT,
    HoldReason.BACKORDER: Team.OPERATIONS,
    HoldReason.CUSTOMER_REQUEST: Team.SUPPORT,
    HoldReason.OTHER: Team.OPERATIONS,
}
