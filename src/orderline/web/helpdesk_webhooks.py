"""`POST /webhooks/helpdesk/{kind}`: the configured helpdesk (Zendesk or Gorgias) reports
a support ticket. This module only adapts HTTP; deciding, dead-lettering and recording are
the ticket intake's (`services/ticket_intake.py`).

Answers: 200 with the ticket and its linked order once recorded (a retry of a known ticket
too), 401 for a bad or missing signature or secret, 400 for an unreadable body, 404 when
`kind` is not the configured helpdesk, 413 over `server.max_body_bytes`, 431 for oversized
headers, 503 when the database cannot take it (the helpdesk retries). Every refused body is
kept in the dead-letter list with its reason, like a platform webhook's (bounded and
rate-limited per client address when the delivery is not authenticated).

Not on the platform fast path (`webhooks.WebhookRouter` passes `/webhooks/helpdesk/...`
through): a ticket is a handful a day per agent, not a flash sale's burst of orders.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from orderline.services.ticket_intake import HelpdeskDelivery, Refusal, TicketRecorded
from orderline.web.problems import problem_response, problem_responses

if TYPE_CHECKING:
    from orderline.web.app import WebContext

log = logging.getLogger(__name__)

PATH_SEGMENT = "helpdesk"
"""`/webhooks/helpdesk/...` belongs to this router, not to a platform named "helpdesk"."""

router = APIRouter(tags=["intake"])


@router.post(
    "/webhooks/helpdesk/{kind}",
    summary="A support ticket from the configured helpdesk (zendesk or gorgias)",
    response_model=None,
    responses=problem_responses(400, 401, 404, 413, 422, 431, 503),
)
async def receive_ticket(request: Request, kind: str) -> Response:
    """Link the ticket to its order and record it; 200 once committed."""
    context: WebContext = request.app.state.context
    received_at = context.clock()
    body, too_large = await _read_limited(request, context.ticket_intake.max_body_bytes)
    headers = {name.lower(): value for name, value in request.headers.items()}
    source = request.client.host if request.client else None
    delivery = HelpdeskDelivery(kind, request.url.path, headers, body, received_at, too_large, source)
    try:
        outcome = await context.ticket_intake.receive(delivery)
    except Exception:
        log.exception("could not store a %s ticket delivery; answering 503 so it is retried", kind)
        return problem_response(503, "storage unavailable, retry later")
    if isinstance(outcome, Refusal):
        return problem_response(outcome.status_code, outcome.reason)
    return JSONResponse(_answer(outcome))


def _answer(recorded: TicketRecorded) -> dict[str, Any]:
    linked = None
    if recorded.link is not None:
        linked = {"store_id": recorded.link[0], "order_id": recorded.link[1]}
    drift = None
    if recorded.drift is not None:
        drift = {"ticket_shows": recorded.drift.word, "orderline": recorded.drift.canonical.value}
    return {
        "ticket_id": recorded.ticket_id,
        "linked_order": linked,
        "created": recorded.created,
        "status_drift": drift,
    }


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
