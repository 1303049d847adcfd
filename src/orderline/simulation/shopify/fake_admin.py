"""A fake Shopify Admin GraphQL API over real HTTP, for import tests and benchmarks.

`FakeAdminServer` serves one shop's orders, generated deterministically from a seed
(`admin_orders.generate_order_nodes`), on a free loopback port (stdlib `http.server` in a
thread; `serve_forever` runs it in a process of its own). It answers what Orderline
sends: `bulkOperationRunQuery` over `orders(query: "updated_at:>'…'")`, `node(id)` of
the bulk operation (CREATED, RUNNING for `bulk_polls_running` polls, then COMPLETED
with a `url`), the result file at that URL as grouped JSONL (`bulk_lines`), and
`fulfillmentOrder(id) { order { id legacyResourceId } }`. Whatever the selection, an
order carries every field `connectors.shopify.bulk` asks for.

Rate limiting follows Shopify's shape: a leaky bucket of query-cost points, the
`extensions.cost` block, `THROTTLED` and `MAX_COST_EXCEEDED` errors. Starting a bulk
operation costs 10 points, as on Shopify; polling it 1; its file costs nothing.
"""

from __future__ import annotations

import bisect
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson

from orderline.simulation.shopify.admin_orders import AdminOrder, Json, generate_order_nodes, timestamp
from orderline.simulation.shopify.fake_subscriptions import FakeShopifySubscriptions

BULK_MUTATION_COST = 10
_OPERATION_GID = "gid://shopify/BulkOperation/"
_BULK_FILE = re.compile(r"^/bulk/(\d+)\.jsonl$")
_SINCE = re.compile(r"updated_at:>'([^']+)'")
_CREATED_FROM = re.compile(r"created_at:>='([^']+)'")
_CREATED_BEFORE = re.compile(r"created_at:<'([^']+)'")
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
    bulk_polls_running: int = 1
    """Polls that find a bulk operation RUNNING before it completes."""


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
        self._jsonl: list[bytes] | None = None
        self._lock = threading.Lock()
        self.bucket = LeakyBucket(spec.bucket_size, spec.restore_rate, clock)
        self.operations: dict[str, BulkOperation] = {}
        self.base_url = "http://127.0.0.1"
        """Where result files are served from (`FakeAdminServer` sets its own address)."""
        self.requests = 0
        self.throttled = 0
        self.bulk_queries: list[str] = []
        """The query of every bulk operation started, for tests to read."""
        self.subscriptions = FakeShopifySubscriptions()
        """The shop's webhook subscriptions, with their faults (`subscriptions.book`)."""

    def answer(self, access_token: str | None, body: bytes) -> tuple[int, bytes]:
        self.requests += 1
        if access_token != self.spec.access_token:
            return 401, _INVALID_TOKEN
        try:
            request = orjson.loads(body)
            document, variables = str(request["query"]), dict(request.get("variables") or {})
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            return 400, b'{"errors":{"query":"Required parameter missing or invalid"}}'
        if "webhookSubscription" in document:
            return 200, self._webhook_subscriptions(document, variables)
        if "ordersCount(" in document:
            return 200, self._orders_count(variables)
        if "fulfillmentOrder(" in document:
            return 200, self._fulfillment_order(variables)
        if "bulkOperationRunQuery(" in document:
            return 200, self._run_bulk_query(variables)
        if "... on BulkOperation" in document:
            return 200, self._bulk_operation(variables)
        return 200, _errors(
            "the fake Admin API serves only fulfillmentOrder, bulkOperationRunQuery and node(id) of a"
            " BulkOperation"
        )

    def result_file(self, operation_id: int) -> list[bytes] | None:
        """A completed operation's result file, an entry per order (its JSONL lines); None
        for an operation unknown or not completed."""
        operation = self.operations.get(f"{_OPERATION_GID}{operation_id}")
        if operation is None or operation.status != "COMPLETED":
            return None
        return self._result_lines(operation.since)

    def _run_bulk_query(self, variables: Json) -> bytes:
        refused = self._charge(BULK_MUTATION_COST)
        if refused is not None:
            return refused
        query = str(variables.get("query") or "")
        if not re.search(r"^\s*\{\s*orders\b", query) or "edges" not in query:
            errors: list[Json] = [
                {"field": ["query"], "message": "Invalid bulk query: the fake serves orders only"}
            ]
            payload: Json = {"bulkOperation": None, "userErrors": errors}
        else:
            with self._lock:
                if any(op.status in ("CREATED", "RUNNING") for op in self.operations.values()):
                    message = "A bulk query operation for this app and shop is already in progress"
                    errors = [{"field": None, "message": f"{message}."}]
                    payload = {"bulkOperation": None, "userErrors": errors}
                else:
                    since = _SINCE.search(query)
                    operation_id = f"{_OPERATION_GID}{len(self.operations) + 1}"
                    bound = timestamp(datetime.fromisoformat(since.group(1)).astimezone(UTC)) if since else ""
                    operation = BulkOperation(operation_id, bound, self.spec.bulk_polls_running)
                    self.operations[operation_id] = operation
                    self.bulk_queries.append(query)
                    payload = {"bulkOperation": {"id": operation_id, "status": "CREATED"}, "userErrors": []}
        return _answer({"bulkOperationRunQuery": payload}, self._cost(BULK_MUTATION_COST, BULK_MUTATION_COST))

    def _bulk_operation(self, variables: Json) -> bytes:
        refused = self._charge(1)
        if refused is not None:
            return refused
        operation = self.operations.get(str(variables.get("id")))
        if operation is None:
            return _answer({"node": None}, self._cost(1, 1))
        with self._lock:
            if operation.running_polls_left > 0:
                operation.status = "RUNNING"
                operation.running_polls_left -= 1
            else:
                self._result_lines(operation.since)  # Shopify writes the whole file first
                operation.status = "COMPLETED"
        completed = operation.status == "COMPLETED"
        objects = sum(entry.count(b"\n") for entry in self._result_lines(operation.since)) if completed else 0
        node: Json = {"id": operation.operation_id, "status": operation.status, "errorCode": None}
        node["objectCount"] = str(objects)  # every line: orders and their connections' nodes
        number = operation.operation_id.rsplit("/", 1)[-1]
        completed_with_file = completed and objects > 0
        node["url"] = f"{self.base_url}/bulk/{number}.jsonl" if completed_with_file else None
        return _answer({"node": node}, self._cost(1, 1))

    def _selected(self, since: str) -> list[AdminOrder]:
        start = bisect.bisect_right(self._keys, (since, 10**30)) if since else 0
        return self.orders[start:]

    def _result_lines(self, since: str) -> list[bytes]:
        """Per order updated after `since`, its grouped JSONL lines (built once for all)."""
        if self._jsonl is None:
            self._jsonl = [bulk_lines(orjson.loads(order.body)) for order in self.orders]
        start = len(self.orders) - len(self._selected(since))
        return self._jsonl[start:]

    def _orders_count(self, variables: Json) -> bytes:
        """`ordersCount(query: "created_at:>='…' AND created_at:<'…'")`: exact, cost 1."""
        refused = self._charge(1)
        if refused is not None:
            return refused
        query = str(variables.get("query") or "")
        start, end = _CREATED_FROM.search(query), _CREATED_BEFORE.search(query)
        low = _instant(start.group(1)) if start else None
        high = _instant(end.group(1)) if end else None
        created = (_instant(str(orjson.loads(order.body)["createdAt"])) for order in self.orders)
        count = sum(1 for at in created if (low is None or at >= low) and (high is None or at < high))
        return _answer({"ordersCount": {"count": count, "precision": "EXACT"}}, self._cost(1, 1))

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
        return _answer({"fulfillmentOrder": found}, self._cost(2, 2))

    def _webhook_subscriptions(self, document: str, variables: Json) -> bytes:
        cost = BULK_MUTATION_COST if document.lstrip().startswith("mutation") else 1
        refused = self._charge(cost)
        if refused is not None:
            return refused
        return _answer(self.subscriptions.answer(document, variables), self._cost(cost, cost))

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


