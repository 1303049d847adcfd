"""A live world for replay tests: simulated Shopify, WooCommerce and BigCommerce orders
arrive as webhooks through intake; at each chosen moment the inbox is processed, the
scheduler ticks (Orderline holds, exceptions, escalations, customer messages) and the
outbox is delivered, as the processing worker does.

Shopify histories can carry broken shipping addresses (corrected by the platform's later
order bodies) and hold releases without `order_id`; BigCommerce's fake API can be down
at some moments. Every time is counted from START, a fixed Monday, never today.
"""

from __future__ import annotations

import json
import random
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Connection, Engine, func, select

from orderline.bootstrap import connectors, domain_ownership, store_endpoint
from orderline.bootstrap.outreach import Outreach, build_outreach
from orderline.config import OrderlineConfig
from orderline.connectors.bigcommerce import ApiSettings, BigCommerceClient, BigCommerceConnector
from orderline.domain.order_exceptions import DEFAULT_CALENDAR
from orderline.persistence import inbox_queue
from orderline.persistence.inbox import InboxRecord, write_records
from orderline.persistence.tables import inbox, metadata
from orderline.services import scheduler
from orderline.services.intake import Accepted, WebhookIntake, WebhookRequest
from orderline.services.processing import Processor
from orderline.services.replay import replay_inbox
from orderline.services.stores import StoreDirectory
from orderline.simulation.bigcommerce import BigCommerceSimulator, FakeBigCommerce
from orderline.simulation.shopify import ShopifyWebhook, delivery_faults
from orderline.simulation.shopify import generate_order_history as shopify_history
from orderline.simulation.woocommerce import coalesce
from orderline.simulation.woocommerce import generate_order_history as woo_history

START = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)  # a Monday
SECRET = "replay-secret"
SHOPIFY, SHOP_DOMAIN = "shop1", "shop1.myshopify.com"
WOO, SITE_URL = "woo1", "https://woo1.example"
BIGCOMMERCE, STORE_HASH, API_TOKEN = "bc1", "bc1hash", "bc-token"
LEAD = "lead@shop1.example"


@dataclass(frozen=True)
class History:
    """What a run is made of; every time is counted from START."""

    seed: int
    shopify: int
    woo: int
    bigcommerce: int
    bad_addresses: frozenset[int]
    """Shopify orders (by index) created with a shipping address a carrier refuses; the
    platform's later order bodies carry the corrected one."""
    bad_field: str
    """"zip" (missing postal code) or "address1" (too long for a label)."""
    thin_releases: bool
    """Shopify's hold releases come without `order_id` (the GraphQL shape): they are tied
    to their order through the fulfillment orders learned from earlier holds, and wait
    as unresolved until those arrive."""
    pending_after_h: int
    nows_min: tuple[int, ...]
    """The moments live processing runs at, increasing."""
    outages: frozenset[int]
    """The moments (by index, never the last) at which BigCommerce's API is down."""
    replay_after_min: int


@dataclass(frozen=True)
class Arrival:
    """One webhook delivery, arriving at `at`."""

    at: datetime
    platform: str
    path: str
    path_store_id: str | None
    headers: dict[str, str]
    body: bytes


# --- the simulated traffic -----------------------------------------------------------------


