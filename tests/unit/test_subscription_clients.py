"""Each platform's `subscriptions` module against `httpx.MockTransport` answering in the
documented shapes: what it sends to list, create and repair, how it pages, and that every
failure reads as SubscriptionsUnavailable."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from orderline.connectors.bigcommerce.rest import ApiSettings
from orderline.connectors.bigcommerce.subscriptions import BigCommerceSubscriptions
from orderline.connectors.plugin import SubscriptionsUnavailable
from orderline.connectors.shopify.graphql import AdminApiSettings
from orderline.connectors.shopify.subscriptions import RETRY as SHOPIFY_RETRY
from orderline.connectors.shopify.subscriptions import ShopifySubscriptions
from orderline.connectors.woocommerce.client import RetryPolicy, WooApiSettings, WooCommerceClient
from orderline.connectors.woocommerce.subscriptions import WooCommerceSubscriptions
from orderline.domain.subscription_health import RepairAction, Subscription, SubscriptionState

TO = "https://ol.example.com/webhooks/x/s1"
ONCE = RetryPolicy(max_attempts=1)


class Recorder:
    """Answers from a script, keeping each request and its JSON body."""

    def __init__(self, *answers: httpx.Response) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.answers.pop(0)

    def body(self, index: int) -> Any:
        return json.loads(self.requests[index].content)


def shopify(recorder: Recorder) -> ShopifySubscriptions:
    settings = AdminApiSettings("s.myshopify.com", "shpat", retry=ONCE)
    return ShopifySubscriptions(settings, http=httpx.MockTransport(recorder))


def woo(recorder: Recorder) -> WooCommerceSubscriptions:
    settings = WooApiSettings("https://woo.example", "ck", "cs", retry=ONCE)
    client = WooCommerceClient(settings, http=httpx.MockTransport(recorder))
    return WooCommerceSubscriptions(client, "https://woo.example", "woo-secret")


def bigcommerce(recorder: Recorder) -> BigCommerceSubscriptions:
    settings = ApiSettings("abc", "token", retry=ONCE)
    return BigCommerceSubscriptions(settings, "bc-secret", http=httpx.MockTransport(recorder))


def node(number: int, topic: str, url: str = TO) -> dict[str, Any]:
    endpoint = {"__typename": "WebhookHttpEndpoint", "callbackUrl": url}
    return {"id": f"gid://shopify/WebhookSubscription/{number}", "topic": topic, "endpoint": endpoint}


def test_shopify_pages_by_cursor_and_reads_topics_in_the_webhook_form() -> None:
    first = {"nodes": [node(1, "ORDERS_CREATE")], "pageInfo": {"hasNextPage": True, "endCursor": "c1"}}
    pubsub = {"id": "gid://shopify/WebhookSubscription/2", "topic": "FULFILLMENT_ORDERS_PLACED_ON_HOLD",
              "endpoint": {"__typename": "WebhookPubSubEndpoint", "pubSubProject": "p"}}  # fmt: skip
    second = {"nodes": [pubsub], "pageInfo": {"hasNextPage": False, "endCursor": "c2"}}
    recorder = Recorder(
        httpx.Response(200, json={"data": {"webhookSubscriptions": first}}),
        httpx.Response(200, json={"data": {"webhookSubscriptions": second}}),
    )

    listed = shopify(recorder).listed()

    assert listed == (
        Subscription("gid://shopify/WebhookSubscription/1", "orders/create", TO, SubscriptionState.ACTIVE),
        Subscription(
            "gid://shopify/WebhookSubscription/2", "fulfillment_orders/placed_on_hold",
            "WebhookPubSubEndpoint", SubscriptionState.ACTIVE,
        ),
    )  # fmt: skip
    assert [recorder.body(i)["variables"] for i in (0, 1)] == [
        {"first": 100, "after": None},
        {"first": 100, "after": "c1"},
    ]
    assert recorder.requests[0].url == "https://s.myshopify.com/admin/api/2025-01/graphql.json"


def test_shopify_creates_with_the_topic_enum_and_readdresses_by_id() -> None:
    created = {
        "webhookSubscriptionCreate": {"webhookSubscription": node(9, "REFUNDS_CREATE"), "userErrors": []}
    }
    updated = {"webhookSubscriptionUpdate": {"webhookSubscription": node(3, "ORDERS_PAID"), "userErrors": []}}
    recorder = Recorder(
        httpx.Response(200, json={"data": created}), httpx.Response(200, json={"data": updated})
    )
    api = shopify(recorder)

    made = api.apply(RepairAction("refunds/create", TO))
    moved = api.apply(RepairAction("orders/paid", TO, "gid://shopify/WebhookSubscription/3", readdress=True))

    assert (made.topic, moved.topic) == ("refunds/create", "orders/paid")
    assert "webhookSubscriptionCreate(" in recorder.body(0)["query"]
    assert recorder.body(0)["variables"] == {
        "topic": "REFUNDS_CREATE",
        "webhookSubscription": {"callbackUrl": TO, "format": "JSON"},
    }
    assert recorder.body(1)["variables"]["id"] == "gid://shopify/WebhookSubscription/3"


def test_shopify_user_errors_and_refusals_are_unavailable() -> None:
    refused = {
        "webhookSubscriptionCreate": {"webhookSubscription": None, "userErrors": [{"message": "taken"}]}
    }
    recorder = Recorder(
        httpx.Response(200, json={"data": refused}), httpx.Response(401, text="Invalid API key")
    )
    api = shopify(recorder)

    with pytest.raises(SubscriptionsUnavailable, match="webhookSubscriptionCreate refused: taken"):
        api.apply(RepairAction("orders/create", TO))
    with pytest.raises(SubscriptionsUnavailable, match="HTTP 401"):
        api.listed()


def test_the_shopify_retry_is_short() -> None:
    assert (SHOPIFY_RETRY.max_attempts, SHOPIFY_RETRY.max_delay_s) == (2, 2.0)


def test_woocommerce_pages_through_full_pages_and_reads_each_status() -> None:
    full = [{"id": n, "topic": "order.updated", "delivery_url": TO, "status": "active"} for n in range(100)]
    last = [
        {"id": 100, "topic": "order.created", "delivery_url": TO, "status": "paused"},
        {"id": 101, "topic": "order.deleted", "delivery_url": TO, "status": "disabled"},
    ]
    recorder = Recorder(httpx.Response(200, json=full), httpx.Response(200, json=last))

    listed = woo(recorder).listed()

    assert len(listed) == 102
    assert [s.state for s in listed[100:]] == [SubscriptionState.PAUSED, SubscriptionState.DISABLED]
    assert [dict(r.url.params) for r in recorder.requests] == [
        {"per_page": "100", "page": "1"},
        {"per_page": "100", "page": "2"},
    ]
    assert recorder.requests[0].url.path == "/wp-json/wc/v3/webhooks"
    assert recorder.requests[0].headers["authorization"].startswith("Basic ")


def test_woocommerce_creates_with_the_store_secret_and_reactivates_with_put() -> None:
    row = {"id": 7, "topic": "order.restored", "delivery_url": TO, "status": "active"}
    recorder = Recorder(httpx.Response(201, json=row), httpx.Response(200, json={**row, "id": 4}))
    api = woo(recorder)

    api.apply(RepairAction("order.restored", TO))
    api.apply(RepairAction("order.updated", TO, "4", activate=True))

    assert (recorder.requests[0].method, recorder.body(0)) == (
        "POST",
        {"name": "Orderline order.restored", "topic": "order.restored", "delivery_url": TO,
         "secret": "woo-secret", "status": "active"},
    )  # fmt: skip
    assert (recorder.requests[1].method, recorder.requests[1].url.path, recorder.body(1)) == (
        "PUT", "/wp-json/wc/v3/webhooks/4", {"status": "active"}
    )  # fmt: skip


def test_woocommerce_refusals_are_unavailable_with_woocommerces_message() -> None:
    refusal = {"code": "woocommerce_rest_cannot_view", "message": "Sorry, you cannot list resources."}
    recorder = Recorder(httpx.Response(401, json=refusal))

    with pytest.raises(SubscriptionsUnavailable, match="woocommerce_rest_cannot_view"):
        woo(recorder).listed()


def test_bigcommerce_pages_by_total_pages_and_reads_is_active() -> None:
    hook = {"id": 1, "scope": "store/order/*", "destination": TO, "is_active": True}
    meta = {"pagination": {"total_pages": 2}}
    recorder = Recorder(
        httpx.Response(200, json={"data": [hook], "meta": meta}),
        httpx.Response(200, json={"data": [{**hook, "id": 2, "is_active": False}], "meta": meta}),
    )

    listed = bigcommerce(recorder).listed()

    assert [(s.subscription_id, s.state) for s in listed] == [
        ("1", SubscriptionState.ACTIVE),
        ("2", SubscriptionState.INACTIVE),
    ]
    assert [r.url.params["page"] for r in recorder.requests] == ["1", "2"]
    assert recorder.requests[0].url.path == "/stores/abc/v3/hooks"
    assert recorder.requests[0].headers["x-auth-token"] == "token"


def test_bigcommerce_creates_with_the_secret_header_and_reactivates_and_readdresses_in_one_put() -> None:
    hook = {"id": 5, "scope": "store/shipment/*", "destination": TO, "is_active": True}
    recorder = Recorder(
        httpx.Response(200, json={"data": hook, "meta": {}}),
        httpx.Response(200, json={"data": hook, "meta": {}}),
    )
    api = bigcommerce(recorder)

    api.apply(RepairAction("store/shipment/*", TO))
    api.apply(RepairAction("store/order/*", TO, "3", activate=True, readdress=True))

    assert recorder.body(0) == {
        "scope": "store/shipment/*",
        "destination": TO,
        "is_active": True,
        "headers": {"x-orderline-webhook-secret": "bc-secret"},
    }
    assert (recorder.requests[1].method, recorder.requests[1].url.path, recorder.body(1)) == (
        "PUT", "/stores/abc/v3/hooks/3", {"is_active": True, "destination": TO}
    )  # fmt: skip


def test_bigcommerce_an_invalid_hook_or_a_body_without_data_is_unavailable() -> None:
    invalid = {"status": 422, "title": "Input is invalid"}
    recorder = Recorder(httpx.Response(422, json=invalid), httpx.Response(200, json={"meta": {}}))
    api = bigcommerce(recorder)

    with pytest.raises(SubscriptionsUnavailable, match="POST /v3/hooks: HTTP 422"):
        api.apply(RepairAction("store/order/*", TO))
    with pytest.raises(SubscriptionsUnavailable, match="no data list"):
        api.listed()
