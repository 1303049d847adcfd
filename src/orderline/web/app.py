"""The ASGI application: webhooks and health on plain Starlette routes, the API on FastAPI."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

from fastapi import FastAPI
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from orderline import __version__
from orderline.services.api_tokens import ApiTokens
from orderline.services.audit_runs import MessagingAudit
from orderline.services.console_auth import ConsoleAuth
from orderline.services.console_boards import ConsoleBoards
from orderline.services.exception_queue import ExceptionQueue
from orderline.services.handoff_requests import HandoffDesk
from orderline.services.inbox_operations import InboxOperations
from orderline.services.intake import WebhookIntake
from orderline.services.intake_log import IntakeWriter
from orderline.services.operations_gauges import Reading
from orderline.services.order_reads import OrderReads
from orderline.services.order_search import OrderSearch
from orderline.services.scorecard import ScorecardReports
from orderline.services.status_pages import StatusPages
from orderline.services.support_drift import SupportDriftAudit
from orderline.services.support_lookup import SupportLookup
from orderline.services.support_tickets import SupportTickets
from orderline.services.ticket_intake import TicketIntake
from orderline.services.webhook_audit import WebhookAudit
from orderline.web import (
    api,
    helpdesk_webhooks,
    inbox_api,
    messaging_api,
    order_exceptions_api,
    scorecard_api,
    support_lookup_api,
    tickets_api,
    webhook_audit_api,
)
from orderline.web.api_docs import install_api_docs
from orderline.web.console import install_console
from orderline.web.console_pages import install_console_pages
from orderline.web.metrics import Metrics, ScrapeCollector, ScrapeSources
from orderline.web.problems import NulGuard, install_problem_handlers
from orderline.web.request_observer import RequestObserver
from orderline.web.status_page import install_status_page
from orderline.web.webhooks import WebhookEndpoint, WebhookRouter


@dataclass
class WebContext:
    """What the HTTP layer calls: service objects from the composition root (bootstrap),
    never the database itself."""

    intake: WebhookIntake
    writer: IntakeWriter
    clock: Callable[[], datetime]
    metrics: Metrics
    tokens: ApiTokens
    orders: OrderReads
    exceptions: ExceptionQueue
    inbox: InboxOperations
    tickets: SupportTickets
    ticket_intake: TicketIntake
    handoffs: HandoffDesk
    audit: MessagingAudit
    webhook_audit: WebhookAudit
    scorecard: ScorecardReports
    console: ConsoleAuth
    """Web console users and sessions (web/console*.py)."""
    order_search: OrderSearch
    status_pages: StatusPages
    """The buyer status page (web/status_page.py)."""
    support_lookup: SupportLookup
    """The helpdesk lookup (web/support_lookup_api.py)."""
    support_drift: SupportDriftAudit
    boards: ConsoleBoards
    """The console's read-only boards (web/console_pages.py)."""
    on_startup: Callable[[], None] = lambda: None
    on_shutdown: Callable[[], None] = lambda: None
    processing_running: Callable[[], bool] | None = None
    """None when this process runs no processing (`serve --no-processing`)."""
    store_ids: tuple[str, ...] = ()
    """The configured stores (metrics per store)."""
    max_backlog_age_s: float = 300.0
    """/readyz is degraded once the oldest unprocessed delivery is older."""
    gauges: Callable[[datetime], list[Reading]] = lambda _now: []
    """The database counts /metrics reads when scraped (`OperationsGauges.read`)."""
    processing_restarts: Callable[[], int] = lambda: 0
    access_log: bool = False
    """Log a line per HTTP request (`serve --access-log`)."""


def create_app(context: WebContext) -> RequestObserver:
    """The ASGI app: webhooks on a plain-ASGI fast path, everything else on FastAPI, all of
    it timed (and logged with `access_log`) by the request observer."""
    api_app = create_api_app(context)
    router = WebhookRouter(
        NulGuard(api_app),
        WebhookEndpoint(context.intake, context.writer, context.metrics, context.clock),
        passthrough=frozenset({helpdesk_webhooks.PATH_SEGMENT}),
    )
    context.metrics.registry.register(ScrapeCollector(_scrape_sources(context)))
    return RequestObserver(router, context.metrics.request_seconds, access_log=context.access_log)


