"""BigCommerceClient against httpx.MockTransport: requests, retries, pacing and paging."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from orderline.connectors.base import RetryLater
from orderline.connectors.bigcommerce import (
    ApiSettings,
    BigCommerceClient,
    FetchFailed,
    NotFound,
    RateQuota,
)

API = "https://api.bigcommerce.com/stores/abc123"
Reply = httpx.Response | Callable[[httpx.Request], httpx.Response]


class ScriptedBigCommerce:
    """Answers each request with the next scripted reply and records what it got."""

    def __init__(self, *replies: Reply) -> None:
        self.replies = list(replies)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        reply = self.replies.pop(0)
        return reply(request) if callable(reply) else reply

    def urls(self) -> list[str]:
        return [str(request.url) for request in self.requests]


class FakeTime:
    """A monotonic clock that moves only when slept on."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.waits: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


def make_client(api: ScriptedBigCommerce, time: FakeTime, **settings: Any) -> BigCommerceClient:
    config = ApiSettings(store_hash="abc123", api_token="token-1", **settings)
    return BigCommerceClient(config, http=httpx.MockTransport(api), sleep=time.sleep, clock=time.clock)


def ok(body: Any, **headers: str) -> httpx.Response:
    return httpx.Response(200, json=body, headers=headers)


def test_order_gets_the_v2_order_with_token_and_json_accept() -> None:
    api, time = ScriptedBigCommerce(ok({"id": 218, "status_id": 7})), FakeTime()

    with make_client(api, time) as client:
        order = client.order(218)

    assert order == {"id": 218, "status_id": 7}
    request = api.requests[0]
    assert (request.method, str(request.url)) == ("GET", f"{API}/v2/orders/218")
    assert request.headers["X-Auth-Token"] == "token-1"
    assert request.headers["Accept"] == "application/json"
    assert time.waits == []


def test_api_base_url_replaces_the_default_base() -> None:
    api = ScriptedBigCommerce(ok({"id": 1}))

    make_client(api, FakeTime(), api_base_url="http://127.0.0.1:8123/stores/abc123/").order(1)

    assert api.urls() == ["http://127.0.0.1:8123/stores/abc123/v2/orders/1"]


def test_429_waits_the_reset_time_then_succeeds() -> None:
    throttled = httpx.Response(
        429, headers={"X-Rate-Limit-Time-Reset-Ms": "1500", "X-Rate-Limit-Requests-Left": "0"}
    )
    api, time = ScriptedBigCommerce(throttled, ok({"id": 1})), FakeTime()

    assert make_client(api, time).order(1) == {"id": 1}

    assert time.waits == [1.5]
    assert len(api.requests) == 2


def test_429_without_reset_header_backs_off_exponentially() -> None:
    api, time = ScriptedBigCommerce(httpx.Response(429), httpx.Response(429), ok({"id": 1})), FakeTime()

    make_client(api, time).order(1)

    assert time.waits == [1.0, 2.0]


def test_5xx_waits_retry_after_then_succeeds() -> None:
    api, time = (
        ScriptedBigCommerce(httpx.Response(503, headers={"Retry-After": "7"}), ok({"id": 1})),
        FakeTime(),
    )

    make_client(api, time).order(1)

    assert time.waits == [7.0]


def test_5xx_until_attempts_run_out_raises_fetch_failed_a_retry_later() -> None:
    api, time = ScriptedBigCommerce(*[httpx.Response(502)] * 5), FakeTime()

    with pytest.raises(
        FetchFailed, match=r"store abc123: GET /v2/orders/1: gave up after 5 attempts: HTTP 502"
    ):
        make_client(api, time).order(1)

    assert issubclass(FetchFailed, RetryLater)
    assert len(api.requests) == 5
    assert time.waits == [1.0, 2.0, 4.0, 8.0]


def test_network_errors_are_retried_then_raise_fetch_failed() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    api, time = ScriptedBigCommerce(refuse, refuse, ok({"id": 1})), FakeTime()
    assert make_client(api, time).order(1) == {"id": 1}

    failing = ScriptedBigCommerce(*[refuse] * 5)
    with pytest.raises(FetchFailed, match="ConnectError: connection refused"):
        make_client(failing, FakeTime()).order(1)


