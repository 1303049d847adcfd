"""WooCommerceClient against httpx.MockTransport speaking the WordPress REST shapes:
a JSON list per page, X-WP-Total / X-WP-TotalPages headers, `{"code", "message"}` errors."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from orderline.connectors.woocommerce import (
    RetryPolicy,
    WooApiSettings,
    WooCommerceApiError,
    WooCommerceClient,
)

SITE = "https://shop.example/"
ORDERS_URL = "https://shop.example/wp-json/wc/v3/orders"
SINCE = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
FIXTURE = (
    Path(__file__).parents[1]
    / "fixtures"
    / "platforms"
    / "woocommerce"
    / "order_processing.wc_v3.sample.json"
)
Reply = httpx.Response | Callable[[httpx.Request], httpx.Response]


class ScriptedWooCommerce:
    """Answers each request with the next scripted reply and records what it got."""

    def __init__(self, *replies: Reply) -> None:
        self.replies = list(replies)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        reply = self.replies.pop(0)
        return reply(request) if callable(reply) else reply

    def params(self, index: int) -> dict[str, str]:
        return dict(self.requests[index].url.params)


class RecordingSleep:
    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def make_client(woo: ScriptedWooCommerce, sleep: RecordingSleep, **settings: Any) -> WooCommerceClient:
    config = WooApiSettings(site_url=SITE, consumer_key="ck_test", consumer_secret="cs_test", **settings)
    return WooCommerceClient(config, http=httpx.MockTransport(woo), sleep=sleep)


def order(order_id: int) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(FIXTURE.read_text())
    return {**body, "id": order_id, "number": str(order_id)}


def page(order_ids: list[int], total_pages: int | None, total: int | None = None) -> httpx.Response:
    headers = (
        {} if total_pages is None else {"X-WP-TotalPages": str(total_pages), "X-WP-Total": str(total or 0)}
    )
    return httpx.Response(200, json=[order(i) for i in order_ids], headers=headers)


def test_orders_modified_since_pages_through_every_page_oldest_first() -> None:
    woo, sleep = (
        ScriptedWooCommerce(page([1, 2], 3, 5), page([3, 4], 3, 5), page([5], 3, 5)),
        RecordingSleep(),
    )

    with make_client(woo, sleep, per_page=2) as client:
        pages = [[o["id"] for o in orders] for orders in client.orders_modified_since(SINCE)]

    assert pages == [[1, 2], [3, 4], [5]]
    assert [woo.params(i)["page"] for i in range(3)] == ["1", "2", "3"]
    assert woo.params(0) == {
        "modified_after": "2026-11-02T08:00:00",
        "dates_are_gmt": "true",
        "orderby": "modified",
        "order": "asc",
        "page": "1",
        "per_page": "2",
    }
    assert sleep.waits == []


def test_requests_use_basic_auth_with_the_key_pair_and_timeouts() -> None:
    woo = ScriptedWooCommerce(page([1], 1, 1))

    list(
        make_client(woo, RecordingSleep(), timeout_s=12.0, connect_timeout_s=3.0).orders_modified_since(SINCE)
    )

    request = woo.requests[0]
    assert (request.method, str(request.url).split("?")[0]) == ("GET", ORDERS_URL)
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(b"ck_test:cs_test").decode()
    assert request.headers["Accept"] == "application/json"
    assert request.extensions["timeout"] == {"connect": 3.0, "read": 12.0, "write": 12.0, "pool": 12.0}


def test_default_page_size_is_the_rest_maximum() -> None:
    woo = ScriptedWooCommerce(page([], 0, 0))

    assert list(make_client(woo, RecordingSleep()).orders_modified_since(SINCE)) == [[]]
    assert woo.params(0)["per_page"] == "100"


def test_since_is_sent_in_utc() -> None:
    woo = ScriptedWooCommerce(page([], 1))
    since = datetime(2026, 11, 2, 10, 30, tzinfo=timezone(timedelta(hours=2)))

    list(make_client(woo, RecordingSleep()).orders_modified_since(since))

    assert woo.params(0)["modified_after"] == "2026-11-02T08:30:00"


def test_a_naive_since_is_taken_as_utc() -> None:
    woo = ScriptedWooCommerce(page([], 1))

    list(make_client(woo, RecordingSleep()).orders_modified_since(datetime(2026, 11, 2, 8, 0)))

    assert woo.params(0)["modified_after"] == "2026-11-02T08:00:00"


def test_api_base_url_replaces_the_site_url() -> None:
    woo = ScriptedWooCommerce(page([], 1))

    list(
        make_client(woo, RecordingSleep(), api_base_url="http://127.0.0.1:8089/").orders_modified_since(SINCE)
    )

    assert str(woo.requests[0].url).split("?")[0] == "http://127.0.0.1:8089/wp-json/wc/v3/orders"


def test_without_total_pages_a_short_page_is_the_last() -> None:
    woo = ScriptedWooCommerce(page([1, 2], None), page([3], None))

    pages = list(make_client(woo, RecordingSleep(), per_page=2).orders_modified_since(SINCE))

    assert [len(p) for p in pages] == [2, 1]
    assert len(woo.requests) == 2


def test_429_waits_retry_after_then_continues_the_same_page() -> None:
    woo = ScriptedWooCommerce(
        page([1], 2, 2), httpx.Response(429, headers={"Retry-After": "7"}), page([2], 2, 2)
    )
    sleep = RecordingSleep()

    pages = list(make_client(woo, sleep, per_page=1).orders_modified_since(SINCE))

    assert [[o["id"] for o in p] for p in pages] == [[1], [2]]
    assert sleep.waits == [7.0]
    assert [woo.params(i)["page"] for i in range(3)] == ["1", "2", "2"]


def test_retry_after_as_an_http_date_falls_back_to_the_backoff() -> None:
    woo = ScriptedWooCommerce(
        httpx.Response(429, headers={"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"}), page([], 1)
    )
    sleep = RecordingSleep()

    list(make_client(woo, sleep, retry=RetryPolicy(base_delay_s=0.5)).orders_modified_since(SINCE))

    assert sleep.waits == [0.5]


def test_server_errors_back_off_exponentially_and_give_up() -> None:
    woo, sleep = ScriptedWooCommerce(*[httpx.Response(503)] * 3), RecordingSleep()
    client = make_client(woo, sleep, retry=RetryPolicy(max_attempts=3, base_delay_s=0.5))

    with pytest.raises(WooCommerceApiError, match=f"{SITE}: gave up after 3 attempts: HTTP 503"):
        list(client.orders_modified_since(SINCE))

    assert sleep.waits == [0.5, 1.0]
    assert len(woo.requests) == 3


def test_transport_errors_are_retried() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    woo, sleep = ScriptedWooCommerce(refuse, page([1], 1, 1)), RecordingSleep()

    assert [len(p) for p in make_client(woo, sleep).orders_modified_since(SINCE)] == [1]
    assert sleep.waits == [1.0]


def test_a_refused_key_fails_at_once_with_woocommerces_message() -> None:
    refusal = httpx.Response(
        401,
        json={
            "code": "woocommerce_rest_cannot_view",
            "message": "Sorry, you cannot list resources.",
            "data": {"status": 401},
        },
    )
    woo, sleep = ScriptedWooCommerce(refusal), RecordingSleep()

    with pytest.raises(
        WooCommerceApiError,
        match=f"{SITE}: HTTP 401 woocommerce_rest_cannot_view: Sorry, you cannot list resources.",
    ):
        list(make_client(woo, sleep).orders_modified_since(SINCE))

    assert (sleep.waits, len(woo.requests)) == ([], 1)


def test_a_body_that_is_not_a_list_of_orders_is_an_error() -> None:
    woo = ScriptedWooCommerce(httpx.Response(200, json={"orders": []}))

    with pytest.raises(WooCommerceApiError, match="expected a JSON list of orders, got dict"):
        list(make_client(woo, RecordingSleep()).orders_modified_since(SINCE))


def test_a_body_that_is_not_json_is_an_error() -> None:
    woo = ScriptedWooCommerce(httpx.Response(200, text="<html>maintenance</html>"))

    with pytest.raises(WooCommerceApiError, match="response is not JSON: <html>maintenance</html>"):
        list(make_client(woo, RecordingSleep()).orders_modified_since(SINCE))


def test_page_size_over_the_rest_maximum_is_refused() -> None:
    with pytest.raises(ValueError, match=r"per_page must be 1\.\.100, got 101"):
        WooApiSettings(site_url=SITE, consumer_key="ck", consumer_secret="cs", per_page=101)


def test_a_given_http_client_is_left_open() -> None:
    http = httpx.Client(transport=httpx.MockTransport(ScriptedWooCommerce()))
    config = WooApiSettings(site_url=SITE, consumer_key="ck", consumer_secret="cs")

    WooCommerceClient(config, http=http).close()

    assert not http.is_closed
    http.close()
