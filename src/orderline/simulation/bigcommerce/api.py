"""FakeBigCommerce: the REST endpoints Orderline reads, answered from in-memory state.

Served two ways over the same state: `handler` for `httpx.MockTransport` (fast unit
tests) and `FakeBigCommerceServer` (a real HTTP server on loopback). Paths are the real
ones under `/stores/{store_hash}`, so a client's default base URL works with the mock
transport and `http://127.0.0.1:{port}/stores/{store_hash}` with the server.

Like the platform: `X-Auth-Token` is required (401 otherwise); every answer carries the
`X-Rate-Limit-*` headers of a per-window request quota, and a request over the quota gets
429 (it is not counted); an empty collection is an empty 204; an unknown order is 404.
`throttle_chance` adds 429s at random, as when other apps on the store use the quota.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from orderline.simulation.bigcommerce.bodies import order_body, product_body, refund_body, shipment_body
from orderline.simulation.bigcommerce.hooks import FakeHooks
from orderline.simulation.bigcommerce.order_writes import FakeOrderWrites
from orderline.simulation.bigcommerce.state import FakeOrder, FakeStoreState

DEFAULT_LIMIT = 50
MAX_LIMIT = 250

_ROUTES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"/v2/orders"), "orders"),
    (re.compile(r"/v2/orders/count"), "count"),
    (re.compile(r"/v2/orders/(\d+)"), "order"),
    (re.compile(r"/v2/orders/(\d+)/products"), "products"),
    (re.compile(r"/v2/orders/(\d+)/shipments"), "shipments"),
    (re.compile(r"/v3/orders/(\d+)/payment_actions/refunds"), "refunds"),
)


@dataclass(frozen=True, slots=True)
class FakeResponse:
    status: int
    headers: dict[str, str]
    body: bytes


class _Quota:
    def __init__(self, requests: int, window_s: float, clock: Callable[[], float]) -> None:
        self.requests, self.window_s, self._clock = requests, window_s, clock
        self._window_start = clock()
        self.used = 0

    def reset_ms(self) -> int:
        now = self._clock()
        if now - self._window_start >= self.window_s:
            self._window_start, self.used = now, 0
        return max(int((self._window_start + self.window_s - now) * 1000), 1)

    def headers(self) -> dict[str, str]:
        return {
            "X-Rate-Limit-Time-Window-Ms": str(int(self.window_s * 1000)),
            "X-Rate-Limit-Time-Reset-Ms": str(self.reset_ms()),
            "X-Rate-Limit-Requests-Quota": str(self.requests),
            "X-Rate-Limit-Requests-Left": str(max(self.requests - self.used, 0)),
        }


class FakeBigCommerce:
    def __init__(
        self,
        store_hash: str,
        api_token: str = "fake-api-token",
        *,
        rng: random.Random | None = None,
        throttle_chance: float = 0.0,
        quota: int = 150,
        window_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.state = FakeStoreState(store_hash)
        self.api_token = api_token
        self.throttle_chance = throttle_chance
        self._rng = rng or random.Random(0)
        self._quota = _Quota(quota, window_s, clock)
        self.requests: list[str] = []
        """`GET /v2/orders/1` for every request answered (throttled ones too)."""
        self.is_down = False
        """While True every request is answered 503, as during a platform outage."""
        self.hooks = FakeHooks(store_hash)
        """`/v3/hooks`: the store's webhook subscriptions, with their faults (`hooks.book`)."""
        self.order_writes = FakeOrderWrites(self.state)
        """`PUT /v2/orders/{id}`: status and staff notes, as the hold write-back sends them."""

    @property
    def store_hash(self) -> str:
        return self.state.store_hash

    def handle(
        self, method: str, path: str, query: Mapping[str, str], headers: Mapping[str, str], body: bytes = b""
    ) -> FakeResponse:
        with self.state.lock:
            self.requests.append(f"{method} {path}")
            if self.is_down:
                return self._json(503, {"status": 503, "title": "Service Unavailable"})
            if {k.lower(): v for k, v in headers.items()}.get("x-auth-token") != self.api_token:
                return self._json(
                    401, {"status": 401, "title": "You are not authorized to access this resource."}
                )
            self._quota.reset_ms()
            if self._quota.used >= self._quota.requests or self._rng.random() < self.throttle_chance:
                return self._json(429, {"status": 429, "title": "Too many requests"})
            self._quota.used += 1
            inner = path.removeprefix(f"/stores/{self.store_hash}")
            hooks = self.hooks.answer(method, inner, dict(query), body) if inner != path else None
            if hooks is not None:
                return self._json(*hooks)
            written = self.order_writes.answer(method, inner, body) if inner != path else None
            if written is not None:
                return self._json(*written)
            if method != "GET":
                return self._json(405, {"status": 405, "title": "Method not allowed"})
            return self._route(path, query)

    def handler(self, request: httpx.Request) -> httpx.Response:
        """An `httpx.MockTransport` handler over the same state."""
        query = {key: value for key, value in request.url.params.items()}
        answer = self.handle(request.method, request.url.path, query, dict(request.headers), request.content)
        return httpx.Response(answer.status, headers=answer.headers, content=answer.body)

    def _route(self, path: str, query: Mapping[str, str]) -> FakeResponse:
        prefix = f"/stores/{self.store_hash}"
        if not path.startswith(prefix + "/"):
            return self._not_found()
        for pattern, name in _ROUTES:
            found = pattern.fullmatch(path[len(prefix) :])
            if found:
                return self._answer(name, int(found.group(1)) if found.groups() else 0, query)
        return self._not_found()

    def _answer(self, name: str, order_id: int, query: Mapping[str, str]) -> FakeResponse:
        if name == "orders":
            return self._page([order_body(o, self.store_hash) for o in _listed(self.state, query)], query)
        if name == "count":
            return self._json(200, {"count": _created_count(self.state, query), "statuses": []})
        order = self.state.orders.get(order_id)
        if order is None:
            return self._not_found()
        if name == "order":
            return self._json(200, order_body(order, self.store_hash))
        if name == "products":
            return self._page([product_body(row) for row in order.products], query)
        if name == "shipments":
            return self._page([shipment_body(order, shipment) for shipment in order.shipments], query)
        return self._json(200, {"data": [refund_body(refund) for refund in order.refunds], "meta": {}})

    def _page(self, rows: list[dict[str, Any]], query: Mapping[str, str]) -> FakeResponse:
        limit = min(_int(query.get("limit"), DEFAULT_LIMIT), MAX_LIMIT)
        page = max(_int(query.get("page"), 1), 1)
        chunk = rows[(page - 1) * limit : page * limit]
        return self._json(200, chunk) if chunk else FakeResponse(204, self._quota.headers(), b"")

    def _not_found(self) -> FakeResponse:
        return self._json(404, [{"status": 404, "message": "The requested resource was not found."}])

    def _json(self, status: int, body: Any) -> FakeResponse:
        headers = {"Content-Type": "application/json", **self._quota.headers()}
        return FakeResponse(status, headers, json.dumps(body).encode())


def _listed(state: FakeStoreState, query: Mapping[str, str]) -> list[FakeOrder]:
    orders = sorted(state.orders.values(), key=lambda o: o.id)
    since = _parse_date(query.get("min_date_modified"))
    if since is not None:
        orders = [o for o in orders if o.date_modified >= since]
    if query.get("sort") == "date_modified:asc":
        orders.sort(key=lambda o: (o.date_modified, o.id))
    return orders


def _created_count(state: FakeStoreState, query: Mapping[str, str]) -> int:
    """Orders created within `min_date_created` .. `max_date_created`, both ends included."""
    low, high = _parse_date(query.get("min_date_created")), _parse_date(query.get("max_date_created"))
    return sum(
        1
        for order in state.orders.values()
        if (low is None or order.date_created >= low) and (high is None or order.date_created <= high)
    )


def _parse_date(value: str | None) -> datetime | None:
    """The filter accepts RFC 2822 or ISO 8601, like the platform."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        parsed = parsedate_to_datetime(value)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default
