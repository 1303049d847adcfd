"""Fake Zendesk and Gorgias ticket APIs, kept in memory, for hand-off tests.

Each fake follows the documented shapes the real clients rely on (see the module
docstrings of `orderline.channels.helpdesk.zendesk` and `.gorgias`): HTTP Basic auth is
checked, tickets are stored with increasing ids, the ticket list filters by
`external_id`, and a create with a missing required field is refused as the helpdesk
would. A fake answers through `fake.transport()` (an `httpx.MockTransport`) or over a
real loopback socket: `with FakeHelpdeskServer(fake) as server: server.base_url`.

Injected faults, each used once, in the order queued:

- `fake.fail_next(429, retry_after_s=7)`: the next request is answered 429 with
  `Retry-After: 7` and has no effect; `fake.fail_next(500)` likewise with a 500;
- `fake.drop_next_create()`: the next create stores its ticket, then the connection is
  dropped without an answer (a lost response).

What the client did is in `fake.tickets` (the stored ticket objects, as the API would
return them) and `fake.requests` ("GET /api/tickets?external_id=...").
"""

from __future__ import annotations

import base64
import json
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, cast
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx

JsonDict = dict[str, Any]
START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: object = None
    headers: Mapping[str, str] = field(default_factory=dict)


class FakeHelpdesk:
    """What both fakes share: auth, faults, the request log and dispatch."""

    tickets_path = ""

    def __init__(self, authorization: str) -> None:
        self.tickets: list[JsonDict] = []
        self.requests: list[str] = []
        self._authorization = authorization
        self._faults: deque[Reply] = deque()
        self._drops = 0
        self._lock = threading.Lock()  # the real server answers from several threads

    def fail_next(self, status: int, *, retry_after_s: int | None = None) -> None:
        headers = {} if retry_after_s is None else {"Retry-After": str(retry_after_s)}
        self._faults.append(Reply(status, {"error": f"injected {status}"}, headers))

    def drop_next_create(self) -> None:
        self._drops += 1

    def ticket(self, external_id: str) -> JsonDict:
        """The one stored ticket with this external id (fails the test otherwise)."""
        found = [t for t in self.tickets if t["external_id"] == external_id]
        assert len(found) == 1, f"{len(found)} tickets carry external_id {external_id!r}"
        return found[0]

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self._on_httpx_request)

    def handle(
        self, method: str, path: str, query: Mapping[str, str], auth: str | None, body: bytes
    ) -> Reply | None:
        """The answer to one request; None when the connection is to be dropped unanswered."""
        with self._lock:
            self.requests.append(f"{method} {path}" + (f"?{urlencode(query)}" if query else ""))
            if self._faults:
                return self._faults.popleft()
            if auth != self._authorization:
                return self.refused_credentials()
            if path != self.tickets_path:
                return Reply(404, {"error": "InvalidEndpoint"})
            if method == "GET":
                return Reply(200, self.listing([t for t in self.tickets if _matches(t, query)]))
            if method != "POST":
                return Reply(405, {"error": "method not allowed"})
            reply = self.create(_json(body))
            if reply.status == 201 and self._drops:
                self._drops -= 1
                return None
            return reply

    def refused_credentials(self) -> Reply:
        raise NotImplementedError

    def listing(self, tickets: list[JsonDict]) -> JsonDict:
        raise NotImplementedError

    def create(self, body: object) -> Reply:
        raise NotImplementedError

    def _on_httpx_request(self, request: httpx.Request) -> httpx.Response:
        query = dict(request.url.params)
        reply = self.handle(
            request.method, request.url.path, query, request.headers.get("authorization"), request.content
        )
        if reply is None:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            )
        return httpx.Response(reply.status, json=reply.body, headers=dict(reply.headers))


class FakeZendesk(FakeHelpdesk):
    """Zendesk Support's Tickets API: `GET`/`POST /api/v2/tickets.json`. Requesters
    become end users in `users`; comments are kept in `comments` by ticket id."""

    tickets_path = "/api/v2/tickets.json"

    def __init__(self, email: str = "agent@acme.example", api_token: str = "zd-token") -> None:
        super().__init__(_basic(f"{email}/token", api_token))
        self.users: dict[int, JsonDict] = {}
        self.comments: dict[int, list[JsonDict]] = {}

    def requester(self, ticket: JsonDict) -> JsonDict | None:
        return self.users.get(ticket["requester_id"])

    def refused_credentials(self) -> Reply:
        return Reply(401, {"error": "Couldn't authenticate you"})

    def listing(self, tickets: list[JsonDict]) -> JsonDict:
        return {"tickets": tickets, "next_page": None, "previous_page": None, "count": len(tickets)}

    def create(self, body: object) -> Reply:
        ticket = body.get("ticket") if isinstance(body, dict) else None
        problem = _zendesk_problem(ticket)
        if problem is not None:
            details = {"base": [{"description": problem}]}
            return Reply(
                422, {"error": "RecordInvalid", "description": "Record validation errors", "details": details}
            )
        assert isinstance(ticket, dict)
        ticket_id = len(self.tickets) + 1
        created = _timestamp(ticket_id).isoformat().replace("+00:00", "Z")
        stored: JsonDict = {
            "id": ticket_id,
            "external_id": ticket.get("external_id"),
            "subject": ticket.get("subject"),
            "description": ticket["comment"]["body"],
            "priority": ticket.get("priority"),
            "status": "new",
            "tags": sorted(set(ticket.get("tags", []))),
            "requester_id": self._requester_id(ticket.get("requester")),
            "created_at": created,
            "updated_at": created,
        }
        self.tickets.append(stored)
        self.comments[ticket_id] = [
            {"body": ticket["comment"]["body"], "public": ticket["comment"].get("public", True)}
        ]
        return Reply(201, {"ticket": stored})

    def _requester_id(self, requester: JsonDict | None) -> int:
        if requester is None:
            return 1  # the API user itself, as when an agent opens a ticket with no requester
        for user_id, user in self.users.items():
            if user["email"] == requester["email"]:
                return user_id
        user_id = 1000 + len(self.users)
        self.users[user_id] = {"id": user_id, "name": requester["name"], "email": requester["email"]}
        return user_id


