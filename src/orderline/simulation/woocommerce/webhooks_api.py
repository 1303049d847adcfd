"""FakeWooWebhooks: WooCommerce's REST webhooks endpoints, as an `httpx.MockTransport` handler
(serve it over real HTTP with `simulation.loopback.LoopbackServer`).

Like the platform (REST v3 docs, `class-wc-rest-webhooks-controller`): HTTP Basic auth with
the consumer key pair (401 `woocommerce_rest_cannot_view` otherwise);
`GET /wp-json/wc/v3/webhooks?page&per_page` (at most 100, `X-WP-Total` and
`X-WP-TotalPages`), `POST` (201, `topic` and `delivery_url` required),
`PUT /wp-json/wc/v3/webhooks/{id}` (`status`, `delivery_url`, `name`; 404
`woocommerce_rest_webhook_invalid_id` for an unknown id). A webhook lists `id`, `name`,
`status` (`active`, `paused`, `disabled`), `topic`, `resource`, `event`, `hooks`,
`delivery_url` and its dates; its secret is never listed back. Faults go through `book`.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import httpx

from orderline.simulation.subscription_book import BookedSubscription, SubscriptionBook

WEBHOOKS = "/wp-json/wc/v3/webhooks"
_ONE = re.compile(rf"{WEBHOOKS}/(\d+)")
STATUSES = ("active", "paused", "disabled")
CREATED = "2026-01-05T09:00:00"


class FakeWooWebhooks:
    def __init__(self, consumer_key: str = "ck_fake", consumer_secret: str = "cs_fake") -> None:
        self.book = SubscriptionBook()
        self._auth = "Basic " + base64.b64encode(f"{consumer_key}:{consumer_secret}".encode()).decode()
        self.requests: list[str] = []
        self.is_down = False
        """While True every request is answered 503, as when the host is down."""
        self.refuse_creates = False
        """While True a new webhook is refused (400), as when the key may only read or edit."""

    def handler(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.requests.append(f"{request.method} {path}")
        if self.is_down:
            return httpx.Response(503, text="Service Unavailable")
        if request.headers.get("authorization") != self._auth:
            return _error(401, "woocommerce_rest_cannot_view", "Sorry, you cannot list resources.")
        if path == WEBHOOKS and request.method == "GET":
            return self._list(request)
        if path == WEBHOOKS and request.method == "POST":
            if self.refuse_creates:
                return _error(
                    400, "woocommerce_rest_cannot_create", "Sorry, you are not allowed to create resources."
                )
            return self._create(_body(request))
        found = _ONE.fullmatch(path)
        if found and request.method in ("PUT", "POST"):
            return self._update(int(found.group(1)), _body(request))
        return _error(404, "rest_no_route", "No route was found matching the URL and request method.")

    def _list(self, request: httpx.Request) -> httpx.Response:
        per_page = min(int(request.url.params.get("per_page") or 10), 100)
        page = max(int(request.url.params.get("page") or 1), 1)
        entries = self.book.listed()
        chunk = entries[(page - 1) * per_page : page * per_page]
        pages = max((len(entries) + per_page - 1) // per_page, 1)
        headers = {"X-WP-Total": str(len(entries)), "X-WP-TotalPages": str(pages)}
        return httpx.Response(200, headers=headers, json=[_webhook(e) for e in chunk])

    def _create(self, body: dict[str, Any]) -> httpx.Response:
        topic, url = body.get("topic"), body.get("delivery_url")
        if not isinstance(topic, str) or "." not in topic:
            return _error(
                400, "woocommerce_rest_webhook_invalid_topic", "Webhook topic is required and must be valid."
            )
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            return _error(400, "rest_invalid_param", "Invalid parameter(s): delivery_url")
        status = body.get("status", "active")
        if status not in STATUSES:
            return _error(400, "rest_invalid_param", "Invalid parameter(s): status")
        secret = body.get("secret")
        subscription_id = self.book.add(topic, url, str(status), secret if isinstance(secret, str) else None)
        return httpx.Response(201, json=_webhook(self.book.entries[subscription_id]))

    def _update(self, subscription_id: int, body: dict[str, Any]) -> httpx.Response:
        status = body.get("status")
        if status is not None and status not in STATUSES:
            return _error(400, "rest_invalid_param", "Invalid parameter(s): status")
        url = body.get("delivery_url")
        changed = self.book.update(
            subscription_id,
            state=None if status is None else str(status),
            address=url if isinstance(url, str) else None,
        )
        if not changed:
            return _error(404, "woocommerce_rest_webhook_invalid_id", "Invalid ID.")
        return httpx.Response(200, json=_webhook(self.book.entries[subscription_id]))


def _webhook(entry: BookedSubscription) -> dict[str, Any]:
    resource, _, event = entry.topic.partition(".")
    return {
        "id": entry.subscription_id,
        "name": f"Webhook {entry.subscription_id}",
        "status": entry.state,
        "topic": entry.topic,
        "resource": resource,
        "event": event,
        "hooks": [f"woocommerce_{event}_{resource}"],
        "delivery_url": entry.address,
        "date_created": CREATED,
        "date_created_gmt": CREATED,
        "date_modified": CREATED,
        "date_modified_gmt": CREATED,
    }


def _body(request: httpx.Request) -> dict[str, Any]:
    try:
        body = json.loads(request.content or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _error(status: int, code: str, message: str) -> httpx.Response:
    return httpx.Response(status, json={"code": code, "message": message, "data": {"status": status}})
