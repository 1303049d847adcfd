"""Issue 5, acceptance 1 (second half): a delivery worker killed mid-delivery.

`orderline deliver` runs as a real process against a SQLite file and a real SMTP server
(aiosmtpd). The server holds its reply at the moment chosen by the test, which then
SIGKILLs the worker:

- after the server has the message but before the worker heard back (so before it could
  record the outcome): the restarted worker resends it once, with the same Message-ID,
  and the timeline marks it a possible duplicate;
- before the message was handed over: the restarted worker sends it, once. Nothing is lost.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import Engine

from orderline.clock import system_clock
from orderline.persistence import message_records
from orderline.persistence.database import make_engine, migrate
from orderline.persistence.outbox import INTERRUPTED, OutboxState
from tests.e2e.server_process import free_port, orderline_command

pytestmark = pytest.mark.slow
KEY = "shop1-7001-order_confirmed-0123456789abcdef"


class HoldingServer:
    """Records every message; holds the first RCPT or the first DATA reply until released."""

    def __init__(self, hold_at: str) -> None:
        self.hold_at = hold_at
        self.messages: list[EmailMessage] = []
        self.holding = threading.Event()
        self._held = False

    async def _maybe_hold(self, stage: str) -> None:
        if stage == self.hold_at and not self._held:
            self._held = True
            self.holding.set()
            await asyncio.sleep(30)  # the worker is killed meanwhile

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        await self._maybe_hold("rcpt")
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        message = message_from_bytes(envelope.original_content or b"", policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)  # the server has it now, whatever happens to the client
        await self._maybe_hold("data")
        return "250 Message accepted"


def write_config(tmp_path: Path, smtp_port: int) -> Path:
    path = tmp_path / "orderline.yaml"
    path.write_text(
        f"""
database_url: sqlite:///{tmp_path / "orderline.db"}
stores:
  - id: shop1
    platform: shopify
    shop_domain: shop1.myshopify.com
    webhook_secrets: [secret]
messaging:
  channel: email
  smtp: {{host: 127.0.0.1, port: {smtp_port}, security: none, sender: orders@shop1.example,
          message_id_domain: shop1.example, timeout_s: 60}}
  lease: 2s
"""
    )
    return path


@pytest.fixture
def seeded(tmp_path: Path) -> Iterator[Engine]:
    """A SQLite file with one queued message, as the planner writes it."""
    engine = make_engine(f"sqlite:///{tmp_path / 'orderline.db'}")
    migrate(engine)
    with engine.begin() as connection:
        message_records.insert_message(
            connection,
            message_records.NewMessage(
                store_id="shop1",
                order_id="7001",
                idempotency_key=KEY,
                kind="order_confirmed",
                channel="email",
                recipient="ann@example.com",
                covers=["confirmed"],
                topic={},
                decided_at=system_clock() - timedelta(seconds=1),
                state=OutboxState.QUEUED,
                subject="Your order #7001 is confirmed",
                body_text="Thank you, Ann.",
            ),
        )
    yield engine
    engine.dispose()


def run_until_held(config: Path, server: HoldingServer) -> None:
    """Start `orderline deliver`, and SIGKILL it once the server holds its reply."""
    worker = subprocess.Popen([*orderline_command(), "deliver", "--config", str(config)])
    try:
        assert server.holding.wait(30), "the worker never reached the SMTP server"
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(10)


def deliver_once(config: Path) -> str:
    time.sleep(2.2)  # the killed worker's claim outlives its lease
    done = subprocess.run(
        [*orderline_command(), "deliver", "--once", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def stored(engine: Engine) -> tuple[message_records.StoredMessage, list[tuple[str, bool]]]:
    with engine.connect() as connection:
        (message,) = message_records.load_messages(connection, "shop1", "7001")
        attempts = message_records.list_attempts(connection, "shop1", "7001")
    return message, [(a["outcome"], a["possible_duplicate"]) for a in attempts]


def test_worker_killed_between_send_and_commit_resends_once_with_the_same_message_id(
    seeded: Engine, tmp_path: Path
) -> None:
    server = HoldingServer(hold_at="data")
    controller = Controller(server, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        config = write_config(tmp_path, controller.port)
        run_until_held(config, server)
        assert stored(seeded)[0].state == OutboxState.SENDING  # the outcome was never recorded
        output = deliver_once(config)
    finally:
        controller.stop()

    assert "sent=1" in output
    assert len(server.messages) == 2
    first, resend = server.messages
    assert first["Message-ID"] == resend["Message-ID"] == f"<{KEY}@shop1.example>"
    assert first.get_body(("plain",)).get_content() == resend.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    message, attempts = stored(seeded)
    assert (message.state, message.possible_duplicate, message.attempts) == (OutboxState.SENT, True, 2)
    assert attempts == [(INTERRUPTED, True), ("sent", True)]


def test_worker_killed_before_handing_over_loses_nothing(seeded: Engine, tmp_path: Path) -> None:
    server = HoldingServer(hold_at="rcpt")
    controller = Controller(server, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        config = write_config(tmp_path, controller.port)
        run_until_held(config, server)
        assert server.messages == []
        deliver_once(config)
    finally:
        controller.stop()

    assert [m["Message-ID"] for m in server.messages] == [f"<{KEY}@shop1.example>"]
    message, attempts = stored(seeded)
    assert message.state == OutboxState.SENT
    assert [outcome for outcome, _ in attempts] == [INTERRUPTED, "sent"]
