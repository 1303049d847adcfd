"""The same order read through REST (a webhook body) and GraphQL (an import) gives the same facts.

Each simulated order's last REST body is rewritten as the Order node the GraphQL Admin
API returns for it (`as_graphql`: gids, upper-case enums, MoneyBags, UTC timestamps,
connections), then both are mapped.
"""

from __future__ import annotations

import copy
import json
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from orderline.connectors.base import Delivery, MappedDelivery
from orderline.connectors.shopify import ShopifyConnector
from orderline.connectors.shopify.connector import map_api_order
from orderline.simulation.shopify import generate_order_history

RECEIVED = datetime(2025, 3, 9, 12, tzinfo=UTC)
connector = ShopifyConnector()


class NoResolver:
    def order_for_fulfillment_order(self, store_id: str, fulfillment_order_id: str) -> str | None:
        raise AssertionError("order bodies carry their own id")


def money_bag(amount: str) -> dict[str, Any]:
    return {"shopMoney": {"amount": amount, "currencyCode": "USD"}}


def gid(resource: str, value: object) -> str:
    return f"gid://shopify/{resource}/{value}"


def utc(text: str | None) -> str | None:
    """A REST local timestamp as GraphQL's DateTime (UTC, `Z`)."""
    if text is None:
        return None
    return datetime.fromisoformat(text).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def as_graphql(order: dict[str, Any]) -> dict[str, Any]:
    """The Order node the GraphQL Admin API returns for a REST order body."""
    fulfillment_status = {None: "UNFULFILLED", "partial": "PARTIALLY_FULFILLED", "fulfilled": "FULFILLED"}
    address = order["shipping_address"]
    return {
        "id": order["admin_graphql_api_id"],
        "legacyResourceId": str(order["id"]),
        "name": order["name"],
        "email": order["email"],
        "createdAt": utc(order["created_at"]),
        "processedAt": utc(order["processed_at"]),
        "updatedAt": utc(order["updated_at"]),
        "cancelledAt": utc(order["cancelled_at"]),
        "cancelReason": order["cancel_reason"].upper() if order["cancel_reason"] else None,
        "displayFinancialStatus": order["financial_status"].upper(),
        "displayFulfillmentStatus": fulfillment_status[order["fulfillment_status"]],
        "currencyCode": order["currency"],
        "tags": [tag.strip() for tag in order["tags"].split(",") if tag.strip()],
        "totalPriceSet": money_bag(order["total_price"]),
        "shippingAddress": {
            "name": address["name"],
            "firstName": address["first_name"],
            "lastName": address["last_name"],
            "company": address["company"],
            "address1": address["address1"],
            "address2": address["address2"],
            "city": address["city"],
            "province": address["province"],
            "zip": address["zip"],
            "countryCodeV2": address["country_code"],
            "phone": address["phone"],
        },
        "lineItems": {"nodes": [as_graphql_line(item) for item in order["line_items"]]},
        "fulfillments": [as_graphql_fulfillment(f) for f in order["fulfillments"]],
        "refunds": [as_graphql_refund(r) for r in order["refunds"]],
    }


def as_graphql_line(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": gid("LineItem", item["id"]),
        "quantity": item["quantity"],
        "title": item["title"],
        "sku": item["sku"],
        "originalUnitPriceSet": money_bag(item["price"]),
    }


def as_graphql_fulfillment(fulfillment: dict[str, Any]) -> dict[str, Any]:
    # displayStatus carries the carrier status when there is one, else a status with
    # no delivery news (FULFILLED here; Shopify may say CANCELED, SUBMITTED, ...).
    shipment_status = fulfillment["shipment_status"]
    return {
        "id": gid("Fulfillment", fulfillment["id"]),
        "status": fulfillment["status"].upper(),
        "displayStatus": shipment_status.upper() if shipment_status else "FULFILLED",
        "createdAt": utc(fulfillment["created_at"]),
        "updatedAt": utc(fulfillment["updated_at"]),
        "trackingInfo": [
            {"number": number, "url": url, "company": fulfillment["tracking_company"]}
            for number, url in zip(fulfillment["tracking_numbers"], fulfillment["tracking_urls"], strict=True)
        ],
        "fulfillmentLineItems": {
            "nodes": [
                {"lineItem": {"id": gid("LineItem", item["id"])}, "quantity": item["quantity"]}
                for item in fulfillment["line_items"]
            ]
        },
    }


def as_graphql_refund(refund: dict[str, Any]) -> dict[str, Any]:
    refunded = sum(
        (
            Decimal(t["amount"])
            for t in refund["transactions"]
            if t["kind"] == "refund" and t["status"] == "success"
        ),
        Decimal("0"),
    )
    return {
        "id": gid("Refund", refund["id"]),
        "createdAt": utc(refund["created_at"]),
        "note": refund["note"],
        "totalRefundedSet": money_bag(str(refunded)),
        "refundLineItems": {
            "nodes": [
                {
                    "lineItem": {"id": gid("LineItem", item["line_item_id"])},
                    "quantity": item["quantity"],
                    "restockType": item["restock_type"].upper(),
                }
                for item in refund["refund_line_items"]
            ]
        },
    }


def last_order_body(seed: int) -> dict[str, Any]:
    start = datetime(2025, 3, 1, 9, tzinfo=UTC) + timedelta(hours=seed)
    history = generate_order_history(random.Random(seed), order_id=880_000 + seed, start=start)
    order_bodies = [w.body for w in history if w.topic.startswith("orders/")]
    body: dict[str, Any] = json.loads(order_bodies[-1])
    return body


def map_rest(body: dict[str, Any]) -> MappedDelivery:
    return connector.map_delivery(Delivery("store-1", "orders/updated", body, RECEIVED), NoResolver())


@pytest.mark.parametrize("seed", range(120))
def test_an_order_imported_through_graphql_gives_the_facts_its_rest_webhook_gives(seed: int) -> None:
    rest_body = last_order_body(seed)

    from_graphql = map_api_order("store-1", as_graphql(copy.deepcopy(rest_body)))

    assert from_graphql == map_rest(rest_body)
