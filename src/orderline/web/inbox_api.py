"""The quarantine over HTTP: deliveries set aside with their reasons, retried or skipped.

Operations and admin only: a delivery's body is the platform's order, buyer data and all.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, Field

from orderline.services import quarantine
from orderline.web.auth import Role, require
from orderline.web.exceptions_api import ActorName

router = APIRouter(prefix="/api/v1/inbox", tags=["intake"])
Operator = Annotated[Role, Depends(require(Role.OPERATIONS))]


class SetAsideDelivery(BaseModel):
    id: int
    platform: str
    store_id: str
    topic: str
    received_at: datetime
    status: str
    """`quarantined` (waits for a person) or `waiting` (retried by itself at next_attempt_at)."""
    attempts: int
    error: str | None
    order_id: str | None
    next_attempt_at: datetime | None


class SkipBody(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class Released(BaseModel):
    changed: int


@router.get("/quarantine", response_model=list[SetAsideDelivery])
def list_quarantine(request: Request, _: Operator, store: str | None = None) -> list[dict[str, Any]]:
    """Deliveries that could not be processed, with the reason, and those waiting for
    their store's platform API; oldest first."""
    return quarantine.set_aside(request.app.state.context.engine, store)


@router.post("/{inbox_id}/retry", response_model=Released)
def retry(request: Request, inbox_id: int, _: Operator, actor: ActorName) -> dict[str, int]:
    """Put a quarantined delivery back in line (after a fix); 404 when it is not quarantined."""
    return {"changed": _release(request, quarantine.RETRY, [inbox_id], actor, None)}


@router.post("/{inbox_id}/skip", response_model=Released)
def skip(request: Request, inbox_id: int, body: SkipBody, _: Operator, actor: ActorName) -> dict[str, int]:
    """Give up on a quarantined delivery for good, saying why."""
    return {"changed": _release(request, quarantine.SKIP, [inbox_id], actor, body.reason)}


def _release(request: Request, action: str, ids: list[int], actor: str, reason: str | None) -> int:
    context = request.app.state.context
    changed = quarantine.release(
        context.engine, action, context.clock(), inbox_ids=ids, actor=actor, reason=reason
    )
    if changed == 0:
        raise HTTPException(404, f"no quarantined delivery {ids[0]}")
    return changed
