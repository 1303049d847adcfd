"""The webhook channel against receivers that answer for real.

Most tests answer through `httpx.MockTransport` with a recording receiver written here;
one posts to a real HTTP server on a loopback port, and the connection failures use real
sockets (a closed port, a listener that never answers).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from orderline.channels.channel import DeliveryResult, Outcome, OutgoingMessage
from orderline.channels.webhook import WebhookChannel, WebhookSettings
from orderline.channels.webhook_signing import verify_webhook, webhook_id

URL = "https://hooks.merchant.test/orderline"
SECRET = "whsec-test"
NOW = datetime(2026, 10, 21, 7, 27, 0, tzinfo=UTC)
SIGNING_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature", "X-Orderline-Signature")


@dataclass
class Receiver:
    """Answers every request with one scripted response and keeps the requests."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes = b""
    requests: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(self.status, headers=self.headers, content=self.content)


def channel(receiver: Receiver, **changes: Any) -> WebhookChannel:
    settings = replace(WebhookSettings(URL, secret=SECRET, timeout_s=5.0), **changes)
    return WebhookChannel(settings, transport=httpx.MockTransport(receiver), clock=lambda: NOW)


def message(**changes: Any) -> OutgoingMessage:
    plain = OutgoingMessage(
        idempotency_key="s1/1001/shipped/1",
        store_id="s1",
        order_id="1001",
        kind="shipped",
        recipient="buyer@example.test",
        subject="Ihre Bestellung ist unterwegs",
        text="Grüße",
        html="<p>Grüße</p>",
        data={"total": Decimal("19.90"), "shipped_at": datetime(2026, 10, 20, 9, 0, tzinfo=UTC)},
    )
    return replace(plain, **changes)


EXPECTED_BODY = (
    b'{"data":{"shipped_at":"2026-10-20 09:00:00+00:00","total":"19.90"},'
    b'"html":"<p>Gr\\u00fc\\u00dfe</p>","idempotency_key":"s1/1001/shipped/1","kind":"shipped",'
    b'"order_id":"1001","recipient":"buyer@example.test","store_id":"s1",'
    b'"subject":"Ihre Bestellung ist unterwegs","text":"Gr\\u00fc\\u00dfe"}'
)


def test_a_message_is_posted_as_compact_sorted_json_with_its_headers() -> None:
    # given
    receiver = Receiver(status=202)
    # when
    result = channel(receiver, headers={"X-Api-Key": "k1"}).send(message())
    # then
    assert result == DeliveryResult(Outcome.SENT, "HTTP 202 Accepted")
    [request] = receiver.requests
    assert (request.method, str(request.url)) == ("POST", URL)
    assert request.content == EXPECTED_BODY
    assert json.loads(request.content)["data"] == {
        "shipped_at": "2026-10-20 09:00:00+00:00",
        "total": "19.90",
    }
    assert request.headers["Idempotency-Key"] == "s1/1001/shipped/1"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["User-Agent"] == "orderline"
    assert request.headers["X-Api-Key"] == "k1"


def test_a_signed_post_carries_the_standard_webhooks_headers() -> None:
    # given
    receiver = Receiver()
    # when
    channel(receiver).send(message())
    # then (tests/integration/test_webhook_signing.py verifies them as a receiver would)
    headers = receiver.requests[0].headers
    assert headers["webhook-id"] == webhook_id("s1/1001/shipped/1")
    assert headers["webhook-timestamp"] == str(int(NOW.timestamp()))
    assert verify_webhook(SECRET, headers, receiver.requests[0].content, NOW) == headers["webhook-id"]


def test_the_deprecated_body_signature_is_still_sent_for_one_release() -> None:
    # given
    receiver = Receiver()
    # when
    channel(receiver).send(message())
    # then a receiver that checks the old header keeps verifying it with the same secret
    [request] = receiver.requests
    expected = hmac.new(SECRET.encode(), request.content, hashlib.sha256).hexdigest()
    assert request.headers["X-Orderline-Signature"] == f"sha256={expected}"


