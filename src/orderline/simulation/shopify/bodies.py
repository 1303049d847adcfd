"""Shopify REST JSON for the simulated state, shaped like real webhook bodies.

Field sets follow Shopify's sample payloads for API 2025-01 (orders/*, fulfillments/*,
refunds/create, fulfillment_orders/*), trimmed of rarely used money sets so that an
order body starts at 3-5 KB; it grows with each fulfillment and refund it embeds
(rendered leaner than their own topic bodies), as real ones do.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from orderline.simulation.shopify.catalog import HOLD_NOTES
from orderline.simulation.shopify.state import SimFulfillment, SimLine, SimOrder, SimRefund, money_text

Json = dict[str, Any]


def money_set(amount: Decimal) -> Json:
    bag = {"amount": money_text(amount), "currency_code": "USD"}
    return {"shop_money": bag, "presentment_money": dict(bag)}


def gid(resource: str, resource_id: int) -> str:
    return f"gid://shopify/{resource}/{resource_id}"


def address(order: SimOrder) -> Json:
    buyer = order.buyer
    place = buyer.destination
    return {
        "first_name": buyer.first_name,
        "address1": buyer.street,
        "phone": buyer.phone,
        "city": place.city,
        "zip": place.zip,
        "province": place.province,
        "country": place.country,
        "last_name": buyer.last_name,
        "address2": None,
        "company": None,
        "latitude": None,
        "longitude": None,
        "name": f"{buyer.first_name} {buyer.last_name}",
        "country_code": place.country_code,
        "province_code": place.province_code,
    }


def customer(order: SimOrder) -> Json:
    buyer = order.buyer
    return {
        "id": buyer.customer_id,
        "email": buyer.email,
        "created_at": order.local(order.created_at),
        "updated_at": order.local(order.created_at),
        "first_name": buyer.first_name,
        "last_name": buyer.last_name,
        "state": "enabled",
        "note": None,
        "verified_email": True,
        "tax_exempt": False,
        "phone": None,
        "currency": "USD",
        "admin_graphql_api_id": gid("Customer", buyer.customer_id),
        "default_address": {"id": buyer.address_id, "customer_id": buyer.customer_id, "default": True},
    }


def line_item(order: SimOrder, line: SimLine, quantity: int | None = None) -> Json:
    """A line item as orders/* and fulfillments/* carry it; `quantity` overrides for a shipment."""
    variant_id, variant_title, sku, price = line.variant
    tax = order.buyer.destination
    return {
        "id": line.line_id,
        "admin_graphql_api_id": gid("LineItem", line.line_id),
        "current_quantity": line.quantity - line.refunded,
        "fulfillable_quantity": line.unshipped,
        "fulfillment_service": "manual",
        "fulfillment_status": _line_fulfillment_status(line),
        "gift_card": False,
        "grams": line.product.grams,
        "name": f"{line.product.title} - {variant_title}",
        "price": price,
        "product_exists": True,
        "product_id": line.product.product_id,
        "properties": [],
        "quantity": line.quantity if quantity is None else quantity,
        "requires_shipping": True,
        "sku": sku,
        "taxable": True,
        "title": line.product.title,
        "total_discount": "0.00",
        "variant_id": variant_id,
        "variant_title": variant_title,
        "vendor": line.product.vendor,
        "tax_lines": [
            {
                "price": money_text(line.price * line.quantity * tax.tax_rate),
                "rate": float(tax.tax_rate),
                "title": tax.tax_title,
            }
        ],
        "discount_allocations": [],
    }


def _line_fulfillment_status(line: SimLine) -> str | None:
    if line.shipped == 0:
        return None
    return "fulfilled" if line.unshipped == 0 else "partial"


def order_body(order: SimOrder) -> Json:
    """The REST Order as orders/* webhooks carry it."""
    return {**_order_facts(order), **_order_money(order), **_order_parts(order)}


def _order_facts(order: SimOrder) -> Json:
    created = order.local(order.created_at)
    return {
        "id": order.order_id,
        "admin_graphql_api_id": gid("Order", order.order_id),
        "app_id": 580111,
        "browser_ip": "203.0.113.24",
        "buyer_accepts_marketing": False,
        "cancel_reason": order.cancel_reason,
        "cancelled_at": order.local(order.cancelled_at) if order.cancelled_at else None,
        "cart_token": order.token[:24],
        "checkout_token": order.token[8:],
        "closed_at": None,
        "confirmation_number": order.token[:9].upper(),
        "confirmed": True,
        "contact_email": order.buyer.email,
        "created_at": created,
        "customer_locale": "en",
        "email": order.buyer.email,
        "financial_status": order.financial_status,
        "fulfillment_status": order.fulfillment_status,
        "landing_site": "/",
        "name": order.name,
        "note": None,
        "note_attributes": [],
        "number": order.number - 1000,
        "order_number": order.number,
        "payment_gateway_names": [order.gateway],
        "phone": None,
        "processed_at": created,
        "source_name": "web",
        "tags": ", ".join(order.tags),
        "test": False,
        "token": order.token,
        "total_weight": sum(line.product.grams * line.quantity for line in order.lines),
        "updated_at": order.local(order.updated_at),
    }


def _order_money(order: SimOrder) -> Json:
    total = order.total_price
    is_paid = order.financial_status in ("paid", "partially_refunded", "refunded")
    current_total = total - order.refunded_amount
    place = order.buyer.destination
    return {
        "currency": "USD",
        "current_total_price": money_text(current_total),
        "current_total_price_set": money_set(current_total),
        "current_total_tax": money_text(order.total_tax),
        "discount_codes": [],
        "presentment_currency": "USD",
        "subtotal_price": money_text(order.subtotal),
        "subtotal_price_set": money_set(order.subtotal),
        "tax_lines": [
            {"price": money_text(order.total_tax), "rate": float(place.tax_rate), "title": place.tax_title}
        ],
        "taxes_included": False,
        "total_discounts": "0.00",
        "total_line_items_price": money_text(order.subtotal),
        "total_outstanding": money_text(Decimal("0") if is_paid else total),
        "total_price": money_text(total),
        "total_price_set": money_set(total),
        "total_shipping_price_set": money_set(order.shipping[1]),
        "total_tax": money_text(order.total_tax),
    }


def _order_parts(order: SimOrder) -> Json:
    return {
        "billing_address": address(order),
        "customer": customer(order),
        "fulfillments": [embedded_fulfillment(order, f) for f in order.fulfillments],
        "line_items": [line_item(order, line) for line in order.lines],
        "refunds": [embedded_refund(order, r) for r in order.refunds],
        "shipping_address": address(order),
        "shipping_lines": [_shipping_line(order)],
    }


def _shipping_line(order: SimOrder) -> Json:
    title, price = order.shipping
    return {
        "id": order.fulfillment_order_id + 7,
        "code": title,
        "discounted_price": money_text(price),
        "price": money_text(price),
        "source": "shopify",
        "title": title,
        "tax_lines": [],
    }


def _fulfillment_core(order: SimOrder, fulfillment: SimFulfillment) -> Json:
    return {
        "id": fulfillment.fulfillment_id,
        "admin_graphql_api_id": gid("Fulfillment", fulfillment.fulfillment_id),
        "created_at": order.local(fulfillment.created_at),
        "location_id": 71234560001,
        "name": f"{order.name}.{fulfillment.sequence}",
        "order_id": order.order_id,
        "service": "manual",
        "shipment_status": fulfillment.shipment_status,
        "status": fulfillment.status,
        "tracking_company": fulfillment.carrier,
        "tracking_number": fulfillment.tracking_number,
        "tracking_numbers": [fulfillment.tracking_number],
        "tracking_url": fulfillment.tracking_url,
        "tracking_urls": [fulfillment.tracking_url],
        "updated_at": order.local(fulfillment.updated_at),
    }


def fulfillment_body(order: SimOrder, fulfillment: SimFulfillment) -> Json:
    """The fulfillments/create|update body."""
    return {
        **_fulfillment_core(order, fulfillment),
        "origin_address": None,
        "email": order.buyer.email,
        "destination": address(order),
        "line_items": [line_item(order, line, quantity) for line, quantity in fulfillment.lines],
        "receipt": {},
    }


def embedded_fulfillment(order: SimOrder, fulfillment: SimFulfillment) -> Json:
    lines = [
        {"id": line.line_id, "quantity": quantity, "sku": line.variant[2], "title": line.product.title}
        for line, quantity in fulfillment.lines
    ]
    return {**_fulfillment_core(order, fulfillment), "line_items": lines}


def _refund_core(order: SimOrder, refund: SimRefund) -> Json:
    return {
        "id": refund.refund_id,
        "admin_graphql_api_id": gid("Refund", refund.refund_id),
        "created_at": order.local(refund.created_at),
        "note": refund.note,
        "order_id": order.order_id,
        "processed_at": order.local(refund.created_at),
        "restock": any(restock_type != "no_restock" for _, _, restock_type, _ in refund.lines),
        "user_id": 74120001,
        "order_adjustments": [],
    }


def _transaction(order: SimOrder, refund: SimRefund) -> Json:
    return {
        "id": refund.transaction_id,
        "admin_graphql_api_id": gid("OrderTransaction", refund.transaction_id),
        "amount": money_text(refund.amount),
        "created_at": order.local(refund.created_at),
        "currency": "USD",
        "gateway": order.gateway,
        "kind": "refund",
        "order_id": order.order_id,
        "status": "success",
    }


def refund_body(order: SimOrder, refund: SimRefund) -> Json:
    """The refunds/create body."""
    return {
        **_refund_core(order, refund),
        "duties": [],
        "refund_shipping_lines": [],
        "return": None,
        "refund_line_items": [
            {
                "id": item_id,
                "line_item_id": line.line_id,
                "location_id": 71234560001 if restock_type != "no_restock" else None,
                "quantity": quantity,
                "restock_type": restock_type,
                "subtotal": float(line.price * quantity),
                "subtotal_set": money_set(line.price * quantity),
                "line_item": line_item(order, line),
            }
            for line, quantity, restock_type, item_id in refund.lines
        ],
        "transactions": [
            {**_transaction(order, refund), "message": "Refunded", "source_name": "web", "test": False}
        ],
    }


def embedded_refund(order: SimOrder, refund: SimRefund) -> Json:
    items = [
        {"id": item_id, "line_item_id": line.line_id, "quantity": quantity, "restock_type": restock_type}
        for line, quantity, restock_type, item_id in refund.lines
    ]
    return {
        **_refund_core(order, refund),
        "refund_line_items": items,
        "transactions": [_transaction(order, refund)],
    }


def hold(hold_id: int, reason: str, handle: str) -> Json:
    return {
        "id": gid("FulfillmentHold", hold_id),
        "reason": reason,
        "reason_notes": HOLD_NOTES.get(reason, "Held for review"),
        "held_by_requesting_app": False,
        "handle": handle,
        "held_by_app": {"id": gid("App", 5801113)},
    }


def fulfillment_order(order: SimOrder, status: str, holds: list[Json]) -> Json:
    """The thin FO object of fulfillment_orders/* bodies, plus the REST shape's order_id."""
    return {
        "id": gid("FulfillmentOrder", order.fulfillment_order_id),
        "status": status,
        "order_id": order.order_id,
        "fulfillment_holds": holds,
    }


def placed_on_hold_body(order: SimOrder, holds: list[Json]) -> Json:
    return {
        "fulfillment_order": fulfillment_order(order, "on_hold", holds),
        "remaining_fulfillment_order": None,
        "held_fulfillment_order_line_items": [
            {"id": gid("FulfillmentOrderLineItem", line.fo_line_id), "quantity": line.unshipped}
            for line in order.lines
        ],
        "created_fulfillment_hold": holds[0],
    }


def hold_released_body(order: SimOrder) -> Json:
    return {"fulfillment_order": fulfillment_order(order, "open", [])}
