"""WooCommerce REST v3 order JSON for the simulated state, shaped like real webhook bodies.

The field set follows the v3 "Retrieve an order" response (the shared fixtures) plus
what current WooCommerce adds (order attribution meta, `payment_url`, `is_editable`,
`needs_payment`, `currency_symbol`, line `image` and `parent_name`), so a body starts at
about 3-5 KB and grows with each refund and tracking item, as real ones do. The bytes
are what `trim(wp_json_encode($payload))` sends: compact, `\\/`-escaped slashes and
`\\uXXXX` for non-ASCII.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from orderline.simulation.woocommerce.state import SimLine, SimOrder, SimTracking, cents

Json = dict[str, Any]

_USER_AGENT = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15"
_META_IDS = 30_000
"""Order meta ids sit above this (one store-wide auto-increment)."""


def encode(body: Json) -> bytes:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=True).replace("/", "\\/").encode()


def money(amount: Decimal) -> str:
    return str(cents(amount))


def order_body(order: SimOrder, site_url: str) -> Json:
    """The order as `GET /wp-json/wc/v3/orders/{id}` returns it now."""
    base = site_url.rstrip("/")
    return {
        "id": order.order_id,
        "parent_id": 0,
        "status": order.status,
        "currency": "USD",
        "version": "9.9.5",
        "prices_include_tax": False,
        **_dates(order),
        **_totals(order),
        **_customer(order),
        "cart_hash": f"{order.order_id * 7919:032x}"[-32:],
        "number": str(order.order_id),
        "meta_data": _order_meta(order, base),
        "line_items": [_line(line, order, base) for line in order.lines],
        "tax_lines": _tax_lines(order),
        "shipping_lines": [_shipping_line(order)],
        "fee_lines": [],
        "coupon_lines": [],
        "refunds": [
            {"id": r.refund_id, "reason": r.reason, "total": "-" + money(r.amount)} for r in order.refunds
        ],
        "payment_url": _payment_url(order, base),
        "is_editable": order.status in ("pending", "on-hold", "auto-draft"),
        "needs_payment": order.status in ("pending", "failed"),
        "needs_processing": True,
        "currency_symbol": "$",
        "_links": _links(order, base),
    }


def _totals(order: SimOrder) -> Json:
    return {
        "discount_total": "0.00",
        "discount_tax": "0.00",
        "shipping_total": money(order.shipping[3]),
        "shipping_tax": "0.00",
        "cart_tax": money(order.cart_tax),
        "total": money(order.total),
        "total_tax": money(order.cart_tax),
    }


def _customer(order: SimOrder) -> Json:
    return {
        "customer_id": order.buyer.customer_id,
        "order_key": order.order_key,
        "billing": {**_address(order), "email": order.buyer.email},
        "shipping": _address(order),
        "payment_method": order.gateway.method,
        "payment_method_title": order.gateway.title,
        "transaction_id": order.transaction_id,
        "customer_ip_address": "203.0.113.24",
        "customer_user_agent": _USER_AGENT,
        "created_via": "checkout",
        "customer_note": "",
    }


def _payment_url(order: SimOrder, base: str) -> str:
    return f"{base}/checkout/order-pay/{order.order_id}/?pay_for_order=true&key={order.order_key}"


def _dates(order: SimOrder) -> Json:
    return {
        "date_created": order.local(order.created_at),
        "date_created_gmt": order.gmt(order.created_at),
        "date_modified": order.local(order.modified_at),
        "date_modified_gmt": order.gmt(order.modified_at),
        "date_paid": order.local(order.paid_at),
        "date_paid_gmt": order.gmt(order.paid_at),
        "date_completed": order.local(order.completed_at),
        "date_completed_gmt": order.gmt(order.completed_at),
    }


def _address(order: SimOrder) -> Json:
    buyer, place = order.buyer, order.buyer.place
    return {
        "first_name": buyer.first_name,
        "last_name": buyer.last_name,
        "company": "",
        "address_1": buyer.street,
        "address_2": "",
        "city": place.city,
        "state": place.state,
        "postcode": place.postcode,
        "country": place.country,
        "phone": buyer.phone,
    }


def _order_meta(order: SimOrder, base: str) -> list[Json]:
    entries: list[tuple[str, Any]] = [
        ("is_vat_exempt", "no"),
        ("_wc_order_attribution_source_type", "organic"),
        ("_wc_order_attribution_referrer", "https://www.google.com/"),
        ("_wc_order_attribution_utm_source", "google"),
        ("_wc_order_attribution_session_entry", f"{base}/product-category/brewing/"),
        ("_wc_order_attribution_session_start_time", order.local(order.created_at)),
        ("_wc_order_attribution_session_pages", "6"),
        ("_wc_order_attribution_session_count", "2"),
        ("_wc_order_attribution_user_agent", _USER_AGENT),
        ("_wc_order_attribution_device_type", "Desktop"),
    ]
    if order.tracking:
        entries.append(("_wc_shipment_tracking_items", [_tracking_item(t) for t in order.tracking]))
    return [
        {"id": _META_IDS + order.order_id % 1000 * 10 + i, "key": key, "value": value}
        for i, (key, value) in enumerate(entries)
    ]


def _tracking_item(tracking: SimTracking) -> Json:
    return {
        "tracking_provider": tracking.provider,
        "custom_tracking_provider": "",
        "custom_tracking_link": "",
        "tracking_number": tracking.number,
        "date_shipped": str(int(tracking.shipped_on.timestamp())),
        "tracking_id": tracking.tracking_id,
    }


def _line(line: SimLine, order: SimOrder, base: str) -> Json:
    product, rate = line.product, order.buyer.place.tax_rate
    tax = cents(line.subtotal * rate)
    meta: list[Json] = [
        {"id": line.line_id * 10 + i, "key": key, "value": value, "display_key": key, "display_value": value}
        for i, (key, value) in enumerate(product.attributes)
    ]
    if line.backordered:
        count = str(line.backordered)
        meta.append(
            {"id": line.line_id * 10 + 9, "key": "Backordered", "value": count, "display_key": "Backordered"}
            | {"display_value": count}
        )
    return {
        "id": line.line_id,
        "name": product.name,
        "product_id": product.product_id,
        "variation_id": product.variation_id,
        "quantity": line.quantity,
        "tax_class": "",
        "subtotal": money(line.subtotal),
        "subtotal_tax": money(tax),
        "total": money(line.subtotal),
        "total_tax": money(tax),
        "taxes": [{"id": order.buyer.place.rate_id, "total": money(tax), "subtotal": money(tax)}]
        if rate
        else [],
        "meta_data": meta,
        "sku": product.sku,
        "global_unique_id": "",
        "price": float(product.price),
        "image": {
            "id": product.product_id + 500,
            "src": f"{base}/wp-content/uploads/2025/03/{product.sku}.jpg",
        },
        "parent_name": product.parent_name,
    }


def _tax_lines(order: SimOrder) -> list[Json]:
    place = order.buyer.place
    if not place.tax_rate:
        return []
    return [
        {
            "id": order.tax_line_id,
            "rate_code": place.rate_code,
            "rate_id": place.rate_id,
            "label": place.tax_label,
            "compound": False,
            "tax_total": money(order.cart_tax),
            "shipping_tax_total": "0.00",
            "rate_percent": float(place.tax_rate * 100),
            "meta_data": [],
        }
    ]


def _shipping_line(order: SimOrder) -> Json:
    title, method, instance, cost = order.shipping
    items = ", ".join(f"{line.product.name} &times; {line.quantity}" for line in order.lines)
    return {
        "id": order.shipping_line_id,
        "method_title": title,
        "method_id": method,
        "instance_id": str(instance),
        "total": money(cost),
        "total_tax": "0.00",
        "taxes": [],
        "meta_data": [{"id": order.shipping_line_id * 10, "key": "Items", "value": items}],
    }


def _links(order: SimOrder, base: str) -> Json:
    api = f"{base}/wp-json/wc/v3"
    return {
        "self": [
            {"href": f"{api}/orders/{order.order_id}", "targetHints": {"allow": ["GET", "POST", "PUT"]}}
        ],
        "collection": [{"href": f"{api}/orders"}],
        "customer": [{"href": f"{api}/customers/{order.buyer.customer_id}"}],
    }