def _zendesk_problem(ticket: object) -> str | None:
    if not isinstance(ticket, dict):
        return 'the body must be {"ticket": {...}}'
    comment = ticket.get("comment")
    if not isinstance(comment, dict) or not comment.get("body"):
        return "Description: cannot be blank"
    if ticket.get("priority") not in (None, "low", "normal", "high", "urgent"):
        return f"Priority: {ticket.get('priority')!r} is not a priority"
    requester = ticket.get("requester")
    if requester is not None and not (
        isinstance(requester, dict) and requester.get("email") and requester.get("name")
    ):
        return "Requester: needs a name and an email"
    return None


class FakeGorgias(FakeHelpdesk):
    """Gorgias' REST API: `GET`/`POST /api/tickets`."""

    tickets_path = "/api/tickets"

    def __init__(self, username: str = "agent@acme.example", api_key: str = "gorgias-key") -> None:
        super().__init__(_basic(username, api_key))

    def refused_credentials(self) -> Reply:
        return Reply(401, {"error": {"msg": "Unauthorized"}})

    def listing(self, tickets: list[JsonDict]) -> JsonDict:
        newest_first = sorted(tickets, key=lambda t: t["id"], reverse=True)
        meta = {"prev_cursor": None, "next_cursor": None}
        return {"object": "list", "uri": "/api/tickets", "data": newest_first, "meta": meta}

    def create(self, body: object) -> Reply:
        problem = _gorgias_problem(body)
        if problem is not None:
            return Reply(400, {"error": {"msg": problem}})
        assert isinstance(body, dict)
        ticket_id = len(self.tickets) + 1
        created = _timestamp(ticket_id).replace(tzinfo=None).isoformat(timespec="microseconds")
        messages = [
            {**m, "id": ticket_id * 100 + i, "ticket_id": ticket_id} for i, m in enumerate(body["messages"])
        ]
        stored: JsonDict = {
            "id": ticket_id,
            "uri": f"/api/tickets/{ticket_id}/",
            "external_id": body.get("external_id"),
            "channel": body.get("channel"),
            "via": body.get("via"),
            "from_agent": body.get("from_agent"),
            "status": "open",
            "subject": body.get("subject"),
            "customer": body.get("customer"),
            "messages": messages,
            "tags": [{"id": i + 1, "name": tag["name"]} for i, tag in enumerate(body.get("tags", []))],
            "created_datetime": created,
        }
        self.tickets.append(stored)
        return Reply(201, stored)


def _gorgias_problem(body: object) -> str | None:
    if not isinstance(body, dict):
        return "the body must be a ticket object"
    messages = body.get("messages")
    if not isinstance(messages, list) or not 1 <= len(messages) <= 500:
        return "messages: between 1 and 500 messages are required"
    for index, message in enumerate(messages):
        if not isinstance(message, dict) or not all(k in message for k in ("channel", "via", "from_agent")):
            return f"messages.{index}: channel, via and from_agent are required"
        sender = message.get("sender")
        if not isinstance(sender, dict) or not (sender.get("id") or sender.get("email")):
            return f"messages.{index}.sender: an id or an email is required"
    external_id = body.get("external_id")
    if external_id is not None and (not isinstance(external_id, str) or len(external_id) > 255):
        return "external_id: a string of at most 255 characters"
    return None


class FakeHelpdeskServer:
    """A fake served over a real loopback port; use as a context manager."""

    def __init__(self, fake: FakeHelpdesk, host: str = "127.0.0.1") -> None:
        self.fake = fake
        self._server = _Server((host, 0), fake)
        self._thread = threading.Thread(target=self._serve, name="fake-helpdesk", daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def _serve(self) -> None:
        self._server.serve_forever(poll_interval=0.05)  # a quick shutdown between tests

    def __enter__(self) -> FakeHelpdeskServer:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], fake: FakeHelpdesk) -> None:
        super().__init__(address, _Handler)
        self.fake = fake


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the fake's own request log is what tests read

    def _answer(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        url = urlsplit(self.path)
        fake = cast(_Server, self.server).fake
        reply = fake.handle(
            self.command, url.path, dict(parse_qsl(url.query)), self.headers.get("Authorization"), body
        )
        if reply is None:
            self.close_connection = True  # nothing written: the client sees the socket close
            return
        payload = json.dumps(reply.body).encode()
        self.send_response(reply.status)
        for name, value in {**reply.headers, "Content-Type": "application/json"}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def _matches(ticket: JsonDict, query: Mapping[str, str]) -> bool:
    return "external_id" not in query or ticket["external_id"] == query["external_id"]


def _json(body: bytes) -> object:
    try:
        return json.loads(body)
    except ValueError:
        return None


def _timestamp(ticket_id: int) -> datetime:
    return START + timedelta(minutes=ticket_id)
