"""ShopifyAdminClient against httpx.MockTransport speaking Shopify's GraphQL shapes."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from orderline.connectors.shopify import (
    AdminApiOrderResolver,
    AdminApiSettings,
    RetryPolicy,
    ShopifyAdminClient,
    ShopifyApiError,
)

SHOP = "demo-shop.myshopify.com"
ENDPOINT = f"https://{SHOP}/admin/api/2025-01/graphql.json"
Reply = httpx.Response | Callable[[httpx.Request], httpx.Response]


class ScriptedShopify:
    """Answers each request with the next scripted reply and records what it got."""

    def __init__(self, *replies: Reply) -> None:
        self.replies = list(replies)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        reply = self.replies.pop(0)
        return reply(request) if callable(reply) else reply

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(request.content) for request in self.requests]


class RecordingSleep:
    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def make_client(shopify: ScriptedShopify, sleep: RecordingSleep, **settings: Any) -> ShopifyAdminClient:
    config = AdminApiSettings(shop_domain=SHOP, access_token="shpat_test", **settings)
    return ShopifyAdminClient(config, http=httpx.MockTransport(shopify), sleep=sleep)


def fo_order(legacy_id: str = "450789469") -> httpx.Response:
    order = {"id": f"gid://shopify/Order/{legacy_id}", "legacyResourceId": legacy_id}
    return httpx.Response(200, json={"data": {"fulfillmentOrder": {"order": order}}, "extensions": {}})


THROTTLED = {
    "errors": [
        {
            "message": "Throttled",
            "extensions": {"code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"},
        }
    ],
    "extensions": {
        "cost": {
            "requestedQueryCost": 752,
            "actualQueryCost": None,
            "throttleStatus": {"maximumAvailable": 1000.0, "currentlyAvailable": 666, "restoreRate": 50.0},
        }
    },
}


def test_order_for_fulfillment_order_asks_for_the_gid_and_returns_the_legacy_id() -> None:
    shopify, sleep = ScriptedShopify(fo_order()), RecordingSleep()

    with make_client(shopify, sleep) as client:
        order_id = client.order_for_fulfillment_order("2558888935587")

    assert order_id == "450789469"
    request = shopify.requests[0]
    assert (request.method, str(request.url)) == ("POST", ENDPOINT)
    assert request.headers["X-Shopify-Access-Token"] == "shpat_test"
    assert request.headers["Content-Type"] == "application/json"
    body = shopify.bodies()[0]
    assert "fulfillmentOrder(id: $id)" in body["query"]
    assert "legacyResourceId" in body["query"]
    assert body["variables"] == {"id": "gid://shopify/FulfillmentOrder/2558888935587"}
    assert sleep.waits == []


def test_order_for_fulfillment_order_accepts_a_gid() -> None:
    shopify = ScriptedShopify(fo_order())

    make_client(shopify, RecordingSleep()).order_for_fulfillment_order("gid://shopify/FulfillmentOrder/1")

    assert shopify.bodies()[0]["variables"] == {"id": "gid://shopify/FulfillmentOrder/1"}


def test_unknown_fulfillment_order_gives_none() -> None:
    shopify = ScriptedShopify(httpx.Response(200, json={"data": {"fulfillmentOrder": None}}))

    assert make_client(shopify, RecordingSleep()).order_for_fulfillment_order("1") is None


def test_429_waits_retry_after_then_succeeds() -> None:
    shopify, sleep = (
        ScriptedShopify(httpx.Response(429, headers={"Retry-After": "2.0"}), fo_order()),
        RecordingSleep(),
    )

    order_id = make_client(shopify, sleep).order_for_fulfillment_order("1")

    assert order_id == "450789469"
    assert sleep.waits == [2.0]
    assert len(shopify.requests) == 2


def test_throttled_error_waits_until_the_bucket_holds_the_query_cost() -> None:
    shopify, sleep = ScriptedShopify(httpx.Response(200, json=THROTTLED), fo_order()), RecordingSleep()

    order_id = make_client(shopify, sleep).order_for_fulfillment_order("1")

    assert order_id == "450789469"
    assert sleep.waits == [pytest.approx((752 - 666) / 50.0)]


def test_server_errors_back_off_exponentially_and_give_up() -> None:
    shopify, sleep = ScriptedShopify(*[httpx.Response(503)] * 3), RecordingSleep()
    client = make_client(shopify, sleep, retry=RetryPolicy(max_attempts=3, base_delay_s=0.5))

    with pytest.raises(ShopifyApiError, match=f"{SHOP}: gave up after 3 attempts: HTTP 503"):
        client.order_for_fulfillment_order("1")

    assert sleep.waits == [0.5, 1.0]
    assert len(shopify.requests) == 3


def test_transport_errors_are_retried() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    shopify, sleep = ScriptedShopify(refuse, fo_order()), RecordingSleep()

    assert make_client(shopify, sleep).order_for_fulfillment_order("1") == "450789469"
    assert sleep.waits == [1.0]


def test_client_errors_fail_at_once() -> None:
    shopify, sleep = (
        ScriptedShopify(httpx.Response(401, text='{"errors":"Invalid API key or access token"}')),
        RecordingSleep(),
    )

    with pytest.raises(ShopifyApiError, match="HTTP 401"):
        make_client(shopify, sleep).order_for_fulfillment_order("1")

    assert sleep.waits == []
    assert len(shopify.requests) == 1


def test_graphql_errors_other_than_throttling_fail_at_once() -> None:
    errors = {"errors": [{"message": "Field 'nope' doesn't exist on type 'Order'"}]}
    shopify, sleep = ScriptedShopify(httpx.Response(200, json=errors)), RecordingSleep()

    with pytest.raises(ShopifyApiError, match="GraphQL errors: Field 'nope' doesn't exist on type 'Order'"):
        make_client(shopify, sleep).order_for_fulfillment_order("1")

    assert sleep.waits == []


def orders_page(ids: list[int], has_next: bool, cursor: str | None) -> httpx.Response:
    nodes = [
        {"id": f"gid://shopify/Order/{i}", "legacyResourceId": str(i), "updatedAt": "2025-03-02T10:00:00Z"}
        for i in ids
    ]
    connection = {"pageInfo": {"hasNextPage": has_next, "endCursor": cursor}, "nodes": nodes}
    return httpx.Response(200, json={"data": {"orders": connection}})


def test_orders_updated_since_pages_with_the_cursor() -> None:
    shopify = ScriptedShopify(
        orders_page([1, 2], True, "cursor-1"),
        httpx.Response(200, json=THROTTLED),
        orders_page([3, 4], True, "cursor-2"),
        orders_page([5], False, "cursor-3"),
    )
    sleep = RecordingSleep()
    since = datetime(2025, 3, 1, 9, 0, 0, 123000, tzinfo=timezone(timedelta(hours=-5)))

    pages = list(make_client(shopify, sleep).orders_updated_since(since, page_size=2))

    assert [[o["legacyResourceId"] for o in page.orders] for page in pages] == [["1", "2"], ["3", "4"], ["5"]]
    assert [(page.end_cursor, page.has_next_page) for page in pages] == [
        ("cursor-1", True),
        ("cursor-2", True),
        ("cursor-3", False),
    ]
    variables = [body["variables"] for body in shopify.bodies()]
    assert [v["after"] for v in variables] == [None, "cursor-1", "cursor-1", "cursor-2"]
    assert {v["query"] for v in variables} == {"updated_at:>'2025-03-01T14:00:00Z'"}
    assert {v["first"] for v in variables} == {2}
    assert "sortKey: UPDATED_AT" in shopify.bodies()[0]["query"]
    assert "pageInfo { hasNextPage endCursor }" in shopify.bodies()[0]["query"]
    assert len(sleep.waits) == 1


def test_orders_pages_read_edges_too() -> None:
    edges = {
        "pageInfo": {"hasNextPage": False, "endCursor": None},
        "edges": [{"node": {"id": "gid://shopify/Order/9"}}],
    }
    shopify = ScriptedShopify(httpx.Response(200, json={"data": {"orders": edges}}))

    pages = list(make_client(shopify, RecordingSleep()).orders_updated_since(datetime(2025, 3, 1)))

    assert [page.orders for page in pages] == [({"id": "gid://shopify/Order/9"},)]


@pytest.mark.parametrize("page_size", [0, 251])
def test_page_size_must_fit_shopify_limits(page_size: int) -> None:
    shopify = ScriptedShopify()

    with pytest.raises(ValueError, match=r"page_size must be 1\.\.250"):
        next(make_client(shopify, RecordingSleep()).orders_updated_since(datetime(2025, 3, 1), page_size))

    assert shopify.requests == []


@pytest.mark.parametrize(
    ("api_base_url", "endpoint"),
    [
        ("http://localhost:8081/", "http://localhost:8081/admin/api/2025-01/graphql.json"),
        ("http://localhost:8081/custom/graphql.json", "http://localhost:8081/custom/graphql.json"),
    ],
)
def test_api_base_url_overrides_the_shop_host(api_base_url: str, endpoint: str) -> None:
    shopify = ScriptedShopify(fo_order())

    make_client(shopify, RecordingSleep(), api_base_url=api_base_url).order_for_fulfillment_order("1")

    assert str(shopify.requests[0].url) == endpoint


def test_injected_http_client_is_left_open() -> None:
    http = httpx.Client(transport=httpx.MockTransport(ScriptedShopify(fo_order())))

    with ShopifyAdminClient(AdminApiSettings(SHOP, "shpat_test"), http=http) as client:
        client.order_for_fulfillment_order("1")

    assert http.is_closed is False
    http.close()


def test_resolver_asks_the_store_client() -> None:
    shopify = ScriptedShopify(fo_order("42"))
    resolver = AdminApiOrderResolver({"store-1": make_client(shopify, RecordingSleep())})

    assert resolver.order_for_fulfillment_order("store-1", "7") == "42"
    assert resolver.order_for_fulfillment_order("unknown-store", "7") is None
    assert len(shopify.requests) == 1
