"""`GET /api/v1/support/lookup?email=&order=`: the helpdesk's view of a buyer's orders.

Shaped for a Gorgias HTTP integration widget and a Zendesk sidebar app (docs/helpdesk-lookup.md):
one JSON object, `orders` newest first, each with its canonical status and axes, owner,
holds, open exceptions, last customer message and status-page link.

Who may call it: a `support_lookup` token (made for the helpdesk's settings, and refused by
every other endpoint), support and admin. Operations and viewers read orders through the
order API; no token is 401, another role 403, as everywhere in the API.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from starlette.responses import JSONResponse, Response

from orderline.web.auth import Principal, Role, lookup_principal
from orderline.web.problems import FieldProblem, problem_response, problem_responses

if TYPE_CHECKING:
    from orderline.web.app import WebContext

LOOKUP_ROLES = frozenset({Role.ADMIN, Role.SUPPORT, Role.SUPPORT_LOOKUP})

router = APIRouter(prefix="/api/v1", tags=["support"], responses=problem_responses(401, 403, 422))


def lookup_caller(principal: Annotated[Principal, Depends(lookup_principal)]) -> Principal:
    if principal.role not in LOOKUP_ROLES:
        raise HTTPException(403, f"role {principal.role.value} may not do this")
    return principal


@router.get(
    "/support/lookup",
    summary="A buyer's orders for a helpdesk sidebar (Gorgias widget, Zendesk app)",
    response_model=None,
)
def support_lookup(
    request: Request,
    _caller: Annotated[Principal, Depends(lookup_caller)],
    email: Annotated[str | None, Query(max_length=320, description="The buyer's e-mail address")] = None,
    order: Annotated[str | None, Query(max_length=64, description="An order number, # or not")] = None,
) -> Response:
    """At least one of `email` and `order`; both narrow to orders matching both. At most five
    orders, newest placed first; `status_page_url` is null when the configuration makes no
    status links. A plain `def`: it reads the database in a thread, off the event loop."""
    email, order = (email or "").strip() or None, (order or "").strip() or None
    if email is None and order is None:
        message = "give email or order (or both)"
        return problem_response(422, f"query: {message}", [FieldProblem(field="query", message=message)])
    context: WebContext = request.app.state.context
    found: list[dict[str, Any]] = context.support_lookup.lookup(email, order, context.clock())
    return JSONResponse(
        {"query": {"email": email, "order": order}, "count": len(found), "orders": found},
        headers={"Cache-Control": "no-store"},
    )
