"""Valid bodies of each platform, built from the published samples in
tests/fixtures/platforms, and the connectors that map them: the starting point of the
limit and fuzz tests, which break one field at a time."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from orderline.connectors.base import Delivery, MappedDelivery
from orderline.connectors.bigcommerce import ApiSettings, BigCommerceClient, BigCommerceConnector
from orderline.connectors.shopify import ShopifyConnector
from orderline.connectors.woocommerce import WooCommerceConnector, WooStoreSettings

FIXTURES = Path(__file__).parents[1] / "fixtures" / "platforms"
RECEIVED = datetime(2026, 3, 1, 12, tzinfo=UTC)
STORE = "store-1"

Json = Any


class NoResolver:
    def order_for_fulfillment_order(self, store_id: str, fulfillment_order_id: str) -> str | None:
        return None


def fixture(platform: str, name: str) -> Json:
    return json.loads((FIXTURES / platform / name).read_text())


# --- Shopify -----------------------------------------------------------------------------

SHOPIFY_ORDER_ID = "450789469"


def shopify_order() -> dict[str, Any]:
    """Order 450789469 (orders/updated), with its embedded fulfillment."""
    order: dict[str, Any] = fixture(
        "shopify", "order_authorized_with_failed_fulfillment.shopify_python_api.json"
    )["order"]
    return order


def shopify_fulfillment() -> dict[str, Any]:
    """The order's embedded fulfillment, as the body of fulfillments/update."""
    fulfillment: dict[str, Any] = copy.deepcopy(shopify_order()["fulfillments"][0])
    return fulfillment


def shopify_refund() -> dict[str, Any]:
    refund: dict[str, Any] = fixture("shopify", "refund_with_restock.shopify_python_api.json")["refund"]
    return refund


def shopify_hold() -> dict[str, Any]:
    """The open fulfillment order sample with a hold on it (placed_on_hold body)."""
    body: dict[str, Any] = fixture("shopify", "fulfillment_order_open.shopify_python_api.json")
    body["fulfillment_order"]["fulfillment_holds"] = [
        {"reason": "incorrect_address", "reason_notes": "Apartment number missing"}
    ]
    return body


def shopify_risk() -> dict[str, Any]:
    return {
        "risk_level": "high",
        "order_id": int(SHOPIFY_ORDER_ID),
        "admin_graphql_api_order_id": f"gid://shopify/Order/{SHOPIFY_ORDER_ID}",
        "provider_title": "Shopify",
        "created_at": "2025-03-01T10:00:00Z",
    }


def shopify_order_node() -> dict[str, Any]:
    """A GraphQL Admin API order node (import/order) with every connection the mapper reads."""
    return {
        "id": "gid://shopify/Order/5531567751",
        "legacyResourceId": "5531567751",
        "name": "#1042",
        "email": "ada@example.com",
        "createdAt": "2025-03-01T09:15:00Z",
        "updatedAt": "2025-03-06T16:40:12Z",
        "cancelledAt": None,
        "displayFinancialStatus": "PARTIALLY_REFUNDED",
        "displayFulfillmentStatus": "PARTIALLY_FULFILLED",
        "currencyCode": "EUR",
        "totalPriceSet": {"shopMoney": {"amount": "60.00", "currencyCode": "EUR"}},
        "tags": ["vip"],
        "shippingAddress": {"firstName": "Ada", "lastName": "Novak", "countryCodeV2": "SI", "zip": "1000"},
        "lineItems": {
            "edges": [
                {
                    "node": {
                        "id": "gid://shopify/LineItem/11",
                        "title": "Mug",
                        "quantity": 2,
                        "sku": "MUG",
                        "originalUnitPriceSet": {"shopMoney": {"amount": "20.00"}},
                    }
                },
                {"node": {"id": "gid://shopify/LineItem/12", "title": "Tea", "quantity": 1}},
            ]
        },
        "fulfillments": [
            {
                "id": "gid://shopify/Fulfillment/4694567301",
                "status": "SUCCESS",
                "displayStatus": "IN_TRANSIT",
                "createdAt": "2025-03-02T08:00:00Z",
                "updatedAt": "2025-03-03T08:00:00Z",
                "trackingInfo": [{"number": "1Z999", "company": "UPS", "url": "https://ups.example/1Z999"}],
                "fulfillmentLineItems": {
                    "nodes": [{"quantity": 1, "lineItem": {"id": "gid://shopify/LineItem/11"}}]
                },
            }
        ],
        "refunds": [
            {
                "id": "gid://shopify/Refund/88",
                "createdAt": "2025-03-04T08:00:00Z",
                "note": "damaged",
                "totalRefundedSet": {"shopMoney": {"amount": "5.00"}},
                "refundLineItems": {
                    "nodes": [
                        {
                            "quantity": 1,
                            "restockType": "RETURN",
                            "lineItem": {"id": "gid://shopify/LineItem/12"},
                        }
                    ]
                },
            }
        ],
        "fulfillmentOrders": {
            "nodes": [
                {
                    "id": "gid://shopify/FulfillmentOrder/77",
                    "updatedAt": "2025-03-05T08:00:00Z",
                    "fulfillmentHolds": [{"reason": "AWAITING_PAYMENT", "reasonNotes": "bank transfer"}],
                }
            ]
        },
    }


SHOPIFY_BODIES = {
    "orders/updated": shopify_order,
    "fulfillments/update": shopify_fulfillment,
    "refunds/create": shopify_refund,
    "fulfillment_orders/placed_on_hold": shopify_hold,
    "orders/risk_assessment_changed": shopify_risk,
    "import/order": shopify_order_node,
}
"""Topic -> a valid body of that topic."""


