"""ShopifyAdminClient against httpx.MockTransport speaking Shopify's GraphQL shapes."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
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


RESULT_URL = (
    "https://storage.googleapis.com/shopify-tiers-assets-prod-us-east1/bulk-result.jsonl?X-Goog-Signature=abc"
)


def started(operation_id: str = "gid://shopify/BulkOperation/720918") -> httpx.Response:
    operation = {"id": operation_id, "status": "CREATED"}
    payload = {"bulkOperationRunQuery": {"bulkOperation": operation, "userErrors": []}}
    return httpx.Response(200, json={"data": payload})


def operation(status: str, url: str | None = None, error_code: str | None = None) -> httpx.Response:
    node = {
        "id": "gid://shopify/BulkOperation/720918",
        "status": status,
        "errorCode": error_code,
        "objectCount": "7",
        "url": url,
    }
    return httpx.Response(200, json={"data": {"node": node}})


def order_line(order_id: int, **fields: Any) -> dict[str, Any]:
    return {"id": f"gid://shopify/Order/{order_id}", "legacyResourceId": str(order_id), **fields}


def jsonl(*items: dict[str, Any]) -> httpx.Response:
    return httpx.Response(200, content=b"".join(json.dumps(item).encode() + b"\n" for item in items))


GROUPED = [
    order_line(
        1,
        fulfillments=[{"id": "gid://shopify/Fulfillment/11", "status": "SUCCESS"}],
        refunds=[{"id": "gid://shopify/Refund/12", "note": None}],
    ),
    {
        "__typename": "LineItem",
        "id": "gid://shopify/LineItem/13",
        "quantity": 2,
        "__parentId": "gid://shopify/Order/1",
    },
    {
        "__typename": "FulfillmentLineItem",
        "id": "gid://shopify/FulfillmentLineItem/14",
        "lineItem": {"id": "gid://shopify/LineItem/13"},
        "quantity": 1,
        "__parentId": "gid://shopify/Fulfillment/11",
    },
    {
        "__typename": "RefundLineItem",
        "lineItem": {"id": "gid://shopify/LineItem/13"},
        "quantity": 1,
        "restockType": "NO_RESTOCK",
        "__parentId": "gid://shopify/Refund/12",
    },
    {
        "__typename": "FulfillmentOrder",
        "id": "gid://shopify/FulfillmentOrder/15",
        "__parentId": "gid://shopify/Order/1",
    },
    order_line(2, fulfillments=[], refunds=[]),
    order_line(3),
]


def test_orders_are_read_through_a_bulk_operation_and_reassembled() -> None:
    shopify = ScriptedShopify(
        started(),
        operation("RUNNING"),
        httpx.Response(200, json=THROTTLED),
        operation("COMPLETED", RESULT_URL),
        jsonl(*GROUPED),
    )
    sleep = RecordingSleep()
    since = datetime(2025, 3, 1, 9, 0, 0, 123000, tzinfo=timezone(timedelta(hours=-5)))

    pages = list(make_client(shopify, sleep).orders_updated_since(since, page_size=2))

    assert [[o["legacyResourceId"] for o in page.orders] for page in pages] == [["1", "2"], ["3"]]
    assert [page.has_next_page for page in pages] == [True, False]
    first = pages[0].orders[0]
    assert first["lineItems"] == {"nodes": [{"id": "gid://shopify/LineItem/13", "quantity": 2}]}
    assert first["fulfillments"][0]["fulfillmentLineItems"]["nodes"] == [
        {
            "id": "gid://shopify/FulfillmentLineItem/14",
            "lineItem": {"id": "gid://shopify/LineItem/13"},
            "quantity": 1,
        }
    ]
    assert first["refunds"][0]["refundLineItems"]["nodes"][0]["restockType"] == "NO_RESTOCK"
    assert first["fulfillmentOrders"] == {"nodes": [{"id": "gid://shopify/FulfillmentOrder/15"}]}
    assert pages[0].orders[1]["lineItems"] == {"nodes": []}

    run, *polls = [json.loads(request.content) for request in shopify.requests[:4]]
    assert "bulkOperationRunQuery(query: $query, groupObjects: true)" in run["query"]
    assert (
        "orders(query: \"updated_at:>'2025-03-01T14:00:00Z'\", sortKey: UPDATED_AT)"
        in run["variables"]["query"]
    )
    assert {poll["variables"]["id"] for poll in polls} == {"gid://shopify/BulkOperation/720918"}
    download = shopify.requests[4]
    assert (download.method, str(download.url)) == ("GET", RESULT_URL)
    assert "X-Shopify-Access-Token" not in download.headers  # the URL is signed; the token stays with Shopify
    assert sleep.waits == [0.1, pytest.approx((752 - 666) / 50.0)]


def test_polling_waits_longer_each_time_up_to_a_limit() -> None:
    shopify = ScriptedShopify(started(), *[operation("RUNNING")] * 8, operation("COMPLETED"))
    sleep = RecordingSleep()

    assert list(make_client(shopify, sleep).orders_updated_since(datetime(2025, 3, 1, tzinfo=UTC))) == []

    assert sleep.waits == [0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 5.0, 5.0]


def test_each_poll_reports_the_status_and_objects_written() -> None:
    shopify = ScriptedShopify(started(), operation("RUNNING"), operation("COMPLETED"))
    heard: list[tuple[str, int]] = []
    config = AdminApiSettings(shop_domain=SHOP, access_token="shpat_test")
    client = ShopifyAdminClient(
        config,
        http=httpx.MockTransport(shopify),
        sleep=RecordingSleep(),
        on_bulk_status=lambda *s: heard.append(s),
    )

    assert list(client.orders_updated_since(datetime(2025, 3, 1))) == []

    assert heard == [("RUNNING", 7), ("COMPLETED", 7)]


def test_a_completed_operation_without_a_file_has_no_orders() -> None:
    shopify = ScriptedShopify(started(), operation("COMPLETED", url=None))

    assert list(make_client(shopify, RecordingSleep()).orders_updated_since(datetime(2025, 3, 1))) == []
    assert len(shopify.requests) == 2


def test_a_failed_operation_is_an_error_naming_its_code() -> None:
    shopify = ScriptedShopify(started(), operation("FAILED", error_code="TIMEOUT"))

    with pytest.raises(
        ShopifyApiError, match=r"bulk operation gid://shopify/BulkOperation/720918 ended FAILED \(TIMEOUT\)"
    ):
        list(make_client(shopify, RecordingSleep()).orders_updated_since(datetime(2025, 3, 1)))


def test_a_refused_bulk_query_names_shopifys_reason() -> None:
    refused = {
        "bulkOperationRunQuery": {
            "bulkOperation": None,
            "userErrors": [{"field": ["query"], "message": "Invalid bulk query"}],
        }
    }
    shopify = ScriptedShopify(httpx.Response(200, json={"data": refused}))

    with pytest.raises(ShopifyApiError, match=f"{SHOP}: bulk query refused: Invalid bulk query"):
        list(make_client(shopify, RecordingSleep()).orders_updated_since(datetime(2025, 3, 1)))


def test_a_failed_download_is_an_error() -> None:
    shopify = ScriptedShopify(started(), operation("COMPLETED", RESULT_URL), httpx.Response(403))

    with pytest.raises(ShopifyApiError, match="bulk result download: HTTP 403"):
        list(make_client(shopify, RecordingSleep()).orders_updated_since(datetime(2025, 3, 1)))


@pytest.mark.parametrize(
    ("lines", "problem"),
    [
        ([GROUPED[1]], r"line 1: LineItem of gid://shopify/Order/1 does not follow its parent"),
        ([GROUPED[0], GROUPED[5], GROUPED[1]], r"line 3: LineItem of gid://shopify/Order/1 does not follow"),
        (
            [GROUPED[0], {**GROUPED[2], "__parentId": "gid://shopify/Fulfillment/99"}],
            r"line 2: FulfillmentLineItem",
        ),
        (
            [GROUPED[0], {"id": "x", "__parentId": "gid://shopify/Order/1"}],
            r"line 2: unexpected child type None",
        ),
    ],
)
def test_ungrouped_or_unknown_children_are_refused(lines: list[dict[str, Any]], problem: str) -> None:
    shopify = ScriptedShopify(started(), operation("COMPLETED", RESULT_URL), jsonl(*lines))

    with pytest.raises(ShopifyApiError, match=problem):
        list(make_client(shopify, RecordingSleep()).orders_updated_since(datetime(2025, 3, 1)))


def test_a_result_line_that_is_not_json_is_refused() -> None:
    result = httpx.Response(200, content=json.dumps(GROUPED[6]).encode() + b"\n{truncated")
    shopify = ScriptedShopify(started(), operation("COMPLETED", RESULT_URL), result)

    with pytest.raises(ShopifyApiError, match="bulk result line 2 is not JSON"):
        list(make_client(shopify, RecordingSleep()).orders_updated_since(datetime(2025, 3, 1)))


def test_page_size_must_be_positive() -> None:
    shopify = ScriptedShopify()

    with pytest.raises(ValueError, match="page_size must be at least 1"):
        next(make_client(shopify, RecordingSleep()).orders_updated_since(datetime(2025, 3, 1), 0))

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
