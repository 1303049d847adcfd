"""`GET /api/v1/audit/webhooks`: the webhook reliability audit over a period, for any
authenticated role, like the messaging audit beside it.

A store the configuration does not list is 404 (as the scorecard's); a period that does not
end after it starts is 422, a problem naming `query.since`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel
from starlette.responses import Response

from orderline.services.webhook_audit import BadAuditPeriod, UnknownAuditStore, WebhookFindingKind
from orderline.web.auth import Authenticated
from orderline.web.moment_params import QueryMoment
from orderline.web.moments import UtcDatetime
from orderline.web.problems import FieldProblem, problem_response, problem_responses

if TYPE_CHECKING:
    from orderline.web.app import WebContext

router = APIRouter(prefix="/api/v1", tags=["audit"], responses=problem_responses(401, 422))


class LagOut(BaseModel):
    p50: float | None
    p90: float | None
    max: float | None


class TopicDeliveriesOut(BaseModel):
    topic: str
    deliveries: int
    duplicates: int
    out_of_order: int
    stale: int
    lag_s: LagOut
    """Receipt minus the platform's trigger time, in seconds; null where it sends none."""


class StoreDeliveriesOut(BaseModel):
    store_id: str
    platform: str
    last_delivery_at: UtcDatetime | None
    signature_failures: int
    topics: list[TopicDeliveriesOut]


class WebhookFindingOut(BaseModel):
    store_id: str
    topic: str | None
    kind: WebhookFindingKind
    detail: str
    recommendation: str


class WebhookAuditOut(BaseModel):
    now: UtcDatetime
    since: UtcDatetime
    until: UtcDatetime
    clean: bool
    counts: dict[WebhookFindingKind, int]
    stores: list[StoreDeliveriesOut]
    findings: list[WebhookFindingOut]


@router.get("/audit/webhooks", response_model=WebhookAuditOut, responses=problem_responses(404))
def webhook_audit(
    request: Request,
    _: Authenticated,
    store: Annotated[str | None, Query(description="A configured store id. Default: all stores.")] = None,
    since: Annotated[
        QueryMoment | None, Query(description="Start of the period (default: 7 days before `until`).")
    ] = None,
    until: Annotated[QueryMoment | None, Query(description="End of the period (default: now).")] = None,
) -> Any:
    """Deliveries, duplicates, out-of-order and stale deliveries, delivery lag per store and
    topic in [`since`, `until`), signature refusals and each store's last delivery, with findings
    and what to do about each (docs/webhook-audit.md)."""
    context: WebContext = request.app.state.context
    try:
        return context.webhook_audit.report(
            context.clock(), since=since, until=until, store_id=store
        ).as_dict()
    except UnknownAuditStore as error:
        raise HTTPException(404, str(error)) from error
    except BadAuditPeriod as error:
        return _bad_since(str(error))


def _bad_since(message: str) -> Response:
    return problem_response(
        422, f"query.since: {message}", [FieldProblem(field="query.since", message=message)]
    )
