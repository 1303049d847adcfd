"""FakeHooks: BigCommerce's `/v3/hooks` endpoints over a `SubscriptionBook`, answered inside
FakeBigCommerce (so the same token check, request quota and 429s apply).

Like the platform (reference/webhooks.v3.yml, reference §3.2): `GET /v3/hooks?page&limit`
answers `{data: [hook], meta: {pagination}}`; `POST /v3/hooks` (`scope`, `destination`
required; the destination must be HTTPS on port 443; one hook per scope and destination,
else 422) answers `{data: hook, meta: {}}`; `PUT /v3/hooks/{id}` changes `is_active`,
`destination` or `headers` (404 for an unknown id). A hook lists `id`, `client_id`,
`store_hash`, `scope`, `destination`, `is_active`, `headers` and unix `created_at` and
`updated_at`. `book.set_state(scope, "inactive")` is BigCommerce's deactivation.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

from orderline.simulation.subscription_book import BookedSubscription, SubscriptionBook

_ONE = re.compile(r"/v3/hooks/(\d+)")
CLIENT_ID = "fake-client-id"
CREATED_AT = 1767603600  # 2026-01-05T09:00:00Z
DEFAULT_LIMIT = 50


class FakeHooks:
    def __init__(self, store_hash: str) -> None:
        self.store_hash = store_hash
        self.book = SubscriptionBook()
        self._headers: dict[int, dict[str, str]] = {}

    def answer(self, method: str, path: str, query: dict[str, str], body: bytes) -> tuple[int, Any] | None:
        """(status, JSON body) for a hooks request; None for a path that is not about hooks."""
        if path == "/v3/hooks":
            if method == "GET":
                return self._list(query)
            if method == "POST":
                return self._create(_json(body))
            return 405, {"status": 405, "title": "Method not allowed"}
        found = _ONE.fullmatch(path)
        if found is None:
            return None
        hook_id = int(found.group(1))
        if hook_id not in self.book.entries:
            return 404, {"status": 404, "title": "Hook not found"}
        if method == "GET":
            return 200, {"data": self._hook(self.book.entries[hook_id]), "meta": {}}
        if method == "PUT":
            return self._update(hook_id, _json(body))
        return 405, {"status": 405, "title": "Method not allowed"}

    def _list(self, query: dict[str, str]) -> tuple[int, Any]:
        limit = min(int(query.get("limit") or DEFAULT_LIMIT), 250)
        page = max(int(query.get("page") or 1), 1)
        entries = self.book.listed()
        chunk = entries[(page - 1) * limit : page * limit]
        pages = max((len(entries) + limit - 1) // limit, 1)
        pagination = {
            "total": len(entries), "count": len(chunk), "per_page": limit, "current_page": page,
            "total_pages": pages, "links": {},
        }  # fmt: skip
        return 200, {"data": [self._hook(e) for e in chunk], "meta": {"pagination": pagination}}

    def _create(self, body: dict[str, Any]) -> tuple[int, Any]:
        scope, destination = body.get("scope"), body.get("destination")
        if not isinstance(scope, str) or not scope.startswith("store/"):
            return _invalid("scope", "scope is required")
        problem = _destination_problem(destination)
        if problem is not None:
            return _invalid("destination", problem)
        assert isinstance(destination, str)
        if any(e.topic == scope and e.address == destination for e in self.book.listed()):
            return _invalid("destination", "a hook for this scope and destination already exists")
        state = "inactive" if body.get("is_active") is False else "active"
        hook_id = self.book.add(scope, destination, state)
        headers = body.get("headers")
        self._headers[hook_id] = dict(headers) if isinstance(headers, dict) else {}
        return 200, {"data": self._hook(self.book.entries[hook_id]), "meta": {}}

    def _update(self, hook_id: int, body: dict[str, Any]) -> tuple[int, Any]:
        destination = body.get("destination")
        if destination is not None:
            problem = _destination_problem(destination)
            if problem is not None:
                return _invalid("destination", problem)
        is_active = body.get("is_active")
        state = None if is_active is None else ("active" if is_active is True else "inactive")
        self.book.update(hook_id, state=state, address=destination if isinstance(destination, str) else None)
        if isinstance(body.get("headers"), dict):
            self._headers[hook_id] = dict(body["headers"])
        return 200, {"data": self._hook(self.book.entries[hook_id]), "meta": {}}

    def headers_of(self, hook_id: int) -> dict[str, str]:
        """The custom headers BigCommerce would send with each callback of the hook."""
        return dict(self._headers.get(hook_id, {}))

    def _hook(self, entry: BookedSubscription) -> dict[str, Any]:
        return {
            "id": entry.subscription_id,
            "client_id": CLIENT_ID,
            "store_hash": self.store_hash,
            "scope": entry.topic,
            "destination": entry.address,
            "is_active": entry.state == "active",
            "events_history_enabled": False,
            "headers": self._headers.get(entry.subscription_id, {}),
            "created_at": CREATED_AT,
            "updated_at": CREATED_AT,
        }


def _destination_problem(destination: Any) -> str | None:
    if not isinstance(destination, str):
        return "destination is required"
    url = urlsplit(destination)
    if url.scheme != "https" or (url.port or 443) != 443:
        return "destination must be an HTTPS URL on port 443"
    return None


def _invalid(field: str, message: str) -> tuple[int, Any]:
    return 422, {"status": 422, "title": "Input is invalid", "errors": {field: message}}


def _json(body: bytes) -> dict[str, Any]:
    try:
        parsed = json.loads(body or b"{}")
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}
