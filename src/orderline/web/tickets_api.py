"""Support tickets under /api/v1: the tickets of a period, and those of one order.

Any authenticated role (viewer and up) reads them. A ticket not linked to an order has
no store, so a store filter leaves it out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from orderline.services.support_tickets import TicketFilter
from orderline.web.auth import Authenticated
from orderline.web.moment_params import QueryMoment
from orderline.web.moments import UtcDatetime
from orderline.web.problems import problem_responses

if TYPE_CHECKING:
    from orderline.web.app import WebContext

router = APIRouter(prefix="/api/v1", tags=["tickets"], responses=problem_responses(401, 422))


class Ticket(BaseModel):
    helpdesk: str
    ticket_id: str
    source: str
    """webhook, csv or handoff: how Orderline first learned of it."""
    store_id: str | None
    order_id: str | None
    order_number: str | None
    requester_email: str | None
    subject: str
    status: str | None
    created_at: UtcDatetime


@router.get("/tickets", response_model=list[Ticket])
def list_tickets(
    request: Request,
    _: Authenticated,
    store: Annotated[str | None, Query(description="Only tickets linked to this store's orders.")] = None,
    created_from: Annotated[
        QueryMoment | None, Query(alias="from", description="Created at or after (UTC without an offset).")
    ] = None,
    created_to: Annotated[
        QueryMoment | None, Query(alias="to", description="Created before (UTC without an offset).")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[dict[str, Any]]:
    """Support tickets, newest first."""
    context: WebContext = request.app.state.context
    where = TicketFilter(store, created_from, created_to)
    return context.tickets.search(where, limit)


@router.get("/stores/{store_id}/orders/{platform_order_id}/tickets", response_model=list[Ticket])
def order_tickets(
    request: Request, _: Authenticated, store_id: str, platform_order_id: str
) -> list[dict[str, Any]]:
    """The support tickets linked to one order, oldest first."""
    context: WebContext = request.app.state.context
    return context.tickets.of_order(store_id, platform_order_id)
