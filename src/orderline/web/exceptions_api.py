"""The exception queue and the actions on one exception, under /api/v1.

Any authenticated role reads the queue; operations, support and admin act on it. Every
action is kept on the exception and in its history with who did it: the name of the
token used.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from sqlalchemy import select

from orderline.services.exception_actions import Action, ExceptionClosed, ExceptionNotFound, ExceptionRef, act
from orderline.store import exception_records as records
from orderline.store.exception_records import QueueFilter, StoredException
from orderline.store.tables import api_tokens
from orderline.store.tokens import hash_token
from orderline.web.auth import Role, current_role, require

router = APIRouter(prefix="/api/v1", tags=["exceptions"])

Reader = Annotated[Role, Depends(current_role)]
Actor = Annotated[Role, Depends(require(Role.OPERATIONS, Role.SUPPORT))]
_bearer = HTTPBearer(auto_error=False)
SlaState = Literal["ok", "due_soon", "breached"]
DUE_SOON = timedelta(minutes=60)


def token_name(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> str:
    """Who is acting: the name the bearer token was created with."""
    if credentials is None:
        raise HTTPException(401, "missing bearer token", headers={"WWW-Authenticate": "Bearer"})
    with request.app.state.context.engine.connect() as connection:
        name = connection.execute(
            select(api_tokens.c.name).where(
                api_tokens.c.token_hash == hash_token(credentials.credentials),
                api_tokens.c.revoked_at.is_(None),
            )
        ).scalar_one_or_none()
    if name is None:
        raise HTTPException(401, "unknown or revoked token", headers={"WWW-Authenticate": "Bearer"})
    return str(name)


ActorName = Annotated[str, Depends(token_name)]


class EscalationLevelOut(BaseModel):
    level: int
    due_at: datetime
    target: str


class ExceptionOut(BaseModel):
    store_id: str
    order_id: str
    key: str
    type: str
    owner: str
    opened_at: datetime
    age_hours: float
    reason: str
    hold: str | None
    sla: SlaState
    escalation: list[EscalationLevelOut]
    level_reached: int
    state: str
    assignee: str | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    resolved_at: datetime | None
    resolution: str | None
    resolved_by: str | None
    notes: list[dict[str, Any]]


class ExceptionQueue(BaseModel):
    items: list[ExceptionOut]
    counts_by_owner: dict[str, int] = Field(description="The same filter without `owner`.")


class Assignment(BaseModel):
    assignee: str = Field(min_length=1, max_length=120)


class Note(BaseModel):
    text: str = Field(min_length=1, max_length=4000)


class Resolution(BaseModel):
    resolution: str = Field(default="resolved by hand", min_length=1, max_length=1000)


def _out(row: StoredException, sla: str, now: datetime) -> dict[str, Any]:
    return {
        **{name: getattr(row, name) for name in ExceptionOut.model_fields if hasattr(row, name)},
        "age_hours": round((now - row.opened_at) / timedelta(hours=1), 2),
        "sla": sla,
        "escalation": [lv._asdict() for lv in row.due_levels],
    }


@router.get("/exceptions", response_model=ExceptionQueue)
def list_exceptions(
    request: Request,
    _: Reader,
    owner: str | None = None,
    type: str | None = None,
    store: str | None = None,
    sla: SlaState | None = None,
    state: Literal["open", "resolved"] = "open",
    due_soon_minutes: Annotated[int, Query(ge=1, le=7 * 24 * 60)] = int(DUE_SOON / timedelta(minutes=1)),
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    """The exception queue, oldest first. `sla` is measured on the first escalation level:
    breached once it is due, due_soon within `due_soon_minutes` of it, else ok."""
    now = request.app.state.context.clock()
    where = QueueFilter(store_id=store, owner=owner, type=type, sla=sla, state=state)
    window = timedelta(minutes=due_soon_minutes)
    with request.app.state.context.engine.connect() as connection:
        rows = records.list_queue(connection, where, now, window, limit)
        counts = records.count_by_owner(connection, where, now, window)
    return {"items": [_out(row, s, now) for row, s in rows], "counts_by_owner": counts}


_ONE = "/stores/{store_id}/orders/{order_id}/exceptions/{key}"


def _sla_now(row: StoredException, now: datetime) -> str:
    """The queue's SLA state (see `list_exceptions`) with the default window."""
    if row.first_due_at is None or row.first_due_at > now + DUE_SOON:
        return "ok"
    return "breached" if row.first_due_at <= now else "due_soon"


def _act(request: Request, ref: ExceptionRef, action: Action, actor: str, text: str = "") -> Any:
    """Apply one action through the service; 404 / 409 for a missing / resolved exception."""
    now = request.app.state.context.clock()
    try:
        with request.app.state.context.engine.begin() as connection:
            updated = act(connection, ref, action, actor, now, text)
    except ExceptionNotFound as error:
        raise HTTPException(404, str(error)) from error
    except ExceptionClosed as error:
        raise HTTPException(409, str(error)) from error
    return _out(updated, _sla_now(updated, now), now)


@router.post(f"{_ONE}/acknowledge", response_model=ExceptionOut)
def acknowledge(request: Request, store_id: str, order_id: str, key: str, _: Actor, actor: ActorName) -> Any:
    return _act(request, ExceptionRef(store_id, order_id, key), Action.ACKNOWLEDGE, actor)


@router.post(f"{_ONE}/assign", response_model=ExceptionOut)
def assign(
    request: Request, store_id: str, order_id: str, key: str, body: Assignment, _: Actor, actor: ActorName
) -> Any:
    return _act(request, ExceptionRef(store_id, order_id, key), Action.ASSIGN, actor, body.assignee)


@router.post(f"{_ONE}/note", response_model=ExceptionOut)
def note(
    request: Request, store_id: str, order_id: str, key: str, body: Note, _: Actor, actor: ActorName
) -> Any:
    return _act(request, ExceptionRef(store_id, order_id, key), Action.NOTE, actor, body.text)


@router.post(f"{_ONE}/resolve", response_model=ExceptionOut)
def resolve(
    request: Request, store_id: str, order_id: str, key: str, body: Resolution, _: Actor, actor: ActorName
) -> Any:
    return _act(request, ExceptionRef(store_id, order_id, key), Action.RESOLVE, actor, body.resolution)
