"""Escalation levels that name an e-mail address or a webhook URL reach them, once each,
with the order's story: an e-mail through the real SMTP server, a JSON POST to a real
local HTTP server. Team targets stay queues and send nothing."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sqlalchemy import Engine

from orderline.bootstrap.outreach import build_outreach
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
def hook_server() -> Iterator[tuple[str, list[tuple[dict[str, str], dict[str, Any]]]]]:
    received: list[tuple[dict[str, str], dict[str, Any]]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers.items()), json.loads(body)))
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
    headers, body = posts[0]
    assert headers["Idempotency-Key"] == f"{STORE}:{ORDER}:address_invalid:postal_code:level3:{url}"
    assert body["kind"] == "escalation" and body["order_id"] == ORDER
    with engine.connect() as connection:
        rows = list_notifications(connection, STORE, ORDER)
    assert [(r["channel"], r["state"], r["attempts"]) for r in rows] == [
        ("email", "sent", 1),
        ("webhook", "sent", 1),
    ]
