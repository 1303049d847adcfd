"""No surprise buyer messages at go-live, on a real SQLite file, through `serve`'s own parts.

A merchant connects Orderline (with a `messaging:` section) on Monday 1 March 2027 09:00
UTC. At that moment their Shopify store re-sends 200 orders placed about 30 days earlier
(signed webhooks, through the webhook endpoint), and they import the history of a second
store (200 orders placed over the last 30 days) from its Admin API through the bulk path.
Processing, the scheduler and the delivery worker then run at moments over the following
week: not one buyer message is decided, and the audit finds no silent order. A fresh order
placed afterwards still gets its confirmation, and nothing else.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from starlette.testclient import TestClient

from orderline.bootstrap import Runtime, build_runtime, build_web_context, run_tick
from orderline.config import load_config
from orderline.connectors.shopify import AdminApiSettings, ShopifyAdminClient
from orderline.connectors.shopify.history import ShopifyHistory
from orderline.persistence.database import make_engine, migrate
from orderline.persistence.messaging_tables import messages
from orderline.persistence.tables import inbox, orders
from orderline.services.importer import ImportResult, import_history
from orderline.services.messaging_audit import AuditReport, FindingKind, audit, audit_settings
from orderline.simulation.shopify import ShopifyWebhook, generate_order_history
from orderline.simulation.shopify.fake_admin import FakeAdminServer, ShopSpec
from orderline.web.app import create_app

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)  # go-live, a Monday
DAY, HOUR, MINUTE = timedelta(days=1), timedelta(hours=1), timedelta(minutes=1)
ORDERS = 200
SECRET = "go-live-secret"
LIVE, LIVE_SHOP = "live", "live-shop.myshopify.com"
IMPORTED, IMPORTED_SHOP = "imported", "imported-shop.myshopify.com"
TICKS = [NOW, NOW + MINUTE, NOW + 11 * MINUTE, NOW + HOUR] + [NOW + n * 6 * HOUR for n in range(1, 29)]
FRESH = NOW + 8 * DAY + 3 * HOUR  # Tuesday 9 March, 12:00 UTC


class MovableClock:
    """The one clock of the runtime (intake, processing, import), moved by the test."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


class Orderline:
    """Orderline as `serve` assembles it, on the clock the test moves."""

    def __init__(self, runtime: Runtime, client: TestClient, clock: MovableClock) -> None:
        self.runtime, self.client, self.clock = runtime, client, clock

    @property
    def now(self) -> datetime:
        return self.clock.now

    @now.setter
    def now(self, moment: datetime) -> None:
        self.clock.now = moment

    def receive(self, webhooks: list[ShopifyWebhook]) -> None:
        for webhook in webhooks:
            answer = self.client.post(
                "/webhooks/shopify", content=webhook.body, headers=webhook.headers(SECRET, LIVE_SHOP)
            )
            assert answer.status_code == 200, answer.text
        self.runtime.processor.run_until_idle()

    def import_history(self, server: FakeAdminServer) -> ImportResult:
        api = AdminApiSettings(IMPORTED_SHOP, server.api.spec.access_token, api_base_url=server.url)
        with ShopifyAdminClient(api) as client:
            since = NOW - 60 * DAY
            return import_history(
                self.runtime.engine,
                self.runtime.processor,
                ShopifyHistory(client),
                IMPORTED,
                since,
                clock=self.runtime.clock,
            )

    def run(self, moment: datetime) -> None:
        """What the worker does at `moment`: process, tick, deliver."""
        self.now = moment
        self.runtime.processor.run_until_idle()
        run_tick(self.runtime, moment)
        self.runtime.outreach.deliver(moment)

    def decided(self) -> list[tuple[str, str, str, str]]:
        """Every message the plan decided (store, order, kind, state), in order."""
        m = messages.c
        with self.runtime.engine.connect() as connection:
            rows = connection.execute(select(m.store_id, m.order_id, m.kind, m.state).order_by(m.id))
            return [(row.store_id, row.order_id, row.kind, row.state) for row in rows]

    def audit(self, moment: datetime) -> AuditReport:
        with self.runtime.engine.connect() as connection:
            return audit(connection, moment, audit_settings(self.runtime.config))