def test_404_raises_not_found_without_retrying() -> None:
    api, time = ScriptedBigCommerce(httpx.Response(404, json=[{"status": 404}])), FakeTime()

    with pytest.raises(NotFound):
        make_client(api, time).order(1)

    assert (len(api.requests), time.waits) == (1, [])


@pytest.mark.parametrize("status", [400, 401, 403, 422])
def test_other_client_errors_raise_fetch_failed_at_once(status: int) -> None:
    api, time = ScriptedBigCommerce(httpx.Response(status, text="nope")), FakeTime()

    with pytest.raises(FetchFailed, match=f"HTTP {status}: nope"):
        make_client(api, time).order(1)

    assert (len(api.requests), time.waits) == (1, [])


def test_a_non_json_answer_raises_fetch_failed() -> None:
    api = ScriptedBigCommerce(httpx.Response(200, text="<html>maintenance</html>"))

    with pytest.raises(FetchFailed, match="response is not JSON"):
        make_client(api, FakeTime()).order(1)


def test_no_requests_left_holds_the_next_request_until_the_reset() -> None:
    spent = ok({"id": 1}, **{"X-Rate-Limit-Requests-Left": "0", "X-Rate-Limit-Time-Reset-Ms": "2500"})
    api, time = ScriptedBigCommerce(spent, ok({"id": 2})), FakeTime()
    client = make_client(api, time)

    client.order(1)
    assert time.waits == []
    client.order(2)

    assert time.waits == [2.5]


def test_the_client_side_window_keeps_requests_within_the_quota() -> None:
    api, time = ScriptedBigCommerce(*[ok({"id": 1})] * 4), FakeTime()
    client = make_client(api, time, quota=RateQuota(requests=3, window_s=30.0))

    for _ in range(4):
        client.order(1)

    assert time.waits == [30.0]


def test_order_products_pages_until_a_short_page() -> None:
    rows = [{"id": i} for i in range(250)]
    api = ScriptedBigCommerce(ok(rows), ok([{"id": 250}]))

    products = make_client(api, FakeTime()).order_products(218)

    assert [row["id"] for row in products] == list(range(251))
    assert api.urls() == [
        f"{API}/v2/orders/218/products?page=1&limit=250",
        f"{API}/v2/orders/218/products?page=2&limit=250",
    ]


def test_order_shipments_of_an_unshipped_order_are_an_empty_204() -> None:
    api = ScriptedBigCommerce(httpx.Response(204))

    assert make_client(api, FakeTime()).order_shipments(218) == []


def test_order_refunds_reads_the_v3_data_list() -> None:
    refund = {"id": 3, "order_id": 218, "total_amount": 10.5, "items": []}
    api = ScriptedBigCommerce(ok({"data": [refund], "meta": {}}))

    assert make_client(api, FakeTime()).order_refunds(218) == [refund]
    assert api.urls() == [f"{API}/v3/orders/218/payment_actions/refunds"]


def test_orders_modified_since_pages_oldest_first_until_an_empty_204() -> None:
    full = [{"id": i} for i in range(2)]
    api = ScriptedBigCommerce(ok(full), ok(full), httpx.Response(204))
    since = datetime(2026, 11, 2, 8, 30, 15, 123456, tzinfo=UTC)

    pages = list(make_client(api, FakeTime()).orders_modified_since(since, page_size=2))

    assert pages == [full, full]
    params = [dict(request.url.params) for request in api.requests]
    assert params[0] == {
        "min_date_modified": "Mon, 02 Nov 2026 08:30:15 +0000",
        "sort": "date_modified:asc",
        "page": "1",
        "limit": "2",
    }
    assert [p["page"] for p in params] == ["1", "2", "3"]


@pytest.mark.parametrize("page_size", [0, 251])
def test_orders_modified_since_refuses_impossible_page_sizes(page_size: int) -> None:
    api = ScriptedBigCommerce()

    with pytest.raises(ValueError, match=r"page_size must be 1\.\.250"):
        make_client(api, FakeTime()).orders_modified_since(datetime(2026, 1, 1, tzinfo=UTC), page_size)

    assert api.requests == []
