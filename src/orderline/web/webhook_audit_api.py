"""`GET /api/v1/audit/webhooks`: the webhook reliability audit over a period, for any
authenticated role, like the messaging audit beside it.

`?subscriptions=true` also reads each store's webhook subscriptions live from its platform's
API (a few seconds per store at most; off by default, so a dashboard's poll never waits on a
platform). A store whose API cannot be read is a finding, not an error.

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


class SubscriptionOut(BaseModel):
    id: str
    topic: str
    address: str
    state: str
    """active, paused, disabled (WooCommerce) or inactive (BigCommerce)."""


class RepairActionOut(BaseModel):
    kind: str
    topic: str
    subscription_id: str | None
    address: str
    description: str


class SubscriptionCheckOut(BaseModel):
    store_id: str
    platform: str
    status: str
    """checked, unreadable (the reason says why) or not_checked (no API credentials or no public_url)."""
    reason: str | None
    address: str | None
    """Where the store's webhooks must go: public_url + /webhooks/{platform}/{store_id}."""
    needed_topics: list[str]
    subscriptions: list[SubscriptionOut]
    actions: list[RepairActionOut]
    """What `orderline webhooks repair --store ID` would do."""


class WebhookAuditOut(BaseModel):
    now: UtcDatetime
    since: UtcDatetime
    until: UtcDatetime
    clean: bool
    counts: dict[WebhookFindingKind, int]
    stores: list[StoreDeliveriesOut]
    subscriptions: list[SubscriptionCheckOut]
    """Empty unless `subscriptions=true`."""
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
    subscriptions: Annotated[
        bool,
        Query(
            description="Also read each store's webhook subscriptions live from its platform's API "
            "(stores with API credentials, when public_url is set)."
        ),
    ] = False,
) -> Any:
    """Deliveries, duplicates, out-of-order and stale deliveries, delivery lag per store and
    topic in [`since`, `until`), signature refusals and each store's last delivery, and with
    `subscriptions=true` each store's webhook subscriptions as its platform lists them, with
    findings and what to do about each (docs/webhook-audit.md)."""
    context: WebContext = request.app.state.context
    try:
        return context.webhook_audit.report(
            context.clock(), since=since, until=until, store_id=store, subscriptions=subscriptions
        ).as_dict()
    except UnknownAuditStore as error:
        raise HTTPException(404, str(error)) from error
    except BadAuditPeriod as error:
        return _bad_since(str(error))


def _bad_since(message: str) -> Response:
    return problem_response(
        422, f"query.since: {message}", [FieldProblem(field="query.since", message=message)]
    )