def write_config(directory: Path, admin: FakeAdminServer) -> Path:
    path = directory / "orderline.yaml"
    path.write_text(
        f"database_url: sqlite:///{directory / 'orderline.db'}\n"
        "stores:\n"
        f"  - {{id: {LIVE}, platform: shopify, shop_domain: {LIVE_SHOP}, webhook_secrets: [{SECRET}]}}\n"
        f"  - {{id: {IMPORTED}, platform: shopify, shop_domain: {IMPORTED_SHOP},\n"
        f"     webhook_secrets: [{SECRET}], api_token: {admin.api.spec.access_token},\n"
        f"     api_base_url: '{admin.url}'}}\n"
        "messaging:\n"
        "  channel: pickup\n"
        "  pickup: {directory: mail, sender: orders@shop.example, message_id_domain: shop.example}\n"
    )
    return path


@contextmanager
def orderline(directory: Path, admin: FakeAdminServer) -> Iterator[Orderline]:
    config = load_config(write_config(directory, admin))
    migrate(make_engine(config.database_url))
    clock = MovableClock()
    runtime = build_runtime(config, clock=clock)
    with TestClient(create_app(build_web_context(runtime))) as client:
        yield Orderline(runtime, client, clock)
    runtime.engine.dispose()


def old_histories() -> list[ShopifyWebhook]:
    """200 orders placed about 30 days before go-live: every webhook of their lives so far."""
    rng = random.Random(30)
    webhooks = [
        w
        for n in range(ORDERS)
        for w in generate_order_history(
            rng, order_id=6_000_000 + n, start=NOW - 30 * DAY + timedelta(minutes=rng.randrange(24 * 60))
        )
    ]
    return sorted((w for w in webhooks if w.triggered_at <= NOW), key=lambda w: w.triggered_at)


def imported_shop() -> ShopSpec:
    """200 orders, about one every 3.5 h from 30 days before go-live: 15 placed in its last
    three days, so their news is recent. The fake tells each order's whole story, so a few
    nodes already hold events still ahead of go-live: the import brings those too."""
    spacing_s = 3 * 3600 + 1800
    return ShopSpec(
        ORDERS, seed=12, start=NOW - 30 * DAY, spacing_s=spacing_s, bucket_size=1e9, restore_rate=1e9
    )


def fresh_paid_order(start: datetime) -> ShopifyWebhook:
    """The `orders/create` of a paid order placed at `start` (the first such simulated order)."""
    for n in range(50):
        created = generate_order_history(random.Random(n), order_id=7_000_000 + n, start=start)[0]
        if created.topic == "orders/create" and json.loads(created.body)["financial_status"] == "paid":
            return created
    raise AssertionError("no paid order among 50")  # pragma: no cover


def placed_since(world: Orderline, store_id: str, since: datetime) -> int:
    with world.runtime.engine.connect() as connection:
        query = select(func.count()).where(orders.c.store_id == store_id, orders.c.placed_at >= since)
        return int(connection.execute(query).scalar_one())


def test_go_live_with_old_and_imported_orders_sends_nothing_then_a_fresh_order_is_confirmed(
    tmp_path: Path,
) -> None:
    with FakeAdminServer(imported_shop()) as admin, orderline(tmp_path, admin) as world:
        # Given old orders re-sent by the platform and a store's history imported, at go-live
        world.receive(old_histories())
        imported = world.import_history(admin)
        assert (imported.fetched, imported.stored) == (ORDERS, ORDERS)
        assert placed_since(world, LIVE, NOW - 40 * DAY) == ORDERS
        assert placed_since(world, IMPORTED, NOW - 72 * HOUR) > 0  # news by its age, but imported
        with world.runtime.engine.connect() as connection:
            assert connection.execute(select(inbox.c.received_at).distinct()).scalars().all() == [NOW]

        # When the worker runs at moments over the following week
        for moment in TICKS:
            world.run(moment)

        # Then no buyer message was decided, let alone sent
        assert world.decided() == []
        assert not (tmp_path / "mail").exists()
        # And the audit finds no order silent: those exceptions were history, never news
        for moment in (NOW + 3 * DAY, NOW + 7 * DAY):
            report = world.audit(moment)
            assert report.of_kind(FindingKind.SILENT) == []
            assert report.unannounced_history > 0

        # When a fresh order is placed afterwards
        fresh = fresh_paid_order(FRESH)
        world.now = FRESH
        world.receive([fresh])
        for moment in (FRESH, FRESH + MINUTE, FRESH + 11 * MINUTE, FRESH + HOUR, FRESH + 6 * HOUR):
            world.run(moment)

        # Then exactly its confirmation goes out, and the old orders stay quiet
        order_id = str(json.loads(fresh.body)["id"])
        assert world.decided() == [(LIVE, order_id, "order_confirmed", "sent")]
        assert len(list((tmp_path / "mail").iterdir())) == 1