def test_without_a_secret_no_signature_is_sent() -> None:
    # given
    receiver = Receiver()
    # when
    channel(receiver, secret=None).send(message())
    # then
    headers = receiver.requests[0].headers
    assert [name for name in SIGNING_HEADERS if name in headers] == []
    assert headers["Idempotency-Key"] == "s1/1001/shipped/1"


def test_extra_headers_cannot_replace_the_idempotency_key_or_signature() -> None:
    # given headers that clash with ours, in any spelling
    receiver = Receiver()
    clashing = {
        "Idempotency-Key": "other",
        "X-Orderline-Signature": "sha256=0",
        "content-type": "text/plain",
        "Webhook-Id": "msg_forged",
        "WEBHOOK-TIMESTAMP": "1",
        "Webhook-Signature": "v1,Zm9yZ2Vk",
    }
    # when
    channel(receiver, headers=clashing).send(message())
    # then
    headers = receiver.requests[0].headers
    assert headers.get_list("Idempotency-Key") == ["s1/1001/shipped/1"]
    assert headers.get_list("Content-Type") == ["application/json"]
    assert headers.get_list("webhook-id") == [webhook_id("s1/1001/shipped/1")]
    assert headers.get_list("webhook-timestamp") == [str(int(NOW.timestamp()))]
    assert len(headers.get_list("webhook-signature")) == 1
    assert headers["X-Orderline-Signature"] != "sha256=0"


@pytest.mark.parametrize(
    ("status", "detail"), [(200, "HTTP 200 OK"), (201, "HTTP 201 Created"), (204, "HTTP 204 No Content")]
)
def test_2xx_replies_are_sent(status: int, detail: str) -> None:
    # given
    receiver = Receiver(status=status)
    # when
    result = channel(receiver).send(message())
    # then
    assert result == DeliveryResult(Outcome.SENT, detail)


@pytest.mark.parametrize(
    ("content", "remote_id"),
    [
        (b'{"id":"evt_42"}', "evt_42"),
        (b'{"id":42}', "42"),
        (b'{"id":true}', None),
        (b"[1]", None),
        (b"ok", None),
    ],
)
def test_the_id_of_a_json_reply_becomes_the_remote_id(content: bytes, remote_id: str | None) -> None:
    # given
    receiver = Receiver(status=200, content=content)
    # when
    result = channel(receiver).send(message())
    # then
    assert (result.outcome, result.remote_id) == (Outcome.SENT, remote_id)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 410, 422])
def test_client_errors_are_permanent(status: int) -> None:
    # given
    receiver = Receiver(status=status)
    # when
    result = channel(receiver).send(message())
    # then
    assert result == DeliveryResult(
        Outcome.PERMANENT, f"HTTP {status} {httpx.codes.get_reason_phrase(status)}"
    )


def test_an_error_body_is_kept_in_the_detail() -> None:
    # given
    receiver = Receiver(status=422, content=b'{"error":\n  "recipient is not a customer"}')
    # when
    result = channel(receiver).send(message())
    # then
    assert result == DeliveryResult(
        Outcome.PERMANENT, 'HTTP 422 Unprocessable Entity: {"error": "recipient is not a customer"}'
    )


def test_a_redirect_is_permanent_and_not_followed() -> None:
    # given
    receiver = Receiver(status=301, headers={"Location": "https://elsewhere.test/"})
    # when
    result = channel(receiver).send(message())
    # then
    assert result == DeliveryResult(Outcome.PERMANENT, "HTTP 301 Moved Permanently")
    assert len(receiver.requests) == 1


@pytest.mark.parametrize("status", [408, 425, 429, 500, 502, 503, 504])
def test_retryable_statuses_are_temporary(status: int) -> None:
    # given
    receiver = Receiver(status=status)
    # when
    result = channel(receiver).send(message())
    # then
    assert result == DeliveryResult(
        Outcome.TEMPORARY, f"HTTP {status} {httpx.codes.get_reason_phrase(status)}"
    )


