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
from orderline.services.exception_queue import ExceptionQueue
from orderline.services.handoff_requests import HandoffDesk
from orderline.services.inbox_operations import InboxOperations
from orderline.services.intake import WebhookIntake
from orderline.services.intake_log import IntakeWriter
from orderline.services.order_reads import OrderReads
from orderline.services.support_tickets import SupportTickets
from orderline.services.ticket_intake import TicketIntake
from orderline.web import (
    api,
    helpdesk_webhooks,
    inbox_api,
    messaging_api,
    order_exceptions_api,
    tickets_api,
)
from orderline.web.metrics import Metrics
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
    on_startup: Callable[[], None] = lambda: None
    on_shutdown: Callable[[], None] = lambda: None
    processing_running: Callable[[], bool] | None = None
    """None when this process runs no processing (`serve --no-processing`)."""
    store_ids: tuple[str, ...] = ()
    """The configured stores (metrics per store)."""
    max_backlog_age_s: float = 300.0
    """/readyz is degraded once the oldest unprocessed delivery is older."""


def create_app(context: WebContext) -> WebhookRouter:
    """The ASGI app: webhooks on a plain-ASGI fast path, everything else on FastAPI."""
    api_app = create_api_app(context)
    return WebhookRouter(
        api_app,
        WebhookEndpoint(context.intake, context.writer, context.metrics, context.clock),
        passthrough=frozenset({helpdesk_webhooks.PATH_SEGMENT}),
    )


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
    )
    app.state.context = context
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
    app.include_router(inbox_api.router)
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
    context: WebContext = request.app.state.context
    context.metrics.intake_commits.set(context.writer.batches_committed)
    if context.processing_running is not None:
        context.metrics.processing_up.set(1 if context.processing_running() else 0)
    inbox = context.inbox.state(context.clock())
    for status, count in inbox.backlog.items():
        context.metrics.inbox_rows.labels(status).set(count)
    health = inbox.processing
    context.metrics.quarantined.set(health.quarantined)
    context.metrics.oldest_pending_age.set(health.oldest_pending_age_s or 0.0)
    context.metrics.store_api_waiting.clear()
    for store in context.store_ids:
        context.metrics.store_api_waiting.labels(store).set(health.waiting_by_store.get(store, 0))
    context.metrics.intake_records.set(context.writer.records_committed)
    return Response(generate_latest(context.metrics.registry), media_type=CONTENT_TYPE_LATEST)