def simulate(history: History, api: FakeBigCommerce) -> list[Arrival]:
    """Every order's deliveries, by arrival. BigCommerce's stories are told in full first,
    so its fake API already holds each order's final state (its webhooks are thin: live
    processing and replay both read the order as the API has it)."""
    rng = random.Random(history.seed)
    arrivals: list[Arrival] = []
    for n in range(history.shopify):
        webhooks = shopify_history(rng, order_id=5000 + n, start=_placed(rng))
        if n in history.bad_addresses:
            webhooks = _with_bad_address(webhooks, history.bad_field)
        if history.thin_releases:
            webhooks = [_thin(w) if w.topic == "fulfillment_orders/hold_released" else w for w in webhooks]
        arrivals += _arriving(
            (w.triggered_at, "shopify", "/webhooks/shopify", None, w.headers(SECRET, SHOP_DOMAIN), w.body)
            for w in delivery_faults(rng, webhooks)
        )
    for n in range(history.woo):
        saves = woo_history(rng, order_id=7000 + n, start=_placed(rng), site_url=SITE_URL)
        arrivals += _arriving(
            (w.triggered_at, "woocommerce", f"/webhooks/woocommerce/{WOO}", WOO,
             w.headers(SECRET, SITE_URL, 1), w.body)
            for w in coalesce(rng, saves)
        )  # fmt: skip
    for _ in range(history.bigcommerce):
        sim = BigCommerceSimulator(
            random.Random(rng.getrandbits(32)), STORE_HASH, api=api, start=_placed(rng)
        )
        arrivals += _arriving(
            (datetime.fromtimestamp(h.timestamp, UTC), "bigcommerce", "/webhooks/bigcommerce", None,
             h.custom_header(SECRET), h.body)
            for step in sim.order_history() for h in step
        )  # fmt: skip
    return sorted(arrivals, key=lambda a: a.at)


def _placed(rng: random.Random) -> datetime:
    return START + timedelta(minutes=rng.randint(0, 24 * 60))


def _arriving(deliveries: Iterable[tuple[Any, ...]]) -> list[Arrival]:
    """Deliveries in the order they are sent, none arriving before the one sent before it."""
    arrivals: list[Arrival] = []
    for triggered_at, *rest in deliveries:
        at = max([triggered_at] + [a.at for a in arrivals[-1:]])
        arrivals.append(Arrival(at, *rest))
    return arrivals


def _with_bad_address(webhooks: list[ShopifyWebhook], bad_field: str) -> list[ShopifyWebhook]:
    """The order's creation (orders/create, orders/paid) carries a broken shipping address."""
    created = webhooks[0].event_id
    return [_broken(w, bad_field) if w.event_id == created else w for w in webhooks]


def _broken(webhook: ShopifyWebhook, bad_field: str) -> ShopifyWebhook:
    body = json.loads(webhook.body)
    address = body["shipping_address"]
    address[bad_field] = None if bad_field == "zip" else f"{address['address1']} {'Building 7 ' * 4}"
    return _with_body(webhook, body)


def _thin(webhook: ShopifyWebhook) -> ShopifyWebhook:
    body = json.loads(webhook.body)
    del body["fulfillment_order"]["order_id"]
    return _with_body(webhook, body)


def _with_body(webhook: ShopifyWebhook, body: dict[str, Any]) -> ShopifyWebhook:
    return replace(webhook, body=json.dumps(body, separators=(",", ":")).encode())


# --- the live world ----------------------------------------------------------------------


def orderline_config(history: History, mail: Path) -> OrderlineConfig:
    """Three stores; address and payment exceptions escalate to support, then to a lead by
    e-mail; customer messages go to a pickup directory."""
    ladder = [{"after": "2h", "target": "support"}, {"after": "8h", "target": LEAD}]
    brand = {"name": "Shop One", "support_email": "help@shop1.example"}
    return OrderlineConfig.model_validate(
        {
            "stores": [
                {"id": SHOPIFY, "platform": "shopify", "shop_domain": SHOP_DOMAIN,
                 "webhook_secrets": [SECRET], "messaging": {"brand": brand}},
                {"id": WOO, "platform": "woocommerce", "site_url": SITE_URL,
                 "webhook_secrets": [SECRET], "timezone": "America/New_York"},
                {"id": BIGCOMMERCE, "platform": "bigcommerce", "store_hash": STORE_HASH,
                 "webhook_secrets": [SECRET], "api_token": API_TOKEN, "timezone": "America/Los_Angeles"},
            ],
            "exceptions": {
                "address_invalid": {"escalation": ladder},
                "payment_failed": {"pending_after": f"{history.pending_after_h}h", "escalation": ladder},
            },
            "messaging": {
                "channel": "pickup",
                "pickup": {"directory": str(mail), "sender": "orders@shop1.example",
                           "message_id_domain": "shop1.example"},
            },
        }
    )  # fmt: skip


