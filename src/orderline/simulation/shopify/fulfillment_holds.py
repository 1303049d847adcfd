"""A fake of Shopify's fulfillment-order holds, for the write-back's tests and the demo.

`FakeFulfillmentHolds` answers the GraphQL Admin calls Orderline's hold writer sends
(`connectors.shopify.writeback`): `order(id) { fulfillmentOrders { nodes { id status
fulfillmentHolds { id handle reason reasonNotes } } } }`, `fulfillmentOrderHold(id,
fulfillmentHold)` and `fulfillmentOrderReleaseHold(id, holdIds)`, following Shopify's
documented shapes: a hold's `handle` is unique per fulfillment order (a second hold with
the same handle is a userError), a fulfillment order is ON_HOLD while any hold is on it,
releasing without `holdIds` releases every hold. Mutations cost 10 query-cost points,
queries 2, from the same leaky bucket as `fake_admin` (THROTTLED when it is empty).

Failure injection: `fail_next` answers that many requests with HTTP 500 (`down` all of
them), `throttle_next` that many with 429 and `Retry-After`. Each change to a hold is
also recorded as the webhook Shopify would send (`webhooks`: topic and REST-shaped body,
`fulfillment_orders/placed_on_hold` and `/hold_released`), so a test can replay the echo;
`merchant_hold` and `merchant_release` are a person holding and releasing in the Shopify
admin.

Use it as an `httpx.MockTransport(fake.handle)`.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from orderline.simulation.shopify.fake_admin import LeakyBucket

MUTATION_COST = 10
QUERY_COST = 2
_FO = "gid://shopify/FulfillmentOrder/"
_HOLD = "gid://shopify/FulfillmentHold/"

Json = dict[str, Any]


@dataclass(slots=True)
class FakeHold:
    id: str
    reason: str
    reason_notes: str
    handle: str
    held_by_app: bool


@dataclass(slots=True)
class FakeFulfillmentOrder:
    id: int
    order_id: int
    holds: list[FakeHold] = field(default_factory=list)
    closed: bool = False

    @property
    def gid(self) -> str:
        return f"{_FO}{self.id}"

    @property
    def status(self) -> str:
        if self.closed:
            return "CLOSED"
        return "ON_HOLD" if self.holds else "OPEN"


class FakeFulfillmentHolds:
    def __init__(
        self,
        access_token: str = "shpat_fake",
        *,
        bucket_size: float = 1000.0,
        restore_rate: float = 100.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.access_token = access_token
        self.fulfillment_orders: dict[int, FakeFulfillmentOrder] = {}
        self.bucket = LeakyBucket(bucket_size, restore_rate, clock)
        self.fail_next = 0
        self.down = False
        self.throttle_next = 0
        self.retry_after_s = "2"
        self.requests = 0
        self.mutations: list[str] = []
        """The name of each mutation applied, in order ("hold", "release")."""
        self.webhooks: list[tuple[str, Json]] = []
        self._hold_ids = itertools.count(1)

    def add_order(self, order_id: int, *fulfillment_order_ids: int) -> None:
        for fo_id in fulfillment_order_ids:
            self.fulfillment_orders[fo_id] = FakeFulfillmentOrder(fo_id, order_id)

    def holds_on(self, fo_id: int) -> list[FakeHold]:
        return list(self.fulfillment_orders[fo_id].holds)

    def merchant_hold(self, fo_id: int, reason: str, notes: str = "") -> Json:
        """A person holds the fulfillment order in the admin; the webhook."""
        fulfillment_order = self.fulfillment_orders[fo_id]
        hold = FakeHold(f"{_HOLD}{next(self._hold_ids)}", reason, notes, "", held_by_app=False)
        fulfillment_order.holds.append(hold)
        return self._webhook("fulfillment_orders/placed_on_hold", fulfillment_order, created=hold)

    def merchant_release(self, fo_id: int, hold_id: str | None = None) -> Json:
        """A person releases the hold `hold_id` (every hold when None) in the admin; the webhook."""
        fulfillment_order = self.fulfillment_orders[fo_id]
        fulfillment_order.holds = [
            h for h in fulfillment_order.holds if hold_id is not None and h.id != hold_id
        ]
        return self._webhook("fulfillment_orders/hold_released", fulfillment_order)

    # --- HTTP ----------------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        if request.headers.get("X-Shopify-Access-Token") != self.access_token:
            return httpx.Response(401, json={"errors": "[API] Invalid API key or access token"})
        if self.down or self.fail_next > 0:
            self.fail_next = max(0, self.fail_next - 1)
            return httpx.Response(500, json={"errors": "Internal Server Error"})
        if self.throttle_next > 0:
            self.throttle_next -= 1
            return httpx.Response(
                429,
                headers={"Retry-After": self.retry_after_s},
                json={"errors": "Exceeded 2 calls per second"},
            )
        body = orjson.loads(request.content)
        document, variables = str(body["query"]), dict(body.get("variables") or {})
        if "fulfillmentOrderHold(" in document:
            return self._charged(MUTATION_COST, lambda: {"fulfillmentOrderHold": self._hold(variables)})
        if "fulfillmentOrderReleaseHold(" in document:
            return self._charged(
                MUTATION_COST, lambda: {"fulfillmentOrderReleaseHold": self._release(variables)}
            )
        if "fulfillmentOrders(" in document:
            return self._charged(QUERY_COST, lambda: {"order": self._order(variables)})
        return httpx.Response(
            200, json={"errors": [{"message": "the fake serves fulfillment-order holds only"}]}
        )

    def _charged(self, cost: int, run: Callable[[], Json]) -> httpx.Response:
        if not self.bucket.take(cost):
            status = {
                "requestedQueryCost": cost,
                "actualQueryCost": None,
                "throttleStatus": self.bucket.status(),
            }
            error = {"message": "Throttled", "extensions": {"code": "THROTTLED"}}
            return httpx.Response(200, json={"errors": [error], "extensions": {"cost": status}})
        data = run()
        status = {"requestedQueryCost": cost, "actualQueryCost": cost, "throttleStatus": self.bucket.status()}
        return httpx.Response(200, json={"data": data, "extensions": {"cost": status}})

    # --- the API -------------------------------------------------------------------------

    def _order(self, variables: Json) -> Json | None:
        tail = str(variables.get("id", "")).rsplit("/", 1)[-1]
        nodes = [fo for fo in self.fulfillment_orders.values() if str(fo.order_id) == tail]
        if not nodes:
            return None
        return {"fulfillmentOrders": {"nodes": [_node(fo) for fo in nodes]}}

    def _fulfillment_order(self, variables: Json) -> FakeFulfillmentOrder | None:
        tail = str(variables.get("id", "")).rsplit("/", 1)[-1]
        return self.fulfillment_orders.get(int(tail)) if tail.isdigit() else None

    def _hold(self, variables: Json) -> Json:
        fulfillment_order = self._fulfillment_order(variables)
        hold_input = dict(variables.get("fulfillmentHold") or {})
        if fulfillment_order is None:
            return _user_error("id", "Fulfillment order does not exist.")
        if fulfillment_order.closed:
            return _user_error("id", "The fulfillment order's status is not OPEN, ON_HOLD or SCHEDULED.")
        handle = str(hold_input.get("handle") or "")
        if any(h.handle == handle and h.held_by_app for h in fulfillment_order.holds):
            return _user_error(
                "fulfillmentHold.handle", "The handle provided for the fulfillment hold is already in use"
            )
        hold = FakeHold(
            f"{_HOLD}{next(self._hold_ids)}",
            str(hold_input.get("reason") or "OTHER"),
            str(hold_input.get("reasonNotes") or ""),
            handle,
            held_by_app=True,
        )
        fulfillment_order.holds.append(hold)
        self.mutations.append("hold")
        self._webhook("fulfillment_orders/placed_on_hold", fulfillment_order, created=hold)
        return {
            "fulfillmentHold": {"id": hold.id, "handle": hold.handle},
            "fulfillmentOrder": {"id": fulfillment_order.gid, "status": fulfillment_order.status},
            "userErrors": [],
        }

    def _release(self, variables: Json) -> Json:
        fulfillment_order = self._fulfillment_order(variables)
        if fulfillment_order is None:
            return _user_error("id", "Fulfillment order does not exist.")
        wanted = variables.get("holdIds")
        keep = [h for h in fulfillment_order.holds if wanted is not None and h.id not in wanted]
        if len(keep) == len(fulfillment_order.holds):
            return _user_error("id", "The fulfillment order is not on hold.")
        fulfillment_order.holds = keep
        self.mutations.append("release")
        self._webhook("fulfillment_orders/hold_released", fulfillment_order)
        return {
            "fulfillmentOrder": {"id": fulfillment_order.gid, "status": fulfillment_order.status},
            "userErrors": [],
        }

    def _webhook(
        self, topic: str, fulfillment_order: FakeFulfillmentOrder, created: FakeHold | None = None
    ) -> Json:
        """The REST-shaped body Shopify sends for `topic` (a thin fulfillment order)."""
        body: Json = {
            "fulfillment_order": {
                "id": fulfillment_order.gid,
                "status": fulfillment_order.status.lower(),
                "fulfillment_holds": [_rest_hold(h) for h in fulfillment_order.holds],
            }
        }
        if created is not None:
            body["created_fulfillment_hold"] = _rest_hold(created)
        self.webhooks.append((topic, body))
        return body


def _node(fulfillment_order: FakeFulfillmentOrder) -> Json:
    holds = [
        {"id": h.id, "handle": h.handle, "reason": h.reason, "reasonNotes": h.reason_notes}
        for h in fulfillment_order.holds
    ]
    return {"id": fulfillment_order.gid, "status": fulfillment_order.status, "fulfillmentHolds": holds}


def _rest_hold(hold: FakeHold) -> Json:
    return {
        "id": hold.id,
        "reason": hold.reason.lower(),
        "reason_notes": hold.reason_notes,
        "handle": hold.handle,
    }


def _user_error(where: str, message: str) -> Json:
    return {"userErrors": [{"field": [where], "message": message}]}
