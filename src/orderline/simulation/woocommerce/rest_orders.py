"""A fake of the WooCommerce REST orders endpoints the hold write-back uses, for
`httpx.MockTransport`: `GET /wp-json/wc/v3/orders/<id>`, `PUT` of the same (the fields
sent replace the order's; `meta_data` entries are merged by key, as WooCommerce does for a
unique key) and `POST /wp-json/wc/v3/orders/<id>/notes` (201 with the note).

Like WooCommerce: HTTP Basic auth with the consumer key and secret (401 otherwise), an
unknown order is 404 with a WordPress error body (`woocommerce_rest_shop_order_invalid_id`),
and a PUT moves `date_modified_gmt` on (one second; the fake has no clock of its own).
Failure injection: `fail_next` answers that many requests 500 (`down` all of them),
`throttle_next` that many 429 with `Retry-After` (a host's rate limit in front of WordPress).
"""

from __future__ import annotations

import base64
import re
from datetime import datetime, timedelta
from typing import Any

import httpx
import orjson

ORDERS_PATH = "/wp-json/wc/v3/orders"
_ORDER = re.compile(rf"{re.escape(ORDERS_PATH)}/(\d+)")
_NOTES = re.compile(rf"{re.escape(ORDERS_PATH)}/(\d+)/notes")

Json = dict[str, Any]


class FakeWooOrders:
    def __init__(self, consumer_key: str = "ck_fake", consumer_secret: str = "cs_fake") -> None:
        token = base64.b64encode(f"{consumer_key}:{consumer_secret}".encode()).decode()
        self._authorization = f"Basic {token}"
        self.orders: dict[int, Json] = {}
        self.notes: dict[int, list[Json]] = {}
        self.fail_next = 0
        self.down = False
        self.throttle_next = 0
        self.retry_after_s = "2"
        self.requests: list[str] = []
        """`PUT /wp-json/wc/v3/orders/727` for every request answered."""

    def add_order(self, body: Json) -> None:
        self.orders[int(body["id"])] = dict(body)
        self.notes[int(body["id"])] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.requests.append(f"{request.method} {path}")
        if request.headers.get("Authorization") != self._authorization:
            return _error(401, "woocommerce_rest_cannot_view", "Sorry, you cannot list resources.")
        if self.down or self.fail_next > 0:
            self.fail_next = max(0, self.fail_next - 1)
            return _error(500, "internal_server_error", "There has been a critical error on this website.")
        if self.throttle_next > 0:
            self.throttle_next -= 1
            return httpx.Response(429, headers={"Retry-After": self.retry_after_s}, text="Too Many Requests")
        if (found := _NOTES.fullmatch(path)) and request.method == "POST":
            return self._add_note(int(found.group(1)), orjson.loads(request.content or b"{}"))
        if found := _ORDER.fullmatch(path):
            if request.method == "GET":
                return self._order(int(found.group(1)))
            if request.method == "PUT":
                return self._update(int(found.group(1)), orjson.loads(request.content or b"{}"))
        return _error(404, "rest_no_route", "No route was found matching the URL and request method.")

    def _order(self, order_id: int) -> httpx.Response:
        order = self.orders.get(order_id)
        return httpx.Response(200, json=order) if order is not None else _invalid_id()

    def _update(self, order_id: int, change: Json) -> httpx.Response:
        order = self.orders.get(order_id)
        if order is None:
            return _invalid_id()
        meta = {entry["key"]: entry for entry in order.get("meta_data") or []}
        for entry in change.pop("meta_data", None) or []:
            meta[entry["key"]] = {"id": len(meta) + 1, **meta.get(entry["key"], {}), **entry}
        order.update(change)
        order["meta_data"] = list(meta.values())
        modified = datetime.fromisoformat(order["date_modified_gmt"]) + timedelta(seconds=1)
        order["date_modified_gmt"] = order["date_modified"] = modified.isoformat(timespec="seconds")
        return httpx.Response(200, json=order)

    def _add_note(self, order_id: int, note: Json) -> httpx.Response:
        if order_id not in self.orders:
            return _invalid_id()
        stored = {"id": sum(len(n) for n in self.notes.values()) + 1, "note": str(note.get("note") or ""),
                  "customer_note": bool(note.get("customer_note"))}  # fmt: skip
        self.notes[order_id].append(stored)
        return httpx.Response(201, json=stored)


def _invalid_id() -> httpx.Response:
    return _error(404, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")


def _error(status: int, code: str, message: str) -> httpx.Response:
    return httpx.Response(status, json={"code": code, "message": message, "data": {"status": status}})
