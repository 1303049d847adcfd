"""The JSON API under /api/v1 (FastAPI, so it is described at /openapi.json)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel

from orderline.domain.vocabulary import FulfillmentStatus, OrderStatus, PaymentStatus
from orderline.services.order_reads import BadCursor, OrderFilter
from orderline.web.auth import Authenticated, Principal, Role, require
from orderline.web.moment_params import QueryMoment
from orderline.web.moments import UtcDatetime
from orderline.web.order_detail import OrderDetail, Team
from orderline.web.problems import problem_responses

if TYPE_CHECKING:
    from orderline.web.app import WebContext

router = APIRouter(prefix="/api/v1", tags=["orders"], responses=problem_responses(401, 422))


class OrderSummary(BaseModel):
    store_id: str
    order_id: str
    order_number: str
    status: OrderStatus
    payment_status: PaymentStatus
    fulfillment_status: FulfillmentStatus
    owner: Team
    placed_at: UtcDatetime
    updated_at: UtcDatetime


class OrderList(BaseModel):
    items: list[OrderSummary]
    next_cursor: str | None


class DeadLetter(BaseModel):
    id: int
    received_at: UtcDatetime
    platform: str
    store_id: str | None
    path: str
    status_code: int
    reason: str
    body_bytes: int


@router.get(
    "/stores/{store_id}/orders/{platform_order_id}",
    response_model=OrderDetail,
    responses=problem_responses(404),
)
def get_order(request: Request, store_id: str, platform_order_id: str, _: Authenticated) -> dict[str, Any]:
    context: WebContext = request.app.state.context
    state = context.orders.order(store_id, platform_order_id)
    if state is None:
        raise HTTPException(404, f"no order {platform_order_id} in store {store_id}")
    return state


@router.get("/orders", response_model=OrderList, responses=problem_responses(400))
def list_orders(
    request: Request,
    _: Authenticated,
    store: str | None = None,
    status: OrderStatus | None = None,
    owner: Annotated[
        str | None, Query(description="A team: `operations`, `support` or a configured one.")
    ] = None,
    placed_from: QueryMoment | None = None,
    placed_to: QueryMoment | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> dict[str, Any]:
    context: WebContext = request.app.state.context
    where = OrderFilter(store, status, owner, placed_from, placed_to)
    try:
        page = context.orders.orders(where, limit, cursor)
    except BadCursor as error:
        raise HTTPException(400, str(error)) from error
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.get(
    "/dead-letters", response_model=list[DeadLetter], tags=["intake"], responses=problem_responses(403)
)
def list_dead_letters(
    request: Request,
    _: Annotated[Principal, Depends(require(Role.OPERATIONS))],
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[dict[str, Any]]:
    context: WebContext = request.app.state.context
    return context.orders.dead_letters(limit)
