"""A fake Shopify Admin GraphQL API over real HTTP, for import tests and benchmarks.

`FakeAdminServer` serves one shop's orders, generated deterministically from a seed
(`admin_orders.generate_order_nodes`), on a free loopback port (stdlib `http.server` in a thread;
`serve_forever` runs it in a process of its own). It answers the two queries Orderline
sends: `orders(first, after, query: "updated_at:>'…'", sortKey: UPDATED_AT)` with
cursor pages, and `fulfillmentOrder(id) { order { id legacyResourceId } }`. Whatever
the selection, an order node carries every field `ORDERS_UPDATED_SINCE` asks for.

Rate limiting follows Shopify's shape (a leaky bucket of query-cost points, the
`extensions.cost` block, `THROTTLED` and `MAX_COST_EXCEEDED` errors) with a simplified
cost: a flat `order_cost` per requested order. Shopify's real calculation counts every
nested connection by its `first`, so a page of full orders costs far more there.
"""

from __future__ import annotations

import base64
import bisect
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson

from orderline.simulation.shopify.admin_orders import Json, generate_order_nodes, timestamp

_SINCE = re.compile(r"updated_at:>'([^']+)'")
_INVALID_TOKEN = b'{"errors":"[API] Invalid API key or access token (unrecognized login or wrong password)"}'


@dataclass(frozen=True, slots=True)
class ShopSpec:
    """Everything that defines a fake shop; picklable, so a server process can rebuild it."""

    order_count: int
    seed: int = 1
    start: datetime = datetime(2026, 1, 5, tzinfo=UTC)
    spacing_s: int = 60
    """Orders are placed about this far apart."""
    access_token: str = "shpat_fake"
    bucket_size: float = 1000.0
    restore_rate: float = 100.0
    """Points per second (Shopify Standard: 100, Advanced: 200, Plus: 1000)."""
    order_cost: int = 1


# --- rate limiting ----------------------------------------------------------------------


