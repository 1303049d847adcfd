"""The raw platform deliveries behind an order in the web console: the order page lists
them and puts each in its timeline at the moment it was received, and
/console/stores/{store}/orders/{order}/deliveries/{inbox_id} shows one: its topic, ids,
times and its body as escaped, pretty-printed text (bounded; never its headers).

A body is the platform's order, buyer data and all, so only the roles the API's inbox
routes allow (operations and admin) may open one; the others see the list without links.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from orderline.services.api_tokens import Principal, Role
from orderline.services.console_auth import ConsoleSession
from orderline.services.inbox_operations import RECEIVED, Delivery
from orderline.web.console_auth import PREFIX, common, context_of, page, refused, signed_in

READING_ROLES = frozenset({Role.ADMIN, Role.OPERATIONS})
"""Who may read a delivery's body: the API's `require(Role.OPERATIONS)` on /api/v1/inbox."""
_LARGEST_ID = 2**63 - 1


def may_read_bodies(principal: Principal) -> bool:
    return principal.role in READING_ROLES


def delivery_url(store_id: str, order_id: str, inbox_id: int) -> str:
    return f"{PREFIX}/stores/{store_id}/orders/{order_id}/deliveries/{inbox_id}"


def delivery_view(delivery: Delivery, url: str | None) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "platform": delivery.platform,
        "topic": delivery.topic,
        "delivery_key": delivery.delivery_key,
        "event_id": delivery.event_id,
        "received_at": delivery.received_at.isoformat(),
        "triggered_at": delivery.triggered_at.isoformat() if delivery.triggered_at else None,
        "status": delivery.status,
        "processed_at": delivery.processed_at.isoformat() if delivery.processed_at else None,
        "url": url,
    }


async def add_to_order(request: Request, session: ConsoleSession, order: dict[str, Any]) -> None:
    """Put the order's deliveries on the order page's `order` as `deliveries`, and, for a
    user who may read them, a link to each on its timeline entry (`delivery_url`)."""
    context = context_of(request)
    store_id, order_id = order["store_id"], order["order_id"]
    deliveries = await run_in_threadpool(context.inbox.deliveries_of_order, store_id, order_id)
    readable = may_read_bodies(session.principal)
    order["deliveries"] = [
        delivery_view(d, delivery_url(store_id, order_id, d.id) if readable else None) for d in deliveries
    ]
    if not readable:
        return
    listed = {d.id for d in deliveries}
    for entry in order.get("timeline", []):
        inbox_id = entry.get("data", {}).get("inbox_id")
        if entry.get("kind") == RECEIVED and inbox_id in listed:
            entry["delivery_url"] = delivery_url(store_id, order_id, inbox_id)


async def _delivery(request: Request, session: ConsoleSession) -> Response:
    if not may_read_bodies(session.principal):
        return refused(session, 403, f"Role {session.principal.role.value} may not read platform deliveries.")
    context = context_of(request)
    p = request.path_params
    store_id, order_id, raw_id = p["store_id"], p["order_id"], p["inbox_id"]
    inbox_id = int(raw_id) if raw_id.isdigit() and 0 < int(raw_id) <= _LARGEST_ID else None
    found = (
        await run_in_threadpool(context.inbox.delivery_of_order, store_id, order_id, inbox_id)
        if inbox_id is not None
        else None
    )
    if found is None:
        return refused(
            session, 404, f"There is no delivery {raw_id} of order {order_id} in store {store_id}."
        )
    return page(
        "console/delivery.j2",
        **common(
            session,
            store_id=store_id,
            order_id=order_id,
            delivery=delivery_view(found.delivery, None),
            body=found.text,
            cut=found.cut,
            total_chars=found.total_chars,
        ),
    )


ROUTES = [
    Route(
        f"{PREFIX}/stores/{{store_id}}/orders/{{order_id}}/deliveries/{{inbox_id}}",
        signed_in(_delivery),
        methods=["GET"],
        include_in_schema=False,
    ),
]
"""Added to the console's routes by web/console.py."""
