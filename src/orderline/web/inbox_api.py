"""The quarantine over HTTP: deliveries set aside with their reasons, retried or skipped.

Operations and admin only: a delivery's body is the platform's order, buyer data and all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from pydantic import BaseModel, Field

from orderline.services.inbox_operations import RETRY, SKIP
from orderline.web.auth import Principal, Role, require
from orderline.web.moments import UtcDatetime
from orderline.web.problems import problem_responses

if TYPE_CHECKING:
    from orderline.web.app import WebContext

InboxId = Annotated[int, Path(ge=1, le=2**63 - 1, description="An inbox delivery's id")]
"""Bounded like the column (a 64-bit integer): a larger id is 422, not a database error."""

router = APIRouter(prefix="/api/v1/inbox", tags=["intake"], responses=problem_responses(401, 403, 422))
Operator = Annotated[Principal, Depends(require(Role.OPERATIONS))]


class SetAsideDelivery(BaseModel):
    id: int
    platform: str
    store_id: str
    topic: str
    received_at: UtcDatetime
    status: str
    """`quarantined` (waits for a person) or `waiting` (retried by itself at next_attempt_at)."""
    attempts: int
    error: str | None
    order_id: str | None
    next_attempt_at: UtcDatetime | None


class SkipBody(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class Released(BaseModel):
    changed: int


@router.get("/quarantine", response_model=list[SetAsideDelivery])
def list_quarantine(request: Request, _: Operator, store: str | None = None) -> list[dict[str, Any]]:
    """Deliveries that could not be processed, with the reason, and those waiting for
    their store's platform API; oldest first."""
    context: WebContext = request.app.state.context
    return context.inbox.set_aside(store)


@router.post("/{inbox_id}/retry", response_model=Released, responses=problem_responses(404))
def retry(request: Request, inbox_id: InboxId, operator: Operator) -> dict[str, int]:
    """Put a quarantined delivery back in line (after a fix); 404 when it is not quarantined."""
    return {"changed": _release(request, RETRY, [inbox_id], operator.name, None)}


@router.post("/{inbox_id}/skip", response_model=Released, responses=problem_responses(404))
def skip(request: Request, inbox_id: InboxId, body: SkipBody, operator: Operator) -> dict[str, int]:
    """Give up on a quarantined delivery for good, saying why."""
    return {"changed": _release(request, SKIP, [inbox_id], operator.name, body.reason)}


def _release(request: Request, action: str, ids: list[int], actor: str, reason: str | None) -> int:
    context: WebContext = request.app.state.context
    changed = context.inbox.release(action, context.clock(), inbox_ids=ids, actor=actor, reason=reason)
    if changed == 0:
        raise HTTPException(404, f"no quarantined delivery {ids[0]}")
    return changed