def map_shopify(topic: str, body: Json) -> MappedDelivery:
    return ShopifyConnector().map_delivery(Delivery(STORE, topic, body, RECEIVED), NoResolver())


# --- WooCommerce -------------------------------------------------------------------------

WOO_ORDER_ID = "727"


def woo_order() -> dict[str, Any]:
    """Order 727 (processing) with every optional part the mapper reads: a tracking item,
    a core fulfillment with item allocations and a backordered line."""
    body: dict[str, Any] = fixture("woocommerce", "order_processing.wc_v3.sample.json")
    fulfillment = fixture("woocommerce", "order_fulfillment.wc_v3.sample.json")
    fulfillment["meta_data"] += [
        {"id": 45, "key": "_items", "value": [{"item_id": 315, "qty": 1}]},
        {"id": 46, "key": "_date_fulfilled", "value": "1490140800"},
    ]
    body["fulfillments"] = [fulfillment]
    body["meta_data"].append(
        {
            "id": 13200,
            "key": "_wc_shipment_tracking_items",
            "value": [
                {
                    "tracking_provider": "usps",
                    "tracking_number": "9400111899223",
                    "date_shipped": "2017-03-22",
                    "tracking_id": "a1b2c3",
                }
            ],
        }
    )
    body["line_items"][0]["meta_data"].append({"id": 9, "key": "Backordered", "value": "1"})
    return body


def woo_refunded_order() -> dict[str, Any]:
    body: dict[str, Any] = fixture("woocommerce", "order_completed_partially_refunded.wc_v3.sample.json")
    return body


WOO_BODIES = {"processing": woo_order, "completed_partially_refunded": woo_refunded_order}

woo_connector = WooCommerceConnector({STORE: WooStoreSettings(status_map={"shipped": "shipped"})})


def map_woo(body: Json, topic: str = "order.updated") -> MappedDelivery:
    return woo_connector.map_delivery(Delivery(STORE, topic, body, RECEIVED), NoResolver())


# --- BigCommerce -------------------------------------------------------------------------

BC_ORDER_ID = 225
BC_API_PREFIX = "/stores/abc123"


def bc_hook(order_id: Json = BC_ORDER_ID) -> dict[str, Any]:
    """The statusUpdated sample, naming order 225 (the order of the shipments sample)."""
    hook: dict[str, Any] = fixture("bigcommerce", "store_order_statusUpdated.webhook.sample.json")
    hook["data"]["id"] = order_id
    hook["producer"] = "stores/abc123"
    return hook


def bc_resources() -> dict[str, Json]:
    """What the fake API answers for order 225: the order sample (shipped, partly refunded),
    its two product rows, the shipments sample and one V3 refund."""
    order = {**fixture("bigcommerce", "order_v2_get.awaiting_payment.sample.json"), "id": BC_ORDER_ID}
    order.update(status_id=2, payment_status="partially refunded", refunded_amount="10.0000")
    products = [
        product_row(188, "Chambray Towel", "30.0000"),
        product_row(189, "Mug", "27.8400"),
    ]
    refunds = {
        "data": [
            {
                "id": 3,
                "order_id": 225,
                "created": "2019-03-12T10:00:00+00:00",
                "reason": "chipped",
                "total_amount": 7.5,
                "items": [{"item_type": "PRODUCT", "item_id": 189, "quantity": 1, "requested_amount": None}],
            }
        ]
    }
    return {
        "order": order,
        "products": products,
        "shipments": fixture("bigcommerce", "order_v2_shipments.two_shipments.sample.json"),
        "refunds": refunds,
    }


def product_row(row_id: int, name: str, price: str) -> dict[str, Any]:
    return {
        "id": row_id,
        "order_id": BC_ORDER_ID,
        "name": name,
        "sku": f"SKU-{row_id}",
        "quantity": 1,
        "price_inc_tax": price,
    }


BC_PATHS = {
    "order": f"/v2/orders/{BC_ORDER_ID}",
    "products": f"/v2/orders/{BC_ORDER_ID}/products",
    "shipments": f"/v2/orders/{BC_ORDER_ID}/shipments",
    "refunds": f"/v3/orders/{BC_ORDER_ID}/payment_actions/refunds",
}


class FakeBigCommerceApi:
    """Answers the connector's GETs from `resources` (see bc_resources); any other path is
    an empty 204, as BigCommerce answers an empty collection."""

    def __init__(self, resources: dict[str, Json]) -> None:
        self.routes = {BC_API_PREFIX + path: resources[name] for name, path in BC_PATHS.items()}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = self.routes.get(request.url.path)
        if body is None:
            return httpx.Response(204)
        # Serialised as the platform would; NaN and Infinity pass as Python's json writes them.
        return httpx.Response(
            200, content=json.dumps(body).encode(), headers={"content-type": "application/json"}
        )


def map_bigcommerce(hook: Json, resources: dict[str, Json] | None = None) -> MappedDelivery:
    api = FakeBigCommerceApi(resources if resources is not None else bc_resources())
    client = BigCommerceClient(ApiSettings("abc123", "token"), http=httpx.MockTransport(api), sleep=_no_sleep)
    scope = hook.get("scope") if isinstance(hook, dict) else None
    delivery = Delivery(STORE, str(scope), hook, RECEIVED)
    with client:
        return BigCommerceConnector({STORE: client}).map_delivery(delivery, NoResolver())


def _no_sleep(seconds: float) -> None:
    pass
