"""Shopify status vocabularies and their canonical meaning (reference §1.4 and §4).

Tables are data: the one place where a Shopify value gains a canonical name.
"""

from __future__ import annotations

from orderline.domain.vocabulary import DeliveryStatus, HoldReason, PaymentStatus, ShipmentState

FINANCIAL_STATUS: dict[str, PaymentStatus] = {
    "pending": PaymentStatus.PENDING,
    "partially_paid": PaymentStatus.PENDING,
    "authorized": PaymentStatus.AUTHORIZED,
    "paid": PaymentStatus.PAID,
    "partially_refunded": PaymentStatus.PARTIALLY_REFUNDED,
    "refunded": PaymentStatus.REFUNDED,
    "voided": PaymentStatus.VOIDED,
    # GraphQL-only today: the authorization lapsed without capture.
    "expired": PaymentStatus.VOIDED,
}
UNMAPPED_FINANCIAL_STATUS = PaymentStatus.PENDING

FULFILLMENT_STATE: dict[str, ShipmentState] = {
    "success": ShipmentState.ACTIVE,
    # Deprecated values that Shopify's own sample payloads still carry.
    "pending": ShipmentState.ACTIVE,
    "open": ShipmentState.ACTIVE,
    "cancelled": ShipmentState.CANCELLED,
    "error": ShipmentState.FAILED,
    "failure": ShipmentState.FAILED,
}

SHIPMENT_STATUS: dict[str, DeliveryStatus] = {
    "confirmed": DeliveryStatus.LABEL_CREATED,
    "label_purchased": DeliveryStatus.LABEL_CREATED,
    "label_printed": DeliveryStatus.LABEL_CREATED,
    "carrier_picked_up": DeliveryStatus.IN_TRANSIT,
    "in_transit": DeliveryStatus.IN_TRANSIT,
    "delayed": DeliveryStatus.IN_TRANSIT,
    "out_for_delivery": DeliveryStatus.OUT_FOR_DELIVERY,
    # Waiting at a pickup point is the last step before the buyer has it.
    "ready_for_pickup": DeliveryStatus.OUT_FOR_DELIVERY,
    "attempted_delivery": DeliveryStatus.FAILED_ATTEMPT,
    "picked_up": DeliveryStatus.DELIVERED,
    "delivered": DeliveryStatus.DELIVERED,
    "failure": DeliveryStatus.EXCEPTION,
}

HOLD_REASON: dict[str, HoldReason] = {
    "AWAITING_PAYMENT": HoldReason.PAYMENT,
    "HIGH_RISK_OF_FRAUD": HoldReason.FRAUD_REVIEW,
    "INCORRECT_ADDRESS": HoldReason.ADDRESS,
    "INVENTORY_OUT_OF_STOCK": HoldReason.BACKORDER,
}
"""Keys are upper case; REST webhook bodies send the same values in lower case.
OTHER, AWAITING_RETURN_ITEMS, UNKNOWN_DELIVERY_DATE, … all read as `other`."""


def hold_reason(platform_reason: str | None) -> HoldReason:
    if platform_reason is None:
        return HoldReason.OTHER
    return HOLD_REASON.get(platform_reason.upper(), HoldReason.OTHER)
