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
from orderline.connectors.registry import PLATFORMS
from orderline.domain.exceptions import DEFAULT_CALENDAR, detect_all
from orderline.domain.lifecycle import Ownership
from orderline.domain.order import Order
from orderline.outreach import Outreach, build_outreach
from orderline.services import scheduler
from orderline.services.api_tokens import ApiTokens
from orderline.services.audit_runs import MessagingAudit
from orderline.services.exception_queue import ExceptionQueue
from orderline.services.handoff_requests import HandoffDesk
from orderline.services.inbox_operations import InboxOperations
from orderline.services.intake import WebhookIntake
from orderline.services.messaging_audit import audit_settings
from orderline.services.order_reads import OrderReads
from orderline.services.processing import Processor
from orderline.services.processing_loop import ProcessingLoop
from orderline.services.stores import StoreDirectory, StoreEndpoint
from orderline.services.support_tickets import SupportTickets
from orderline.services.ticket_intake import TicketIntake
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

    def close(self) -> None:
        """Let the database go (at the end of a command)."""
        self.engine.dispose()


def connectors(config: OrderlineConfig, clock: Callable[[], datetime] = system_clock) -> dict[str, Connector]:
    """One connector per platform, each told what it needs of its stores."""
    return {
        platform.name: platform.connector([s for s in config.stores if s.platform == platform.name], clock)
        for platform in PLATFORMS
    }


def store_endpoint(store: StoreConfig) -> StoreEndpoint:
    return StoreEndpoint(
        store_id=store.id,
        platform=store.platform,
        identity=store.identity,
        webhook_secrets=store.webhook_secret_values(),
        timezone=store.timezone,
    )


def domain_ownership(config: OrderlineConfig) -> Ownership:
    """The configured owner table (the domain's one `Ownership`; no translation needed)."""
    return config.ownership.resolve()


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
    config = runtime.config
    intake = WebhookIntake(runtime.connectors, runtime.stores, config.server.max_body_bytes)
    writer = GroupCommitWriter(runtime.engine)
    services = entry_services(config, runtime.engine)
    store_ids = tuple(store.id for store in config.stores)
    return WebContext(
        intake=intake,
        writer=writer,
        clock=runtime.clock,
        metrics=Metrics.create(),
        tokens=services.tokens,
        orders=services.orders,
        exceptions=services.exceptions,
        inbox=services.inbox,
        tickets=services.tickets,
        ticket_intake=TicketIntake(
            runtime.engine, writer, config.helpdesk, store_ids, config.server.max_body_bytes
        ),
        handoffs=services.handoffs,
        audit=services.audit,
        on_startup=processing.start if processing else lambda: None,
        on_shutdown=processing.stop if processing else lambda: None,
        processing_running=(lambda: processing.is_running) if processing else None,
        store_ids=store_ids,
        max_backlog_age_s=config.server.max_backlog_age_s,
    )


@dataclass(frozen=True)
class EntryServices:
    """The service objects the HTTP API and the commands call, over one database:
    entry points hold these, never the engine."""

    tokens: ApiTokens
    orders: OrderReads
    exceptions: ExceptionQueue
    inbox: InboxOperations
    tickets: SupportTickets
    handoffs: HandoffDesk
    audit: MessagingAudit
    close: Callable[[], None]
    """Let the database go (at the end of a command; leaving a `with` block does it)."""

    def __enter__(self) -> EntryServices:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def entry_services(config: OrderlineConfig, engine: Engine) -> EntryServices:
    """Every entry-point service over `engine`, configured from `config`."""
    return EntryServices(
        tokens=ApiTokens(engine),
        orders=OrderReads(engine),
        exceptions=ExceptionQueue(engine),
        inbox=InboxOperations(engine),
        tickets=SupportTickets(engine, [store.id for store in config.stores]),
        handoffs=HandoffDesk(engine, config.helpdesk.kind if config.helpdesk else None),
        audit=MessagingAudit(engine, audit_settings(config)),
        close=engine.dispose,
    )


def open_services(config: OrderlineConfig) -> EntryServices:
    """A command's services over the configured database; raises SchemaNotReady."""
    return entry_services(config, open_engine(config))


def upgrade_database(config: OrderlineConfig) -> None:
    """Migrate the configured database's schema to the latest revision."""
    engine = make_engine(config.database_url)
    try:
        migrate(engine)
    finally:
        engine.dispose()


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