class LeakyBucket:
    """Query-cost points: `size` at most, restored at `restore_rate` per second."""

    def __init__(self, size: float, restore_rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.size = size
        self.restore_rate = restore_rate
        self._clock = clock
        self._available = size
        self._at = clock()
        self._lock = threading.Lock()

    def take(self, points: float) -> bool:
        """Spend `points` if the bucket holds them; False (nothing spent) if not."""
        with self._lock:
            if self._refill() < points:
                return False
            self._available -= points
            return True

    def give_back(self, points: float) -> None:
        with self._lock:
            self._available = min(self.size, self._refill() + points)

    def status(self) -> Json:
        with self._lock:
            available = self._refill()
        return {
            "maximumAvailable": self.size,
            "currentlyAvailable": available,
            "restoreRate": self.restore_rate,
        }

    def _refill(self) -> float:
        now = self._clock()
        self._available = min(self.size, self._available + (now - self._at) * self.restore_rate)
        self._at = now
        return self._available


# --- the API ----------------------------------------------------------------------------


class FakeAdminApi:
    """One shop's GraphQL endpoint without the HTTP: a request body in, (status, body) out."""

    def __init__(self, spec: ShopSpec, clock: Callable[[], float] = time.monotonic) -> None:
        self.spec = spec
        self.orders = generate_order_nodes(
            spec.order_count, seed=spec.seed, start=spec.start, spacing_s=spec.spacing_s
        )
        self._keys = [order.key for order in self.orders]
        self._by_fulfillment_order = {fo: o for o in self.orders for fo in o.fulfillment_order_ids}
        self.bucket = LeakyBucket(spec.bucket_size, spec.restore_rate, clock)
        self.requests = 0
        self.throttled = 0

    def answer(self, access_token: str | None, body: bytes) -> tuple[int, bytes]:
        self.requests += 1
        if access_token != self.spec.access_token:
            return 401, _INVALID_TOKEN
        try:
            request = orjson.loads(body)
            document, variables = str(request["query"]), dict(request.get("variables") or {})
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            return 400, b'{"errors":{"query":"Required parameter missing or invalid"}}'
        if "fulfillmentOrder(" in document:
            return 200, self._fulfillment_order(variables)
        if "orders(" in document:
            return 200, self._orders(variables)
        return 200, _errors("the fake Admin API serves only the orders and fulfillmentOrder queries")

    def _orders(self, variables: Json) -> bytes:
        first = variables.get("first")
        if not isinstance(first, int) or not 1 <= first <= 250:
            return _errors(f"first must be 1..250, got {first!r}")
        requested = 2 + first * self.spec.order_cost
        refused = self._charge(requested)
        if refused is not None:
            return refused
        start = self._start(variables)
        page = self.orders[start : start + first]
        actual = 2 + len(page) * self.spec.order_cost
        self.bucket.give_back(requested - actual)
        page_info = {
            "hasNextPage": start + first < len(self.orders),
            "endCursor": _cursor(page[-1].key) if page else None,
        }
        nodes = b",".join(order.body for order in page)
        return b'{"data":{"orders":{"pageInfo":%b,"nodes":[%b]}},"extensions":%b}' % (
            orjson.dumps(page_info),
            nodes,
            orjson.dumps({"cost": self._cost(requested, actual)}),
        )

    def _start(self, variables: Json) -> int:
        """Index of the first order after the search's `updated_at` bound and the cursor."""
        start = 0
        since = _SINCE.search(str(variables.get("query") or ""))
        if since is not None:
            bound = timestamp(datetime.fromisoformat(since.group(1)).astimezone(UTC))
            start = bisect.bisect_right(self._keys, (bound, 10**30))
        after = variables.get("after")
        if isinstance(after, str):
            start = max(start, bisect.bisect_right(self._keys, _cursor_key(after)))
        return start

    def _fulfillment_order(self, variables: Json) -> bytes:
        tail = str(variables.get("id", "")).rsplit("/", 1)[-1]
        order = self._by_fulfillment_order.get(int(tail)) if tail.isdigit() else None
        refused = self._charge(2)
        if refused is not None:
            return refused
        found = None
        if order is not None:
            order_id = order.key[1]
            found = {"order": {"id": f"gid://shopify/Order/{order_id}", "legacyResourceId": str(order_id)}}
        return orjson.dumps({"data": {"fulfillmentOrder": found}, "extensions": {"cost": self._cost(2, 2)}})

    def _charge(self, requested: int) -> bytes | None:
        """Take the query's cost from the bucket; the error answer when it cannot be run."""
        if requested > self.bucket.size:
            message = f"Query cost is {requested}, which exceeds the single query max cost limit"
            return _errors(
                f"{message} ({self.bucket.size}).", "MAX_COST_EXCEEDED", self._cost(requested, None)
            )
        if not self.bucket.take(requested):
            self.throttled += 1
            return _errors("Throttled", "THROTTLED", self._cost(requested, None))
        return None

    def _cost(self, requested: int, actual: int | None) -> Json:
        return {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": self.bucket.status(),
        }


def _errors(message: str, code: str | None = None, cost: Json | None = None) -> bytes:
    error: Json = {"message": message}
    if code is not None:
        error["extensions"] = {"code": code, "documentation": "https://shopify.dev/api/usage/rate-limits"}
    body: Json = {"errors": [error]}
    if cost is not None:
        body["extensions"] = {"cost": cost}
    return orjson.dumps(body)


def _cursor(key: tuple[str, int]) -> str:
    return base64.urlsafe_b64encode(json.dumps({"last_id": key[1], "last_value": key[0]}).encode()).decode()


def _cursor_key(cursor: str) -> tuple[str, int]:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor))
        return str(data["last_value"]), int(data["last_id"])
    except (ValueError, KeyError, TypeError):
        return ("", 0)  # Shopify answers a foreign cursor from the start as well


# --- HTTP -------------------------------------------------------------------------------


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], api: FakeAdminApi) -> None:
        super().__init__(address, _Handler)
        self.api = api


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as Shopify serves it

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if not self.path.endswith("/graphql.json"):
            status, payload = 404, b'{"errors":"Not Found"}'
        else:
            assert isinstance(self.server, _HttpServer)
            status, payload = self.server.api.answer(self.headers.get("X-Shopify-Access-Token"), body)
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests and benchmarks read the counters instead."""


class FakeAdminServer:
    """The fake shop on a loopback port. `url` is the store's `api_base_url`."""

    def __init__(self, spec: ShopSpec, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.api = FakeAdminApi(spec)
        self._http = _HttpServer((host, port), self.api)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._http.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeAdminServer:
        self._thread = threading.Thread(
            target=self._http.serve_forever, name="fake-shopify-admin", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._http.shutdown()
            self._thread.join()
            self._thread = None
        self._http.server_close()

    def __enter__(self) -> FakeAdminServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve_forever(spec: ShopSpec, port: int) -> None:
    """Serve in the calling process until it is terminated (benchmarks run it in a process
    of their own, so the server's work does not share a GIL with the importer's)."""
    FakeAdminServer(spec, port=port)._http.serve_forever()
