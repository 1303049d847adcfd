"""What the entry points hold: the service objects over one database (the web context,
a command's services). Entry points never see the engine."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Protocol

from sqlalchemy import Engine

from orderline.bootstrap.database import open_engine
from orderline.bootstrap.jobs import intake_hook
from orderline.bootstrap.runtime import Runtime
from orderline.bootstrap.scorecard import scorecard_reports
from orderline.bootstrap.status_pages import status_pages
from orderline.config import OrderlineConfig
from orderline.config.ownership_table import ownership_rows
from orderline.config.platforms import StoreConfig
from orderline.connectors.registry import platform_named
from orderline.domain.subscription_health import webhook_address
from orderline.persistence.dead_letter_expiry import DeadLetterExpiry
from orderline.persistence.inbox import GroupCommitWriter
from orderline.services.api_tokens import ApiTokens
from orderline.services.audit_runs import MessagingAudit
from orderline.services.console_auth import ConsoleAuth
from orderline.services.console_boards import ConsoleBoards
from orderline.services.exception_queue import ExceptionQueue
from orderline.services.handoff_requests import HandoffDesk
from orderline.services.inbox_operations import InboxOperations
from orderline.services.intake import WebhookIntake
from orderline.services.jobs import JobBoard
from orderline.services.messaging_audit import audit_settings
from orderline.services.operations_gauges import OperationsGauges
from orderline.services.order_reads import OrderReads
from orderline.services.order_search import OrderSearch
from orderline.services.status_audit import AuditedVocabulary, StatusAudit
from orderline.services.status_pages import StatusPages
from orderline.services.support_drift import SupportDriftAudit
from orderline.services.support_lookup import SupportLookup
from orderline.services.support_tickets import SupportTickets
from orderline.services.ticket_intake import TicketIntake
from orderline.services.webhook_audit import AuditedStore, WebhookAudit
from orderline.services.webhook_subscriptions import SubscribedStore, WebhookSubscriptions
from orderline.web.app import WebContext
from orderline.web.metrics import Metrics


class Background(Protocol):
    def start(self) -> None: ...
    def stop(self) -> None: ...
    @property
    def is_running(self) -> bool: ...


def build_web_context(
    runtime: Runtime, *, processing: Background | None = None, access_log: bool = False
) -> WebContext:
    """The web app's dependencies; `processing` runs beside it (a thread or a process)."""
    config = runtime.config
    intake = WebhookIntake(runtime.connectors, runtime.stores, config.server.max_body_bytes)
    expiry = DeadLetterExpiry(
        timedelta(days=config.server.dead_letter_max_age_days), config.server.dead_letter_max_count
    )
    # On PostgreSQL each commit defers its stores' jobs in its own transaction: nothing
    # acknowledged is left without the job that processes it.
    writer = GroupCommitWriter(runtime.engine, dead_letter_expiry=expiry, in_transaction=intake_hook(runtime))
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
            runtime.engine,
            writer,
            config.helpdesk,
            store_ids,
            config.server.max_body_bytes,
            clock=runtime.clock,
        ),
        handoffs=services.handoffs,
        audit=services.audit,
        webhook_audit=services.webhook_audit,
        scorecard=scorecard_reports(runtime),
        console=services.console,
        order_search=OrderSearch(runtime.engine),
        status_pages=services.status_pages,
        support_lookup=SupportLookup(runtime.engine, services.status_pages),
        support_drift=services.support_drift,
        boards=ConsoleBoards(runtime.engine, ownership_rows(config)),
        on_startup=processing.start if processing else lambda: None,
        on_shutdown=processing.stop if processing else lambda: None,
        processing_running=(lambda: processing.is_running) if processing else None,
        store_ids=store_ids,
        max_backlog_age_s=config.server.max_backlog_age_s,
        gauges=OperationsGauges(runtime.engine).read,
        # A supervised worker process counts its restarts; a thread has none.
        processing_restarts=lambda: int(getattr(processing, "restarts", 0)),
        access_log=access_log,
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
    webhook_audit: WebhookAudit
    status_audit: StatusAudit
    support_drift: SupportDriftAudit
    console: ConsoleAuth
    status_pages: StatusPages
    jobs: JobBoard
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
        webhook_audit=webhook_audit(config, engine),
        status_audit=status_audit(config, engine),
        support_drift=SupportDriftAudit(engine, [store.id for store in config.stores]),
        console=ConsoleAuth(engine),
        status_pages=status_pages(config, engine),
        jobs=JobBoard(engine),
        close=engine.dispose,
    )


def webhook_audit(config: OrderlineConfig, engine: Engine) -> WebhookAudit:
    """The webhook audit of every configured store, with its platform's delivery rules."""
    stores = tuple(AuditedStore(s.id, platform_named(s.platform).delivery_rules) for s in config.stores)
    return WebhookAudit(engine, stores, live=webhook_subscriptions(config))


def webhook_subscriptions(config: OrderlineConfig) -> WebhookSubscriptions:
    """Each store's subscriptions through its platform's API, judged against its address under
    `public_url`; a store without API credentials (or any, without public_url) is not checked."""
    return WebhookSubscriptions(tuple(_subscribed(store, config.public_url) for store in config.stores))


def _subscribed(store: StoreConfig, public_url: str | None) -> SubscribedStore:
    platform = str(store.platform)
    if public_url is None:
        return SubscribedStore(store.id, platform, None, None, "public_url is not set in the configuration")
    address = webhook_address(public_url, platform, store.id)
    missing = store.missing_credentials()
    if missing:
        keys = ", ".join(credential.key for credential in missing)
        return SubscribedStore(store.id, platform, address, None, f"no {keys} (its API credentials)")
    return SubscribedStore(
        store.id, platform, address, partial(platform_named(platform).subscriptions, store)
    )


def status_audit(config: OrderlineConfig, engine: Engine) -> StatusAudit:
    """The status-transition audit of every store whose platform has status words (WooCommerce)."""
    vocabularies = ((s.id, platform_named(s.platform).status_vocabulary(s)) for s in config.stores)
    return StatusAudit(engine, tuple(AuditedVocabulary(i, v) for i, v in vocabularies if v is not None))


def open_services(config: OrderlineConfig) -> EntryServices:
    """A command's services over the configured database; raises SchemaNotReady."""
    return entry_services(config, open_engine(config))
