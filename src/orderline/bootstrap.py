"""The one place that chooses concrete adapters from the configuration."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import Engine

from orderline.clock import clock_offset, system_clock
from orderline.config import OrderlineConfig, StoreConfig
from orderline.connectors.base import Connector
from orderline.connectors.bigcommerce import ApiSettings, BigCommerceClient, BigCommerceConnector, RateQuota
from orderline.connectors.retry import RetryPolicy
from orderline.connectors.shopify import ShopifyConnector
from orderline.connectors.woocommerce import WooCommerceConnector, WooStoreSettings
from orderline.domain.exceptions import DEFAULT_CALENDAR, detect_all
from orderline.domain.lifecycle import Ownership
from orderline.domain.order import Order
from orderline.domain.vocabulary import HoldReason, OrderStatus, Platform
from orderline.outreach import Outreach, build_outreach
from orderline.services import scheduler
from orderline.services.intake import WebhookIntake
from orderline.services.messaging_audit import audit_settings
from orderline.services.processing import Processor
from orderline.services.processing_loop import ProcessingLoop
from orderline.services.stores import StoreDirectory, StoreEndpoint
from orderline.store.database import current_revision, head_revision, is_sqlite, make_engine, migrate
from orderline.store.inbox import GroupCommitWriter
from orderline.web.app import WebContext
from orderline.web.metrics import Metrics

WORKER_TICK_BATCH = 25
WORKER_TICK_BATCHES = 20


class SchemaNotReady(RuntimeError):
    pass


@dataclass
class Runtime:
    config: OrderlineConfig
    engine: Engine
    connectors: dict[str, Connector]
    stores: StoreDirectory
    processor: Processor
    clock: Callable[[], datetime]
    outreach: Outreach


def connectors(config: OrderlineConfig, clock: Callable[[], datetime] = system_clock) -> dict[str, Connector]:
    """One connector per platform, each told what it needs of its stores."""
    return {
        Platform.SHOPIFY: ShopifyConnector(),
        Platform.WOOCOMMERCE: WooCommerceConnector(
            {
                s.id: WooStoreSettings(s.status_map, s.backorder_meta_key)
                for s in config.stores
                if s.platform is Platform.WOOCOMMERCE
            }
        ),
        Platform.BIGCOMMERCE: BigCommerceConnector(
            {
                s.id: bigcommerce_client(s, MAPPING_FETCH_RETRY)
                for s in config.stores
                if s.platform is Platform.BIGCOMMERCE
            },
            clock=clock,
        ),
    }


MAPPING_FETCH_RETRY = RetryPolicy(max_attempts=2, base_delay_s=0.5, max_delay_s=2.0)
"""A thin delivery's fetch tries twice, then waits in the inbox (processing's own doubling
retry): a down API costs its lane seconds, not minutes."""


def bigcommerce_client(store: StoreConfig, retry: RetryPolicy | None = None) -> BigCommerceClient:
    """The store's API client; `retry` as the import wants it unless given."""
    token = store.api_token.get_secret_value() if store.api_token else ""
    quota = RateQuota(requests=store.api_requests_per_30s)
    settings = ApiSettings(
        store.store_hash or "", token, store.api_base_url, quota=quota, retry=retry or RetryPolicy()
    )
    return BigCommerceClient(settings)


def store_endpoint(store: StoreConfig) -> StoreEndpoint:
    return StoreEndpoint(
        store_id=store.id,
        platform=store.platform,
        identity=store.identity,
        webhook_secrets=store.webhook_secret_values(),
        timezone=store.timezone,
    )


def domain_ownership(config: OrderlineConfig) -> Ownership:
    """The configured owners, in the domain's terms."""
    owners = config.ownership.resolve().as_mapping()
    return Ownership(
        statuses={OrderStatus(k): v for k, v in owners["statuses"].items()},
        hold_reasons={HoldReason(k): v for k, v in owners["holds"].items()},
    )


def open_engine(config: OrderlineConfig) -> Engine:
    """SQLite migrates itself; PostgreSQL must be upgraded explicitly (`orderline db upgrade`)."""
    engine = make_engine(config.database_url)
    if is_sqlite(config.database_url):
        migrate(engine)
    elif (current := current_revision(engine)) != (head := head_revision()):
        raise SchemaNotReady(
            f"the database schema is at revision {current!r}, this Orderline needs {head!r}: "
            "run `orderline db upgrade` first"
        )
    return engine


