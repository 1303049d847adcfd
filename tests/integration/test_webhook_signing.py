"""Signed webhooks as a receiver sees them: a real HTTP server on a loopback port checks
the Standard Webhooks headers with its own HMAC, written here from the specification's
text alone (not Orderline's code), and a retry from the real outbox keeps its id.

The specification, as the receiver applies it: the signed content is
`<webhook-id>.<webhook-timestamp>.<raw body>`; the key is the base64 after `whsec_`
(Orderline also takes a plain secret as its UTF-8 bytes); `webhook-signature` is a
space-separated list of `v1,<base64 HMAC-SHA256>`; a timestamp more than five minutes
from the receiver's clock is refused, so a replayed request is.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import Engine

from orderline.channels.channel import Channel, DeliveryResult, Outcome, OutgoingMessage
from orderline.channels.webhook import WebhookChannel, WebhookSettings
from orderline.channels.webhook_signing import WebhookSignatureError, verify_webhook, webhook_id
from orderline.persistence.notification_records import Notice, list_notifications, queue_notice
from orderline.services.notifications import NotificationWorker

RAW_KEY = b"orderline-test-key-24-bytes!"
WHSEC = "whsec_" + base64.b64encode(RAW_KEY).decode()
T0 = datetime(2026, 12, 2, 9, 0, 0, tzinfo=UTC)


def receiver_accepts(secret: str, headers: Mapping[str, str], body: bytes, now: datetime) -> bool:
    """The receiver's own check, from the specification's text (see the module docstring)."""
    message_id = headers["webhook-id"]
    timestamp = headers["webhook-timestamp"]
    if abs(now.timestamp() - int(timestamp)) > 300:
        return False
    is_whsec = secret.startswith("whsec_")
    key = base64.b64decode(secret[len("whsec_") :]) if is_whsec else secret.encode("utf-8")
    content = message_id.encode() + b"." + timestamp.encode() + b"." + body
    expected = "v1," + base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()
    return any(hmac.compare_digest(entry, expected) for entry in headers["webhook-signature"].split(" "))


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    """Names lower-cased, as HTTP compares them."""
    body: bytes


class ScriptedServer(ThreadingHTTPServer):
    statuses: list[int]
    """Answered in order; 202 once they run out."""
    received: list[Received]


class ScriptedHandler(BaseHTTPRequestHandler):
    server: ScriptedServer

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append(Received({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(self.server.statuses.pop(0) if self.server.statuses else 202)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test reads what was received."""


@pytest.fixture
def receiver() -> Iterator[ScriptedServer]:
    server = ScriptedServer(("127.0.0.1", 0), ScriptedHandler)
    server.statuses, server.received = [], []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def url_of(server: ScriptedServer) -> str:
    return f"http://127.0.0.1:{server.server_port}/hooks"


@dataclass
class SetClock:
    """The channel's clock: reads whatever the test last set."""

    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now


def message(key: str = "shop1-7001-shipment_sent-0123456789abcdef") -> OutgoingMessage:
    return OutgoingMessage(key, "shop1", "7001", "shipment_sent", "ann@example.com", "Versandt", "Grüße")


def send(server: ScriptedServer, secret: str, at: datetime) -> tuple[DeliveryResult, Received]:
    with WebhookChannel(WebhookSettings(url_of(server), secret), clock=SetClock(at)) as channel:
        result = channel.send(message())
    return result, server.received[-1]


def test_a_real_receiver_verifies_the_three_headers_with_its_own_hmac(receiver: ScriptedServer) -> None:
    # when
    result, got = send(receiver, WHSEC, T0)
    # then
    assert result.outcome is Outcome.SENT
    assert got.headers["webhook-id"] == webhook_id("shop1-7001-shipment_sent-0123456789abcdef")
    assert got.headers["webhook-timestamp"] == str(int(T0.timestamp())) == "1796202000"
    assert got.headers["webhook-signature"].startswith("v1,")
    assert receiver_accepts(WHSEC, got.headers, got.body, T0 + timedelta(seconds=2))
    assert verify_webhook(WHSEC, got.headers, got.body, T0) == got.headers["webhook-id"]


def test_a_plain_secret_is_verified_with_its_utf8_bytes(receiver: ScriptedServer) -> None:
    # when
    _, got = send(receiver, "plain-sécret", T0)
    # then
    assert receiver_accepts("plain-sécret", got.headers, got.body, T0)


def test_a_tampered_body_fails_the_receivers_check(receiver: ScriptedServer) -> None:
    # given
    _, got = send(receiver, WHSEC, T0)
    tampered = got.body.replace(b"shipment_sent", b"order_cancelled")
    # when / then
    assert tampered != got.body
    assert not receiver_accepts(WHSEC, got.headers, tampered, T0)
    with pytest.raises(WebhookSignatureError, match="no signature matches"):
        verify_webhook(WHSEC, got.headers, tampered, T0)


def test_a_request_replayed_after_the_tolerance_fails_the_receivers_check(receiver: ScriptedServer) -> None:
    # given a request captured at T0 and sent again by someone else six minutes later
    _, got = send(receiver, WHSEC, T0)
    later = T0 + timedelta(minutes=6)
    # when / then
    assert not receiver_accepts(WHSEC, got.headers, got.body, later)
    with pytest.raises(WebhookSignatureError, match="webhook-timestamp is more than 0:05:00 from now"):
        verify_webhook(WHSEC, got.headers, got.body, later)


def test_a_retry_of_one_outbox_row_keeps_its_webhook_id_with_a_new_timestamp(
    engine: Engine, receiver: ScriptedServer
) -> None:
    # given an escalation notice whose first attempt the receiver answers 503
    receiver.statuses = [503]
    key = f"shop1:7001:address_invalid:level3:{url_of(receiver)}"
    notice = Notice("shop1", "7001", key, url_of(receiver), "webhook", "[Orderline] escalated", "story")
    with engine.begin() as connection:
        queue_notice(connection, notice, T0)
    clock = SetClock()
    channel: Channel = WebhookChannel(WebhookSettings(url_of(receiver), WHSEC), clock=clock)
    worker = NotificationWorker(engine, None, lambda url: channel)
    # when it is sent, fails, and is retried an hour later
    clock.now = T0 + timedelta(seconds=1)
    worker.deliver_due(T0)
    clock.now = T0 + timedelta(hours=1, seconds=1)
    worker.deliver_due(T0 + timedelta(hours=1))
    # then both attempts carry the same id, each its own moment, each verifiable then
    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == webhook_id(key)
    assert int(second.headers["webhook-timestamp"]) - int(first.headers["webhook-timestamp"]) == 3600
    assert receiver_accepts(WHSEC, first.headers, first.body, T0)
    assert receiver_accepts(WHSEC, second.headers, second.body, T0 + timedelta(hours=1))
    assert not receiver_accepts(WHSEC, first.headers, first.body, T0 + timedelta(hours=1))
    with engine.connect() as connection:
        rows = list_notifications(connection, "shop1", "7001")
    assert [(row["state"], row["attempts"]) for row in rows] == [("sent", 2)]