@dataclass(slots=True)
class BulkOperation:
    operation_id: str
    since: str
    """The search's `updated_at` bound as the orders' keys spell it ("" for none)."""
    running_polls_left: int
    status: str = "CREATED"


def bulk_lines(node: Json) -> bytes:
    """One order node as a grouped bulk result writes it: the order's line (its plain
    lists inline, its connections left out), then a line per connection node naming its
    parent in `__parentId`. Ends with a newline."""
    order_id = node["id"]
    children: list[Json] = []
    for field, typename in (("lineItems", "LineItem"), ("fulfillmentOrders", "FulfillmentOrder")):
        connection = node.pop(field, None) or {}
        children.extend(
            {"__typename": typename, **child, "__parentId": order_id}
            for child in connection.get("nodes") or []
        )
    for field, lines, typename in (
        ("fulfillments", "fulfillmentLineItems", "FulfillmentLineItem"),
        ("refunds", "refundLineItems", "RefundLineItem"),
    ):
        for owner in node.get(field) or []:
            connection = owner.pop(lines, None) or {}
            children.extend(
                {"__typename": typename, **child, "__parentId": owner["id"]}
                for child in connection.get("nodes") or []
            )
    return b"".join(orjson.dumps(item) + b"\n" for item in [node, *children])


def _answer(data: Json, cost: Json) -> bytes:
    return orjson.dumps({"data": data, "extensions": {"cost": cost}})


def _errors(message: str, code: str | None = None, cost: Json | None = None) -> bytes:
    error: Json = {"message": message}
    if code is not None:
        error["extensions"] = {"code": code, "documentation": "https://shopify.dev/api/usage/rate-limits"}
    body: Json = {"errors": [error]}
    if cost is not None:
        body["extensions"] = {"cost": cost}
    return orjson.dumps(body)


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

    def do_GET(self) -> None:
        """A bulk operation's result file (its URL is signed on Shopify: no token)."""
        assert isinstance(self.server, _HttpServer)
        found = _BULK_FILE.match(self.path)
        lines = self.server.api.result_file(int(found.group(1))) if found else None
        if lines is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/jsonl")
        self.send_header("Content-Length", str(sum(len(line) for line in lines)))
        self.end_headers()
        chunk: list[bytes] = []
        for line in lines:
            chunk.append(line)
            if len(chunk) == 256:
                self.wfile.write(b"".join(chunk))
                chunk = []
        self.wfile.write(b"".join(chunk))

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests and benchmarks read the counters instead."""


class FakeAdminServer:
    """The fake shop on a loopback port. `url` is the store's `api_base_url`."""

    def __init__(self, spec: ShopSpec, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.api = FakeAdminApi(spec)
        self._http = _HttpServer((host, port), self.api)
        self.api.base_url = self.url
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


def _instant(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