def create_api_app(context: WebContext) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        context.writer.start()
        context.on_startup()
        try:
            yield
        finally:
            await context.writer.stop()
            context.on_shutdown()

    app = FastAPI(
        title="Orderline",
        version=__version__,
        description="One canonical truth per order. Bearer tokens come from `orderline token create`.",
        lifespan=lifespan,
        docs_url=None,  # FastAPI's pages load from a CDN; api_docs serves installed copies
        redoc_url=None,
    )
    app.state.context = context
    install_api_docs(app)
    install_problem_handlers(app)
    app.router.routes.extend(
        [
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/metrics", metrics, methods=["GET"]),
        ]
    )
    app.include_router(api.router)
    app.include_router(order_exceptions_api.router)
    app.include_router(helpdesk_webhooks.router)
    app.include_router(tickets_api.router)
    app.include_router(messaging_api.router)
    app.include_router(webhook_audit_api.router)
    app.include_router(inbox_api.router)
    app.include_router(scorecard_api.router)
    app.include_router(support_lookup_api.router)
    install_status_page(app)
    install_console(app)
    install_console_pages(app)
    return app


async def healthz(_: Request) -> Response:
    return JSONResponse({"status": "ok", "version": __version__})


def readyz(request: Request) -> Response:
    """Ready to take webhooks: the database answers (else 503). Processing is reported
    beside it and never makes intake unready (the inbox keeps everything): `status` is
    `degraded`, with `problems`, while a delivery is quarantined, a store's platform API is
    unreachable, or the oldest pending delivery is older than `server.max_backlog_age_s`.
    A plain `def`: Starlette runs it in a thread, off the loop that acknowledges webhooks."""
    context: WebContext = request.app.state.context
    processing = _processing_state(context)
    try:
        inbox = context.inbox.state(context.clock())
    except Exception as error:
        return JSONResponse({"status": "unavailable", "database": str(error)}, 503)
    pending, health = inbox.backlog["pending"], inbox.processing
    problems = health.problems(context.max_backlog_age_s)
    if processing == "stopped":
        problems.insert(0, "processing worker stopped")
    return JSONResponse(
        {
            "status": "degraded" if problems else "ready",
            "problems": problems,
            "processing": processing,
            "inbox_pending": pending,
            "quarantined": health.quarantined,
            "api_unreachable": {
                store: {"waiting": count, "error": health.waiting_errors[store]}
                for store, count in sorted(health.waiting_by_store.items())
            },
            "oldest_pending_age_s": health.oldest_pending_age_s,
        }
    )


def _processing_state(context: WebContext) -> str:
    if context.processing_running is None:
        return "elsewhere"
    return "running" if context.processing_running() else "stopped"


def metrics(request: Request) -> Response:
    """Prometheus text; the database counts are read now, by the `ScrapeCollector`."""
    context: WebContext = request.app.state.context
    return Response(generate_latest(context.metrics.registry), media_type=CONTENT_TYPE_LATEST)


def _scrape_sources(context: WebContext) -> ScrapeSources:
    def inbox_health() -> tuple[dict[str, int], int, float, dict[str, int]]:
        inbox = context.inbox.state(context.clock())
        health = inbox.processing
        return (
            dict(inbox.backlog),
            health.quarantined,
            health.oldest_pending_age_s or 0.0,
            health.waiting_by_store,
        )

    running = context.processing_running
    return ScrapeSources(
        intake_totals=lambda: (
            context.writer.batches_committed,
            context.writer.records_committed,
            context.writer.reused_webhook_ids,
        ),
        inbox_health=inbox_health,
        store_ids=context.store_ids,
        database=lambda: context.gauges(context.clock()),
        worker=None if running is None else lambda: (running(), context.processing_restarts()),
    )
