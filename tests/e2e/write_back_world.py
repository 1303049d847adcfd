"""A store whose holds are written back to a fake Shopify, for the write-back's tests.

Order 7001 (fulfillment order 501) is placed Monday 1 March 2027 09:00 UTC. Its facts are
stored as processing stores them; the scheduler evaluates it with the write-back's
listener, as the worker does; `deliver` runs the write-back worker; `webhook` puts a
Shopify webhook through the inbox and the processor with the real Shopify connector.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import orjson
from sqlalchemy import Engine

from orderline.bootstrap.write_back import WriteBack, build_write_back
from orderline.config import OrderlineConfig
from orderline.connectors.shopify import ShopifyConnector
from orderline.connectors.shopify.graphql import AdminApiSettings
from orderline.connectors.shopify.writeback import ShopifyHoldWriter, writer_settings
from orderline.domain.facts import Address, Fact, LineItem, OrderSnapshot
from orderline.domain.order_exceptions import DEFAULT_CALENDAR, DEFAULT_POLICY
from orderline.domain.platform_writes import HoldWriter
from orderline.domain.retry import RetryPolicy
from orderline.domain.vocabulary import PaymentStatus
from orderline.persistence import exception_records, order_queries
from orderline.persistence import platform_write_records as writes
from orderline.persistence.inbox import GroupCommitWriter, InboxRecord
from orderline.services.order_timeline import order_timeline
from orderline.services.outbox_sending import OutboxTerms
from orderline.services.processing import Processor
from orderline.services.scheduler import TickResult, enqueue_now, tick
from orderline.simulation.shopify.fulfillment_holds import FakeFulfillmentHolds

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
STORE, ORDER, FULFILLMENT_ORDER = "shop1", "7001", 501
GOOD = Address(
    name="Ann Lee", address1="500 Howard St", city="San Francisco", postal_code="94107", country_code="US"
)
BAD_ZIP = replace(GOOD, postal_code="1234")
ADDRESS_KEY = "address_invalid:postal_code"
ADDRESS_GROUP = f"orderline:{ADDRESS_KEY}"
TERMS = OutboxTerms(RetryPolicy(max_attempts=8, base_delay_s=60.0, max_delay_s=3600.0), timedelta(minutes=5))


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def config(**store: Any) -> OrderlineConfig:
    return OrderlineConfig.model_validate(
        {
            "stores": [
                {"id": STORE, "platform": "shopify", "shop_domain": "shop1.myshopify.com",
                 "webhook_secrets": ["s"], "api_token": "shpat_fake"} | store
            ]
        }
    )  # fmt: skip


def snapshot(minutes: float, address: Address) -> OrderSnapshot:
    return OrderSnapshot(
        order_id=ORDER,
        updated_at=at(minutes),
        placed_at=T0,
        payment_status=PaymentStatus.PAID,
        lines=(LineItem("L1", "Mug", 2, Decimal("10.00")),),
        order_number="#7001",
        currency="USD",
        total_price=Decimal("20.00"),
        shipping_address=address,
    )


class KnownFulfillmentOrders:
    def order_for_fulfillment_order(self, store_id: str, fulfillment_order_id: str) -> str | None:
        return ORDER if fulfillment_order_id == str(FULFILLMENT_ORDER) else None


class World:
    def __init__(
        self, engine: Engine, configured: OrderlineConfig | None = None, writer: HoldWriter | None = None
    ) -> None:
        """The Shopify store, or the store `configured` with its `writer`."""
        self.engine = engine
        self.shopify = FakeFulfillmentHolds()
        self.shopify.add_order(int(ORDER), FULFILLMENT_ORDER)
        self.sleeps: list[float] = []
        settings = writer_settings(
            AdminApiSettings("shop1.myshopify.com", "shpat_fake", api_base_url="http://x")
        )
        transport = httpx.MockTransport(self.shopify.handle)
        self.writer = writer or ShopifyHoldWriter(settings, http=transport, sleep=self.sleeps.append)
        built = build_write_back(configured or config(), engine, TERMS, self.writer_for)
        self.write_back: WriteBack | None = built
        self.processor = Processor(
            engine, {"shopify": ShopifyConnector()}, lambda: T0, resolver=KnownFulfillmentOrders()
        )
        self._webhook_ids = itertools.count(1)

    def writer_for(self, store_id: str) -> HoldWriter | None:
        return self.writer if store_id == STORE else None

    def learn(self, now: datetime, *facts: Fact) -> None:
        with self.engine.begin() as connection:
            self.processor.record_facts(connection, STORE, ORDER, facts)
            enqueue_now(connection, [(STORE, ORDER)], now)

    def tick(self, now: datetime) -> TickResult:
        listeners = (self.write_back.listener,) if self.write_back is not None else ()
        return tick(
            self.engine,
            lambda _s: DEFAULT_POLICY,
            lambda _s: DEFAULT_CALENDAR,
            now,
            record_facts=self.processor.record_facts,
            listeners=listeners,
        )

    def deliver(self, now: datetime) -> int:
        assert self.write_back is not None
        return self.write_back.worker.deliver_due(now)

    def webhook(self, topic: str, body: dict[str, Any], triggered_at: datetime) -> None:
        """One Shopify webhook through the inbox and the processor."""
        number = next(self._webhook_ids)
        record = InboxRecord(
            platform="shopify", store_id=STORE, topic=topic, dedupe_key=f"wb-{number}",
            event_id=f"event-{number}", received_at=triggered_at, triggered_at=triggered_at, headers={},
            body=orjson.dumps(body),
        )  # fmt: skip
        writer = GroupCommitWriter(self.engine)

        async def run() -> None:
            writer.start()
            await writer.write(record)
            await writer.stop()

        asyncio.run(run())
        self.processor.run_until_idle()  # makes the order due when the webhook taught it anything

    def order(self) -> dict[str, Any]:
        with self.engine.connect() as connection:
            state = order_queries.get_order(connection, STORE, ORDER)
        assert state is not None
        return state

    def headline(self) -> tuple[str, list[tuple[str, str]]]:
        state = self.order()
        return state["status"], [(h["hold_group"], h["reason"]) for h in state["holds"]]

    def exception(self, key: str = ADDRESS_KEY) -> exception_records.StoredException:
        with self.engine.connect() as connection:
            found = exception_records.get_exception(connection, STORE, ORDER, key)
        assert found is not None
        return found

    def timeline(self) -> list[dict[str, Any]]:
        with self.engine.connect() as connection:
            return order_timeline(connection, STORE, ORDER)

    def writes(self) -> list[dict[str, Any]]:
        with self.engine.connect() as connection:
            return writes.list_writes(connection, STORE, ORDER)

    def write_entries(self) -> list[tuple[str, str]]:
        return [(e["kind"], e["summary"]) for e in self.timeline() if e["kind"].startswith("platform_")]

    def holds_on_shopify(self) -> list[tuple[str, str]]:
        return [(h.reason, h.handle) for h in self.shopify.holds_on(FULFILLMENT_ORDER)]


def woo_config() -> OrderlineConfig:
    return OrderlineConfig.model_validate(
        {
            "stores": [
                {"id": STORE, "platform": "woocommerce", "site_url": "https://shop.example",
                 "webhook_secrets": ["s"], "api_key": "ck_fake", "api_token": "cs_fake"}
            ]
        }
    )  # fmt: skip


def bigcommerce_config() -> OrderlineConfig:
    return OrderlineConfig.model_validate(
        {
            "stores": [
                {"id": STORE, "platform": "bigcommerce", "store_hash": "abc123",
                 "webhook_secrets": ["s"], "api_token": "fake-api-token", "hold_status_id": 12}
            ]
        }
    )  # fmt: skip
