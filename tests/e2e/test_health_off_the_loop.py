"""/metrics and /readyz read the database in a thread, never on the event loop that
acknowledges webhooks: while their read is stuck, a signed webhook is still answered."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from orderline.bootstrap import build_runtime, build_web_context
from orderline.config import load_config
from orderline.persistence.database import make_engine, migrate
from orderline.persistence.tables import inbox
from orderline.services.inbox_operations import InboxOperations, InboxState
from orderline.services.operations_gauges import Reading
from orderline.web.app import WebContext, create_app
from tests.e2e.conftest import write_config
from tests.e2e.test_intake_abuse import _shopify_headers
from tests.e2e.test_webhook_intake import ORDER_BODY

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
GIVE_UP_S = 30.0
"""Only a safety net: a read stuck on the loop would wait this long, then the order of
events shows the webhook was answered after it, not meanwhile."""


class Gate:
    """A database read that waits until the test opens the gate, noting what happens."""

    def __init__(self) -> None:
        self.events: list[str] = []
        self.entered = threading.Event()
        self.opened = threading.Event()

    def hold(self) -> None:
        self.events.append("read blocked")
        self.entered.set()
        opened = self.opened.wait(GIVE_UP_S)
        self.events.append("read released" if opened else "read gave up")


class GatedInbox(InboxOperations):
    """/readyz's database read (the inbox state), held at the gate."""

    def __init__(self, inner: InboxOperations, gate: Gate) -> None:
        self._inner = inner
        self._gate = gate

    def state(self, now: datetime) -> InboxState:
        self._gate.hold()
        return self._inner.state(now)


def _gate_metrics(context: WebContext, gate: Gate) -> None:
    """/metrics' database read (the operations gauges), held at the gate."""
    read = context.gauges

    def gauges(now: datetime) -> list[Reading]:
        gate.hold()
        return read(now)

    context.gauges = gauges


def _gate_readyz(context: WebContext, gate: Gate) -> None:
    context.inbox = GatedInbox(context.inbox, gate)


@pytest.mark.parametrize(("path", "gate_read"), [("/metrics", _gate_metrics), ("/readyz", _gate_readyz)])
def test_a_webhook_is_acknowledged_while_a_health_read_is_stuck(
    tmp_path: Path, database_url: str, path: str, gate_read: object
) -> None:
    migrate(make_engine(database_url))
    runtime = build_runtime(load_config(write_config(tmp_path, database_url)), clock=lambda: NOW)
    context = build_web_context(runtime)
    app = create_app(context)
    gate = Gate()
    assert callable(gate_read)
    gate_read(context, gate)

    async def scenario() -> tuple[int, int, int]:
        context.writer.start()  # the app's lifespan does this under a server
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://orderline.test") as client:
            stuck = asyncio.create_task(client.get(path))
            await asyncio.to_thread(gate.entered.wait, GIVE_UP_S)
            webhook = await client.post(
                "/webhooks/shopify", content=ORDER_BODY, headers=_shopify_headers(ORDER_BODY)
            )
            healthz = await client.get("/healthz")
            gate.events.append(f"webhook answered {webhook.status_code}")
            gate.opened.set()
            health = await stuck
        await context.writer.stop()
        return webhook.status_code, healthz.status_code, health.status_code

    assert asyncio.run(scenario()) == (200, 200, 200)
    assert gate.events == ["read blocked", "webhook answered 200", "read released"]
    with runtime.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(inbox)).scalar_one() == 1
    runtime.engine.dispose()