def build_runtime(config: OrderlineConfig, clock: Callable[[], datetime] = system_clock) -> Runtime:
    clock_offset()  # a bad ORDERLINE_CLOCK_OFFSET stops the start, not every later clock read
    engine = open_engine(config)
    platform_connectors = connectors(config, clock)
    processor = Processor(engine, platform_connectors, clock, ownership=domain_ownership(config))
    directory = StoreDirectory([store_endpoint(s) for s in config.stores])
    outreach = build_outreach(config, engine)
    return Runtime(config, engine, platform_connectors, directory, processor, clock, outreach)


class Background(Protocol):
    def start(self) -> None: ...
    def stop(self) -> None: ...
    @property
    def is_running(self) -> bool: ...


def build_web_context(runtime: Runtime, *, processing: Background | None = None) -> WebContext:
    """The web app's dependencies; `processing` runs beside it (a thread or a process)."""
    intake = WebhookIntake(runtime.connectors, runtime.stores, runtime.config.server.max_body_bytes)
    return WebContext(
        engine=runtime.engine,
        intake=intake,
        writer=GroupCommitWriter(runtime.engine),
        clock=runtime.clock,
        metrics=Metrics.create(),
        on_startup=processing.start if processing else lambda: None,
        on_shutdown=processing.stop if processing else lambda: None,
        processing_running=(lambda: processing.is_running) if processing else None,
        helpdesk=runtime.config.helpdesk,
        store_ids=tuple(store.id for store in runtime.config.stores),
        message_audit=audit_settings(runtime.config),
        max_backlog_age_s=runtime.config.server.max_backlog_age_s,
    )


def processing_thread(runtime: Runtime) -> ProcessingLoop:
    """In-process processing (and exception ticks), for tests and the demo."""
    return processing_loop(runtime)


def processing_loop(runtime: Runtime) -> ProcessingLoop:
    """The processing worker's loop: one lane for the platforms whose deliveries map from
    their stored body alone, one for those whose mapping fetches from the platform's API."""
    fetching = {name for name, connector in runtime.connectors.items() if connector.fetches}
    offline = set(runtime.connectors) - fetching
    return ProcessingLoop(
        runtime.processor.lane(offline),
        runtime.engine,
        poll_s=0.2,
        ticker=lambda: worker_tick(runtime),
        lanes=[runtime.processor.lane(fetching)] if fetching else [],
    )


def worker_tick(runtime: Runtime) -> scheduler.TickResult:
    """The processing worker's tick: small transactions (intake waits for SQLite's write
    lock while one runs) and a bounded amount of work, so the loop stays responsive;
    then the outbox's due messages and hand-offs."""
    result = run_tick(runtime, batch_size=WORKER_TICK_BATCH, max_batches=WORKER_TICK_BATCHES)
    runtime.outreach.deliver(runtime.clock())
    return result


def run_tick(
    runtime: Runtime, now: datetime | None = None, *, batch_size: int = 200, max_batches: int | None = None
) -> scheduler.TickResult:
    """Evaluate the orders due at `now` with the configured policy and store calendars."""
    policy = runtime.config.exception_policy()  # one policy for every store, from `exceptions:`
    calendars = {store.id: store.business_calendar() for store in runtime.config.stores}
    return scheduler.tick(
        runtime.engine,
        lambda _store: policy,
        lambda store_id: calendars.get(store_id, DEFAULT_CALENDAR),
        now or runtime.clock(),
        record_facts=runtime.processor.record_facts,
        batch_size=batch_size,
        max_batches=max_batches,
        after=runtime.outreach.after,
    )


def exception_types_at(runtime: Runtime, now: datetime) -> Callable[[Order], set[str]]:
    """The exception types the configured detectors find for an order at `now`."""
    policy = runtime.config.exception_policy()
    calendars = {store.id: store.business_calendar() for store in runtime.config.stores}

    def types(order: Order) -> set[str]:
        calendar = calendars.get(order.store_id, DEFAULT_CALENDAR)
        return {finding.type.value for finding in detect_all(order, policy, now, calendar)}

    return types
