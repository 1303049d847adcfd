"""Fake state -> the JSON shapes BigCommerce's API returns.

V2 order, order product and shipment shapes follow the documented examples (the
fixtures in tests/fixtures/platforms/bigcommerce show them): RFC 2822 dates, money as
4-decimal strings, sub-resources as links. V3 refunds follow the payment-actions
`Refund` schema: RFC 3339 `created`, money as numbers, `{"data": [...], "meta": {}}`.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from email.utils import format_datetime
from typing import Any

from orderline.simulation.bigcommerce.state import FakeOrder, FakeProductRow, FakeRefund, FakeShipment

Json = dict[str, Any]

STATUS_LABELS: dict[int, str] = {
    0: "Incomplete",
    1: "Pending",
    2: "Shipped",
    3: "Partially Shipped",
    4: "Refunded",
    5: "Cancelled",
    6: "Declined",
    7: "Awaiting Payment",
    8: "Awaiting Pickup",
    9: "Awaiting Shipment",
    10: "Completed",
    11: "Awaiting Fulfillment",
    12: "Manual Verification Required",
    13: "Disputed",
    14: "Partially Refunded",
}


def rfc2822(at: datetime | None) -> str:
    return "" if at is None else format_datetime(at)


def money_text(amount: Decimal) -> str:
    return str(amount.quantize(Decimal("0.0001")))


def order_body(order: FakeOrder, store_hash: str) -> Json:
    base = f"https://api.bigcommerce.com/stores/{store_hash}/v2/orders/{order.id}"
    subtotal, total = money_text(order.subtotal), money_text(order.total)
    label = STATUS_LABELS.get(order.status_id, "")
    return {
        "id": order.id,
        "customer_id": order.buyer.customer_id,
        "date_created": rfc2822(order.date_created),
        "date_modified": rfc2822(order.date_modified),
        "date_shipped": rfc2822(order.date_shipped),
        "status_id": order.status_id,
        "status": label,
        "custom_status": label,
        "subtotal_ex_tax": subtotal,
        "subtotal_inc_tax": subtotal,
        "subtotal_tax": "0.0000",
        "base_shipping_cost": money_text(order.shipping_cost),
        "shipping_cost_ex_tax": money_text(order.shipping_cost),
        "shipping_cost_inc_tax": money_text(order.shipping_cost),
        "total_ex_tax": total,
        "total_inc_tax": total,
        "total_tax": "0.0000",
        "items_total": order.items_total,
        "items_shipped": order.items_shipped,
        "payment_method": order.payment_method,
        "payment_status": order.payment_status,
        "staff_notes": order.staff_notes,
        "refunded_amount": money_text(order.refunded_amount),
        "order_is_digital": False,
        "currency_code": order.currency,
        "default_currency_code": order.currency,
        "billing_address": _address(order),
        "order_source": "www",
        "channel_id": 1,
        "products": {"url": f"{base}/products", "resource": f"/orders/{order.id}/products"},
        "shipping_addresses": {
            "url": f"{base}/shippingaddresses",
            "resource": f"/orders/{order.id}/shippingaddresses",
        },
        "coupons": {"url": f"{base}/coupons", "resource": f"/orders/{order.id}/coupons"},
    }


def product_body(row: FakeProductRow) -> Json:
    price = money_text(row.price)
    total = money_text(row.price * row.quantity)
    return {
        "id": row.id,
        "order_id": row.order_id,
        "product_id": row.product_id,
        "order_address_id": 0,
        "name": row.name,
        "sku": row.sku,
        "type": "physical",
        "base_price": price,
        "price_ex_tax": price,
        "price_inc_tax": price,
        "price_tax": "0.0000",
        "base_total": total,
        "total_ex_tax": total,
        "total_inc_tax": total,
        "quantity": row.quantity,
        "quantity_shipped": row.quantity_shipped,
        "quantity_refunded": row.quantity_refunded,
        "is_refunded": row.quantity_refunded >= row.quantity,
        "refund_amount": money_text(row.price * row.quantity_refunded),
    }


def shipment_body(order: FakeOrder, shipment: FakeShipment) -> Json:
    return {
        "id": shipment.id,
        "order_id": shipment.order_id,
        "customer_id": order.buyer.customer_id,
        "order_address_id": shipment.order_address_id,
        "date_created": rfc2822(shipment.date_created),
        "tracking_number": shipment.tracking_number,
        "merchant_shipping_cost": "0.0000",
        "shipping_method": "None",
        "comments": "",
        "shipping_provider": shipment.provider,
        "tracking_carrier": "",
        "tracking_link": "",
        "billing_address": _address(order),
        "shipping_address": _address(order),
        "items": [
            {"order_product_id": row_id, "product_id": order.row(row_id).product_id, "quantity": quantity}
            for row_id, quantity in shipment.items
        ],
        "shipping_provider_display_name": shipment.provider_name,
        "generated_tracking_link": "",
    }


def refund_body(refund: FakeRefund) -> Json:
    return {
        "id": refund.id,
        "order_id": refund.order_id,
        "user_id": 0,
        "created": refund.created.isoformat(),
        "reason": refund.reason,
        "total_amount": float(refund.amount),
        "total_tax": 0,
        "uses_merchant_override_values": False,
        "payments": [
            {
                "id": refund.id,
                "provider_id": "storecredit",
                "amount": float(refund.amount),
                "offline": False,
                "is_declined": False,
                "declined_message": "",
            }
        ],
        "items": [
            {"item_type": "PRODUCT", "item_id": row_id, "quantity": quantity, "requested_amount": None}
            for row_id, quantity in refund.items
        ],
    }


def _address(order: FakeOrder) -> Json:
    buyer = order.buyer
    return {
        "first_name": buyer.first_name,
        "last_name": buyer.last_name,
        "company": "",
        "street_1": buyer.street,
        "street_2": "",
        "city": buyer.city,
        "state": buyer.state,
        "zip": buyer.zip,
        "country": "United States" if buyer.country_iso2 == "US" else buyer.country_iso2,
        "country_iso2": buyer.country_iso2,
        "phone": "",
        "email": buyer.email,
    }
