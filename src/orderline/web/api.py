"""The JSON API under /api/v1 (FastAPI, so it is described at /openapi.json)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel

from orderline.services import quarantine
from orderline.store import exception_records, order_queries
from orderline.store.order_queries import BadCursor, OrderFilter
from orderline.web import messaging_api
from orderline.web.auth import Role, current_role, require

router = APIRouter(prefix="/api/v1", tags=["orders"])

Authenticated = Annotated[Role, Depends(current_role)]


class OrderSummary(BaseModel):
    store_id: str
    order_id: str
    order_number: str
    status: str
    payment_status: str
    fulfillment_status: str
    owner: str
    placed_at: datetime
    updated_at: datetime


class OrderList(BaseModel):
    items: list[OrderSummary]
    next_cursor: str | None


class OrderDetail(BaseModel):
    """The canonical order, its exceptions, its customer messages and support hand-offs;
    the timeline holds its history, its exceptions' and every message decision and attempt."""

    store_id: str
    order_id: str
    order_number: str
    status: str
    payment_status: str
    fulfillment_status: str
    owner: str
    placed_at: datetime
    updated_at: datetime
    email: str | None
    lines: list[dict[str, Any]]
    shipments: list[dict[str, Any]]
    holds: list[dict[str, Any]]
    refunds: list[dict[str, Any]]
    anomalies: list[dict[str, Any]]
    exceptions: list[dict[str, Any]]
    messages: list[dict[str, Any]]
    handoffs: list[dict[str, Any]]
    timeline: list[dict[str, Any]]
    model_config = {"extra": "allow"}


class DeadLetter(BaseModel):
    id: int
    received_at: datetime
    platform: str
    store_id: str | None
    path: str
    status_code: int
    reason: str
    body_bytes: int


@router.get("/stores/{store_id}/orders/{platform_order_id}", response_model=OrderDetail)
def get_order(request: Request, store_id: str, platform_order_id: str, _: Authenticated) -> dict[str, Any]:
    with request.app.state.context.engine.connect() as connection:
        state = order_queries.get_order(connection, store_id, platform_order_id)
        if state is None:
            raise HTTPException(404, f"no order {platform_order_id} in store {store_id}")
        state["timeline"] = messaging_api.with_entries(
            _with_exception_events(
                order_queries.get_timeline(connection, store_id, platform_order_id),
                exception_records.list_events(connection, store_id, platform_order_id),
            ),
            [
                *messaging_api.message_entries(connection, store_id, platform_order_id),
                *quarantine.inbox_action_entries(connection, store_id, platform_order_id),
            ],
        )
        state["exceptions"] = [
            _exception_view(e)
            for e in exception_records.load_exceptions(connection, store_id, platform_order_id).values()
        ]
        state["messages"] = messaging_api.order_messages(connection, store_id, platform_order_id)
        state["handoffs"] = messaging_api.order_handoffs(connection, store_id, platform_order_id)
    return state


@router.get("/orders", response_model=OrderList)
def list_orders(
    request: Request,
    _: Authenticated,
    store: str | None = None,
    status: str | None = None,
    owner: str | None = None,
    placed_from: datetime | None = None,
    placed_to: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> dict[str, Any]:
    where = OrderFilter(store, status, owner, _aware(placed_from), _aware(placed_to))
    with request.app.state.context.engine.connect() as connection:
        try:
            page = order_queries.list_orders(connection, where, limit, cursor)
        except BadCursor as error:
            raise HTTPException(400, str(error)) from error
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.get("/dead-letters", response_model=list[DeadLetter], tags=["intake"])
def list_dead_letters(
    request: Request,
    _: Annotated[Role, Depends(require(Role.OPERATIONS))],
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[dict[str, Any]]:
    with request.app.state.context.engine.connect() as connection:
        return order_queries.list_dead_letters(connection, limit)


def _with_exception_events(
    timeline: list[dict[str, Any]], events: list[exception_records.ExceptionEvent]
) -> list[dict[str, Any]]:
    """The order's own history and its exceptions' (opened, escalated, acknowledged... with
    who did it) in one list, by time; the order's entries first at the same instant."""
    merged = [(datetime.fromisoformat(e["at"]), 0, i, e) for i, e in enumerate(timeline)]
    for i, event in enumerate(events):
        entry = {
            "at": event.at.isoformat(),
            "kind": f"exception_{event.action}",
            "summary": f"Exception {event.key} {event.action}"
            + (f" by {event.actor}" if event.actor else ""),
            "data": {"key": event.key, **({"actor": event.actor} if event.actor else {}), **event.detail},
        }
        merged.append((event.at, 1, i, entry))
    return [entry for *_, entry in sorted(merged, key=lambda item: item[:3])]


def _exception_view(stored: exception_records.StoredException) -> dict[str, Any]:
    return {
        "key": stored.key,
        "type": stored.type,
        "state": stored.state,
        "owner": stored.owner,
        "opened_at": stored.opened_at.isoformat(),
        "reason": stored.reason,
        "hold": stored.hold,
        "level_reached": stored.level_reached,
        "assignee": stored.assignee,
        "acknowledged_by": stored.acknowledged_by,
        "resolved_at": stored.resolved_at.isoformat() if stored.resolved_at else None,
        "resolution": stored.resolution,
    }


def _aware(value: datetime | None) -> datetime | None:
    """A filter date without an offset is read as UTC."""
    if value is None or value.tzinfo is not None:
        return value
    from datetime import UTC

    return value.replace(tzinfo=UTC)
