"""`POST /webhooks/helpdesk/{kind}`: the configured helpdesk (Zendesk or Gorgias) reports
a support ticket; Orderline links it to its order and records it for the scorecard.

This module owns the helpdesk webhook's authentication and answers. The bodies accepted
are documented in `channels/helpdesk/tickets.py`. Answers: 200 with the ticket and its
linked order once recorded (a retry of a known ticket too), 401 for a bad or missing
signature or secret, 400 for an unreadable body, 404 when `kind` is not the configured
helpdesk, 413 over `server.max_body_bytes`, 503 when the database cannot take it (the
helpdesk retries). Every refused body is kept in the dead-letter list with its reason,
like a platform webhook's.

Not on the platform fast path (`webhooks.WebhookRouter` passes `/webhooks/helpdesk/...`
through): a ticket is a handful a day per agent, not a flash sale's burst of orders.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from orderline.channels.helpdesk.tickets import (
    ZENDESK_SIGNATURE_HEADER,
    ZENDESK_TIMESTAMP_HEADER,
    IncomingTicket,
    TicketPayloadError,
    parse_gorgias_webhook,
    parse_zendesk_webhook,
    verify_zendesk_signature,
)
from orderline.config.messaging import HelpdeskConfig
from orderline.services.tickets import WEBHOOK, TicketRecorded, record_incoming
from orderline.store.inbox import DeadLetterRecord

if TYPE_CHECKING:
    from orderline.web.app import WebContext

log = logging.getLogger(__name__)

PATH_SEGMENT = "helpdesk"
"""`/webhooks/helpdesk/...` belongs to this router, not to a platform named "helpdesk"."""
SECRET_HEADER = "X-Orderline-Webhook-Secret"
SIGNATURE_WINDOW = timedelta(minutes=5)
"""How far a Zendesk signature timestamp may be from our clock: an older signed body is
refused as a possible replay (Zendesk retries re-sign with a fresh timestamp)."""
PARSERS: dict[str, Callable[[bytes], IncomingTicket]] = {
    "zendesk": parse_zendesk_webhook,
    "gorgias": parse_gorgias_webhook,
}
_PLATFORM_COLUMN_CHARS = 32
_PATH_COLUMN_CHARS = 300

router = APIRouter(tags=["intake"])


@dataclass(frozen=True, slots=True)
class HelpdeskDelivery:
    kind: str
    """The path's `{kind}`."""
    path: str
    headers: dict[str, str]
    """Names in lower case."""
    body: bytes
    received_at: datetime


@dataclass(frozen=True, slots=True)
class Refusal:
    status_code: int
    reason: str


def check_delivery(config: HelpdeskConfig | None, delivery: HelpdeskDelivery) -> IncomingTicket | Refusal:
    """The ticket in an authenticated, readable delivery, or why it is refused."""
    kind, headers, body = delivery.kind, delivery.headers, delivery.body
    if config is None or config.kind != kind:
        return Refusal(404, f"no {kind} helpdesk is configured")
    secret = config.webhook_secret.get_secret_value() if config.webhook_secret else ""
    if secret:
        check = _zendesk_problem if kind == "zendesk" else _gorgias_problem
        problem = check(headers, body, secret, delivery.received_at)
        if problem is not None:
            return Refusal(401, problem)
    try:
        return PARSERS[kind](body)
    except TicketPayloadError as error:
        return Refusal(400, str(error))


def _zendesk_problem(headers: Mapping[str, str], body: bytes, secret: str, now: datetime) -> str | None:
    timestamp = headers.get(ZENDESK_TIMESTAMP_HEADER.lower())
    signature = headers.get(ZENDESK_SIGNATURE_HEADER.lower())
    if not verify_zendesk_signature(body, timestamp, signature, secret):
        return "missing or invalid signature"
    signed_at = _moment(timestamp or "")
    if signed_at is None:
        return f"unreadable {ZENDESK_TIMESTAMP_HEADER} {timestamp!r}"
    if abs(now - signed_at) > SIGNATURE_WINDOW:
        return f"signature timestamp {timestamp} is more than 5 minutes from now; refused as a replay"
    return None


