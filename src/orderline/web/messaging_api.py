"""Support hand-offs on demand and the messaging audit, under /api/v1.

An order's messages, hand-offs and their timeline entries are part of the order itself
(`GET /api/v1/stores/{store_id}/orders/{id}`, read by `services/order_reads.py`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Request
from pydantic import BaseModel, Field

from orderline.services.handoff_requests import HandoffQuestion, NoHelpdesk, UnknownOrder
from orderline.services.messaging_audit import FindingKind
from orderline.web.auth import Authenticated, Principal, Role, require
from orderline.web.moment_params import QueryMoment
from orderline.web.moments import UtcDatetime
from orderline.web.order_detail import OrderHandoff
from orderline.web.problems import problem_responses

if TYPE_CHECKING:
    from orderline.web.app import WebContext

router = APIRouter(prefix="/api/v1", tags=["messaging"], responses=problem_responses(401, 422))

Requester = Annotated[Principal, Depends(require(Role.OPERATIONS, Role.SUPPORT))]


# --- a hand-off on demand --------------------------------------------------------------


class HandoffRequestBody(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class HandoffOut(OrderHandoff):
    """The hand-off asked for (or the first one, for a repeated `Idempotency-Key`)."""


@router.post(
    "/stores/{store_id}/orders/{platform_order_id}/handoff",
    response_model=HandoffOut,
    status_code=202,
    responses=problem_responses(403, described={404: "No such order", 409: "No helpdesk is configured"}),
)
def hand_off(
    request: Request,
    store_id: str,
    platform_order_id: str,
    body: HandoffRequestBody,
    requester: Requester,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", min_length=1)] = None,
) -> dict[str, Any]:
    """Ask the helpdesk for a ticket with the order's whole story; the worker makes it.
    With an `Idempotency-Key`, repeating the request returns the first hand-off."""
    context: WebContext = request.app.state.context
    question = HandoffQuestion(store_id, platform_order_id, body.reason, requester.name, idempotency_key)
    try:
        return context.handoffs.request(question, context.clock())
    except UnknownOrder as error:
        raise HTTPException(404, str(error)) from error
    except NoHelpdesk as error:
        raise HTTPException(409, str(error)) from error


# --- the messaging audit ---------------------------------------------------------------


class AuditFindingOut(BaseModel):
    store_id: str
    order_id: str
    order_number: str | None
    kind: FindingKind
    detail: str
    owner: str
    since: UtcDatetime
    message_id: int | None


class AuditReportOut(BaseModel):
    now: UtcDatetime
    clean: bool
    counts: dict[FindingKind, int]
    findings: list[AuditFindingOut]
    unannounced_history: int = 0
    """Open exceptions never announced because their news was history when Orderline
    learned it (an import, old orders re-sent at go-live): not silent, still in the queue."""


@router.get("/audit/messages", response_model=AuditReportOut, tags=["audit"])
def message_audit(request: Request, _: Authenticated, now: QueryMoment | None = None) -> dict[str, Any]:
    """Silent orders, contradicting messages and failed deliveries at `now` (default: the
    server's clock; UTC when no offset is given)."""
    context: WebContext = request.app.state.context
    moment = context.clock() if now is None else now
    return context.audit.report(moment).as_dict()