class World:
    """Webhooks reach the inbox through intake as they arrive; at each `now` the inbox is
    processed, the scheduler ticks and the outbox is delivered, as the worker does."""

    def __init__(self, engine: Engine, config: OrderlineConfig, api: FakeBigCommerce) -> None:
        self.engine, self.now, self.api = engine, START, api
        client = BigCommerceClient(
            ApiSettings(STORE_HASH, API_TOKEN), http=httpx.MockTransport(api.handler), sleep=lambda _s: None
        )
        platforms = connectors(config, self.clock) | {
            "bigcommerce": BigCommerceConnector({BIGCOMMERCE: client}, clock=self.clock)
        }
        stores = StoreDirectory([store_endpoint(s) for s in config.stores])
        self.intake = WebhookIntake(platforms, stores, config.server.max_body_bytes)
        self.processor = Processor(engine, platforms, self.clock, ownership=domain_ownership(config))
        self.outreach: Outreach = build_outreach(config, engine)
        self.policy = config.exception_policy()
        self.calendars = {s.id: s.business_calendar() for s in config.stores}

    def clock(self) -> datetime:
        return self.now

    def run(self, now: datetime, arrived: Sequence[Arrival], *, api_down: bool = False) -> None:
        self.now, self.api.is_down = now, api_down
        records = [self._accepted(a) for a in arrived]
        with self.engine.begin() as connection:
            write_records(connection, records)
        self._process()
        scheduler.tick(
            self.engine, lambda _s: self.policy, lambda s: self.calendars.get(s, DEFAULT_CALENDAR), now,
            record_facts=self.processor.record_facts, listeners=self.outreach.listeners,
        )  # fmt: skip
        while self.outreach.deliver(now).attempts:
            pass

    def _process(self) -> None:
        """Until nothing more resolves: a delivery unresolved in one batch may resolve once
        a later one is stored (the worker puts unresolved deliveries back in line)."""
        unresolved = None
        while True:
            self.processor.run_until_idle()
            with self.engine.begin() as connection:
                left = self._unresolved(connection)
                if not left or left == unresolved:
                    return
                inbox_queue.requeue_unresolved(connection, max_attempts=20)
            unresolved = left

    def _unresolved(self, connection: Connection) -> int:
        query = select(func.count()).select_from(inbox).where(inbox.c.status == inbox_queue.UNRESOLVED)
        return int(connection.execute(query).scalar_one())

    def _accepted(self, arrival: Arrival) -> InboxRecord:
        headers = {name.lower(): value for name, value in arrival.headers.items()}  # as the web layer does
        request = WebhookRequest(
            arrival.platform, arrival.path_store_id, arrival.path, headers, arrival.body, self.now
        )
        decision = self.intake.decide(request)
        assert isinstance(decision, Accepted), decision
        return decision.record


@contextmanager
def live(engine: Engine, history: History) -> Iterator[World]:
    """A world on an emptied database that has run `history` live."""
    with engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            connection.execute(table.delete())
    api = FakeBigCommerce(STORE_HASH, API_TOKEN, quota=1_000_000)
    pending = simulate(history, api)
    with tempfile.TemporaryDirectory() as mail:
        world = World(engine, orderline_config(history, Path(mail)), api)
        for index, minutes in enumerate(history.nows_min):
            now = START + timedelta(minutes=minutes)
            arrived = [a for a in pending if a.at <= now]
            pending = pending[len(arrived) :]
            world.run(now, arrived, api_down=index in history.outages)
        yield world


def replay(world: World, history: History) -> None:
    """Replay the inbox some time after the last live moment."""
    world.now = START + timedelta(minutes=history.nows_min[-1] + history.replay_after_min)
    replay_inbox(world.engine, world.processor)