@pytest.mark.parametrize(
    ("retry_after", "seconds"),
    [
        ("120", 120.0),
        ("Wed, 21 Oct 2026 07:28:00 GMT", 60.0),
        ("Wed, 21 Oct 2026 07:00:00 GMT", 0.0),
        ("soon", None),
    ],
)
def test_retry_after_in_seconds_or_as_an_http_date_is_passed_on(
    retry_after: str, seconds: float | None
) -> None:
    # given the clock reads 2026-10-21 07:27:00 UTC
    receiver = Receiver(status=429, headers={"Retry-After": retry_after})
    # when
    result = channel(receiver).send(message())
    # then
    assert result == DeliveryResult(Outcome.TEMPORARY, "HTTP 429 Too Many Requests", retry_after_s=seconds)


def test_retry_after_on_a_503_is_passed_on() -> None:
    # given
    receiver = Receiver(status=503, headers={"Retry-After": "30"}, content=b"maintenance")
    # when
    result = channel(receiver).send(message())
    # then
    assert result == DeliveryResult(
        Outcome.TEMPORARY, "HTTP 503 Service Unavailable: maintenance", retry_after_s=30.0
    )


def test_a_transport_error_is_temporary() -> None:
    # given a transport that loses the connection
    def drop(request: httpx.Request) -> httpx.Response:
        raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)

    settings = WebhookSettings(URL, timeout_s=5.0)
    # when
    result = WebhookChannel(settings, transport=httpx.MockTransport(drop)).send(message())
    # then
    assert result == DeliveryResult(
        Outcome.TEMPORARY, "RemoteProtocolError: Server disconnected without sending a response."
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_a_refused_connection_is_temporary() -> None:
    # given a port nothing listens on
    settings = WebhookSettings(f"http://127.0.0.1:{free_port()}/hook", timeout_s=5.0)
    # when
    with WebhookChannel(settings) as webhook:
        result = webhook.send(message())
    # then
    assert result.outcome == Outcome.TEMPORARY
    assert result.detail.startswith("ConnectError: ")


def test_a_receiver_that_never_answers_times_out_as_temporary() -> None:
    # given a listener that accepts connections (in its backlog) but never answers
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        settings = WebhookSettings(f"http://127.0.0.1:{silent.getsockname()[1]}/hook", timeout_s=0.2)
        # when
        with WebhookChannel(settings) as webhook:
            result = webhook.send(message())
    # then
    assert result == DeliveryResult(Outcome.TEMPORARY, "timed out after 0.2 s: timed out")


def test_an_injected_client_is_left_open() -> None:
    # given
    receiver = Receiver()
    client = httpx.Client(transport=httpx.MockTransport(receiver))
    # when
    with WebhookChannel(WebhookSettings(URL), client=client) as webhook:
        webhook.send(message())
    # then
    assert (client.is_closed, len(receiver.requests)) == (False, 1)
    client.close()


@dataclass(frozen=True)
class Captured:
    path: str
    headers: dict[str, str]
    body: bytes


class CapturingServer(ThreadingHTTPServer):
    captured: list[Captured]


class CapturingHandler(BaseHTTPRequestHandler):
    server: CapturingServer

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.captured.append(Captured(self.path, dict(self.headers.items()), body))
        reply = b'{"id":"evt_7"}'
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test reads what was captured."""


@pytest.fixture
def http_server() -> Iterator[CapturingServer]:
    server = CapturingServer(("127.0.0.1", 0), CapturingHandler)
    server.captured = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_a_real_http_server_receives_the_signed_post(http_server: CapturingServer) -> None:
    # given
    settings = WebhookSettings(f"http://127.0.0.1:{http_server.server_port}/hooks/orderline", secret=SECRET)
    # when
    with WebhookChannel(settings) as webhook:
        result = webhook.send(message())
    # then
    assert result == DeliveryResult(Outcome.SENT, "HTTP 201 Created", remote_id="evt_7")
    [captured] = http_server.captured
    assert (captured.path, captured.body) == ("/hooks/orderline", EXPECTED_BODY)
    signature = hmac.new(SECRET.encode(), captured.body, hashlib.sha256).hexdigest()
    assert captured.headers["X-Orderline-Signature"] == f"sha256={signature}"
    assert captured.headers["webhook-id"] == webhook_id("s1/1001/shipped/1")
    assert captured.headers["Idempotency-Key"] == "s1/1001/shipped/1"
    assert captured.headers["Content-Type"] == "application/json"