def _gorgias_problem(headers: Mapping[str, str], _body: bytes, secret: str, _now: datetime) -> str | None:
    # Gorgias HTTP integrations cannot sign, so the merchant adds this header to the integration.
    given = headers.get(SECRET_HEADER.lower(), "")
    if not hmac.compare_digest(given.encode(), secret.encode()):
        return f"missing or wrong {SECRET_HEADER} header"
    return None


def _moment(text: str) -> datetime | None:
    """An ISO 8601 timestamp (what Zendesk sends) or Unix seconds, as aware UTC."""
    try:
        if text.isdigit():
            return datetime.fromtimestamp(int(text), UTC)
        moment = datetime.fromisoformat(text)
    except (ValueError, OverflowError):
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


@router.post(
    "/webhooks/helpdesk/{kind}",
    summary="A support ticket from the configured helpdesk (zendesk or gorgias)",
    response_model=None,
)
async def receive_ticket(request: Request, kind: str) -> JSONResponse:
    """Link the ticket to its order and record it; 200 once committed."""
    context: WebContext = request.app.state.context
    received_at = context.clock()
    limit = context.intake.max_body_bytes
    body, too_large = await _read_limited(request, limit)
    headers = {name.lower(): value for name, value in request.headers.items()}
    delivery = HelpdeskDelivery(kind, request.url.path, headers, body, received_at)
    outcome: IncomingTicket | Refusal
    if too_large:
        outcome = Refusal(413, f"body over the {limit}-byte limit; first {len(body)} bytes kept")
    else:
        outcome = check_delivery(context.helpdesk, delivery)
    try:
        if isinstance(outcome, Refusal):
            await context.writer.write(_dead_letter(delivery, outcome))
            return JSONResponse({"error": outcome.reason}, outcome.status_code)
        recorded = await run_in_threadpool(_record, context.engine, outcome, context.store_ids)
    except Exception:
        log.exception("could not store a %s ticket delivery; answering 503 so it is retried", kind)
        return JSONResponse({"error": "storage unavailable, retry later"}, 503)
    return JSONResponse(_answer(recorded))


def _record(engine: Engine, ticket: IncomingTicket, store_ids: tuple[str, ...]) -> TicketRecorded:
    with engine.begin() as connection:
        return record_incoming(connection, ticket, WEBHOOK, store_ids)


def _answer(recorded: TicketRecorded) -> dict[str, Any]:
    linked = None
    if recorded.link is not None:
        linked = {"store_id": recorded.link[0], "order_id": recorded.link[1]}
    return {"ticket_id": recorded.ticket_id, "linked_order": linked, "created": recorded.created}


def _dead_letter(delivery: HelpdeskDelivery, refusal: Refusal) -> DeadLetterRecord:
    kept_headers = dict(delivery.headers)
    if SECRET_HEADER.lower() in kept_headers:
        # A wrong secret may be one typo away from the right one: never store it.
        kept_headers[SECRET_HEADER.lower()] = "***"
    return DeadLetterRecord(
        received_at=delivery.received_at,
        platform=f"{PATH_SEGMENT}:{delivery.kind}"[:_PLATFORM_COLUMN_CHARS],
        store_id=None,
        path=delivery.path[:_PATH_COLUMN_CHARS],
        status_code=refusal.status_code,
        reason=refusal.reason,
        headers=kept_headers,
        body=delivery.body,
    )


async def _read_limited(request: Request, limit: int) -> tuple[bytes, bool]:
    """The body, or its first `limit` bytes and True when it is longer (we stop reading)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            chunks.append(chunk[: max(0, limit - (size - len(chunk)))])
            return b"".join(chunks), True
        chunks.append(chunk)
    return b"".join(chunks), False
