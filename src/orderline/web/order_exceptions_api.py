"""The exception queue and the actions on one exception, under /api/v1.

Any authenticated role reads the queue; operations, support and admin act on it, each
only on the exceptions its team owns (a role acts for the team of its name; admin for
every team): another team's exception is refused 403 and left as it was. Every action is
kept on the exception and in its history with who did it: the name of the token used.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field

from orderline.domain.vocabulary import ExceptionType, HoldReason
from orderline.services.exception_queue import (
    DUE_SOON,
    Action,
    ExceptionClosed,
    ExceptionNotFound,
    ExceptionRef,
    ExceptionState,
    NotOwnerTeam,
    QueueEntry,
    QueueFilter,
    team_of,
)
from orderline.web.auth import Authenticated, Principal, Role, require
from orderline.web.moments import UtcDatetime
from orderline.web.problems import problem_responses

if TYPE_CHECKING:
    from orderline.web.app import WebContext

router = APIRouter(prefix="/api/v1", tags=["exceptions"], responses=problem_responses(401, 422))

Actor = Annotated[Principal, Depends(require(Role.OPERATIONS, Role.SUPPORT))]
SlaState = Literal["ok", "due_soon", "breached", "none"]
Kind = Literal["problem", "informational"]

# Not an enum: a type registered at start-up (domain/order_exceptions/registry.py) names itself.
ExceptionTypeName = Annotated[
    str,
    Field(
        description="The exception type's name: a built-in one ("
        + ", ".join(f"`{name}`" for name in ExceptionType)
        + ") or one registered at start-up.",
        examples=[ExceptionType.ADDRESS_INVALID.value],
    ),
]


class EscalationLevelOut(BaseModel):
    level: int
    due_at: UtcDatetime
    target: str


class ExceptionNote(BaseModel):
    at: UtcDatetime
    by: str
    text: str


class ExceptionOut(BaseModel):
    store_id: str
    order_id: str
    key: str
    type: ExceptionTypeName
    owner: str
    opened_at: UtcDatetime
    age_hours: float
    reason: str
    hold: HoldReason | None
    kind: Kind = Field(description="`informational`: a type with nothing to fix (a split shipment).")
    sla: SlaState = Field(description="`none` for an informational type: it has no SLA and never breaches.")
    escalation: list[EscalationLevelOut]
    level_reached: int
    state: ExceptionState
    assignee: str | None
    acknowledged_at: UtcDatetime | None
    acknowledged_by: str | None
    resolved_at: UtcDatetime | None
    resolution: str | None
    resolved_by: str | None
    notes: list[ExceptionNote]


class ExceptionQueue(BaseModel):
    items: list[ExceptionOut]
    counts_by_owner: dict[str, int] = Field(description="The same filter without `owner`.")


class Assignment(BaseModel):
    assignee: str = Field(min_length=1, max_length=120)


class Note(BaseModel):
    text: str = Field(min_length=1, max_length=4000)


class Resolution(BaseModel):
    resolution: str = Field(default="resolved by hand", min_length=1, max_length=1000)


def _out(entry: QueueEntry, now: datetime) -> dict[str, Any]:
    row = entry.exception
    return {
        **{name: getattr(row, name) for name in ExceptionOut.model_fields if hasattr(row, name)},
        "age_hours": round((now - row.opened_at) / timedelta(hours=1), 2),
        "sla": entry.sla,
        "kind": entry.kind,
        "escalation": [lv._asdict() for lv in row.due_levels],
    }


@router.get("/exceptions", response_model=ExceptionQueue)
def list_exceptions(
    request: Request,
    _: Authenticated,
    owner: str | None = None,
    type: Annotated[str | None, Query(description="An exception type's name.")] = None,
    store: str | None = None,
    sla: SlaState | None = None,
    kind: Annotated[Kind | None, Query(description="Only problems, or only informational ones.")] = None,
    state: ExceptionState = ExceptionState.OPEN,
    due_soon_minutes: Annotated[int, Query(ge=1, le=7 * 24 * 60)] = int(DUE_SOON / timedelta(minutes=1)),
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    """The exception queue: problems first, oldest first, then the informational ones (a
    split shipment: nothing to fix). `sla` is measured on the first escalation level:
    breached once it is due, due_soon within `due_soon_minutes` of it, else ok; an
    informational exception has no SLA (`none`) and never breaches."""
    context: WebContext = request.app.state.context
    now = context.clock()
    where = QueueFilter(store_id=store, owner=owner, type=type, sla=sla, state=state, kind=kind)
    window = timedelta(minutes=due_soon_minutes)
    entries = context.exceptions.entries(where, now, due_soon=window, limit=limit)
    counts = context.exceptions.counts_by_owner(where, now, due_soon=window)
    return {"items": [_out(entry, now) for entry in entries], "counts_by_owner": counts}


_ONE = "/stores/{store_id}/orders/{order_id}/exceptions/{key}"
_ACTION_PROBLEMS = problem_responses(
    described={403: "Another team's exception", 404: "No such exception", 409: "The exception is resolved"}
)


def _act(request: Request, ref: ExceptionRef, action: Action, actor: Principal, text: str = "") -> Any:
    """Apply one action through the service, recorded with the token's name, for the
    token's team; 404 / 403 / 409 for a missing / another team's / a resolved exception."""
    context: WebContext = request.app.state.context
    now = context.clock()
    try:
        entry = context.exceptions.act(ref, action, actor.name, now, text, team=team_of(actor.role))
    except ExceptionNotFound as error:
        raise HTTPException(404, str(error)) from error
    except NotOwnerTeam as error:
        raise HTTPException(403, str(error)) from error
    except ExceptionClosed as error:
        raise HTTPException(409, str(error)) from error
    return _out(entry, now)


@router.post(f"{_ONE}/acknowledge", response_model=ExceptionOut, responses=_ACTION_PROBLEMS)
def acknowledge(request: Request, store_id: str, order_id: str, key: str, actor: Actor) -> Any:
    return _act(request, ExceptionRef(store_id, order_id, key), Action.ACKNOWLEDGE, actor)


@router.post(f"{_ONE}/assign", response_model=ExceptionOut, responses=_ACTION_PROBLEMS)
def assign(request: Request, store_id: str, order_id: str, key: str, body: Assignment, actor: Actor) -> Any:
    return _act(request, ExceptionRef(store_id, order_id, key), Action.ASSIGN, actor, body.assignee)


@router.post(f"{_ONE}/note", response_model=ExceptionOut, responses=_ACTION_PROBLEMS)
def note(request: Request, store_id: str, order_id: str, key: str, body: Note, actor: Actor) -> Any:
    return _act(request, ExceptionRef(store_id, order_id, key), Action.NOTE, actor, body.text)


@router.post(f"{_ONE}/resolve", response_model=ExceptionOut, responses=_ACTION_PROBLEMS)
def resolve(request: Request, store_id: str, order_id: str, key: str, body: Resolution, actor: Actor) -> Any:
    return _act(request, ExceptionRef(store_id, order_id, key), Action.RESOLVE, actor, body.resolution)
