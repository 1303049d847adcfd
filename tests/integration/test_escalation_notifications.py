"""Escalation levels that name an e-mail address or a webhook URL reach them, once each,
with the order's story: an e-mail through the real SMTP server, a JSON POST to a real
local HTTP server. Team targets stay queues and send nothing."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sqlalchemy import Engine

from orderline.bootstrap.outreach import build_outreach
from orderline.channels.webhook_signing import verify_webhook, webhook_id
from orderline.services.notifications import list_notifications
from tests.integration.messaging_world import (
    ORDER,
    STORE,
    Mailbox,
    World,
    at,
    messaging_config,
    smtp_channel,
    smtp_server,
    snapshot,
)


@contextmanager
def hook_server() -> Iterator[tuple[str, list[tuple[dict[str, str], dict[str, Any], bytes]]]]:
    received: list[tuple[dict[str, str], dict[str, Any], bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers.items()), json.loads(body), body))
            self.send_response(202)
            self.end_headers()

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/escalations", received
    finally:
        server.shutdown()
        server.server_close()


def test_escalations_reach_email_and_webhook_targets_once_each(engine: Engine) -> None:
    mailbox = Mailbox()
    bad = snapshot()
    assert bad.shipping_address is not None
    bad = replace(bad, shipping_address=replace(bad.shipping_address, postal_code="1234"))
    with hook_server() as (url, posts), smtp_server(mailbox) as controller:
        ladder = [
            {"after": "1h", "target": "support"},
            {"after": "2h", "target": "lead@shop1.example"},
            {"after": "3h", "target": url},
        ]
        config = messaging_config({"exceptions": {"address_invalid": {"escalation": ladder}}})
        outreach = build_outreach(config, engine, channels={"email": smtp_channel(controller)})
        World(engine, outreach, config.exception_policy()).play([(at(0), ORDER, [bad])], until=at(30))

    to_lead = [m for m in mailbox.messages if m["To"] == "lead@shop1.example"]
    assert len(to_lead) == 1
    assert to_lead[0]["Subject"] == "[Orderline] Order #7001: address_invalid escalated to level 2"
    assert "Status: on_hold" in to_lead[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert len(posts) == 1
    headers, body, _ = posts[0]
    assert headers["Idempotency-Key"] == f"{STORE}:{ORDER}:address_invalid:postal_code:level3:{url}"
    assert body["kind"] == "escalation" and body["order_id"] == ORDER
    with engine.connect() as connection:
        rows = list_notifications(connection, STORE, ORDER)
    assert [(r["channel"], r["state"], r["attempts"]) for r in rows] == [
        ("email", "sent", 1),
        ("webhook", "sent", 1),
    ]


def test_escalation_notices_to_a_url_are_signed_with_the_escalation_secret(engine: Engine) -> None:
    # given an escalation ladder ending at a URL, and a secret for escalation webhooks
    bad = snapshot()
    assert bad.shipping_address is not None
    bad = replace(bad, shipping_address=replace(bad.shipping_address, postal_code="1234"))
    with hook_server() as (url, posts):
        ladder = [{"after": "1h", "target": "support"}, {"after": "2h", "target": url}]
        config = messaging_config(
            {
                "exceptions": {"address_invalid": {"escalation": ladder}},
                "escalation_webhooks": {"secret": "whsec_c2VjcmV0LWtleS1ieXRlcw=="},
            }
        )
        outreach = build_outreach(config, engine, channels={})
        # when
        World(engine, outreach, config.exception_policy()).play([(at(0), ORDER, [bad])], until=at(30))
    # then the notice carries the three headers, verifiable with the configured secret
    [(headers, _, raw)] = posts
    key = f"{STORE}:{ORDER}:address_invalid:postal_code:level2:{url}"
    assert headers["webhook-id"] == webhook_id(key)
    # The attempt is dated by the real clock; verify it at its own moment.
    sent_at = datetime.fromtimestamp(int(headers["webhook-timestamp"]), UTC)
    assert verify_webhook("whsec_c2VjcmV0LWtleS1ieXRlcw==", headers, raw, sent_at) == webhook_id(key)
