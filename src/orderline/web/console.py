"""The web console under /console/: the exception queue by owner team with its actions,
order search and the order page, server-rendered (web/pages.py, autoescaped) with our own
small stylesheet; no JavaScript needed. Login, sessions and CSRF: web/console_auth.py.

Acting on an exception follows the API's rules exactly (web/order_exceptions_api.py): a
viewer may only read; operations and support act on their own team's exceptions (the
service refuses another team's, `NotOwnerTeam`); admin on every team's. Each action is
recorded with the user's name.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from orderline.services.api_tokens import Principal, Role
from orderline.services.console_auth import ConsoleSession
from orderline.services.exception_queue import (
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
from orderline.web import console_auth, console_deliveries
from orderline.web.console_auth import (
    PREFIX,
    Form,
    common,
    context_of,
    field,
    form_post,
    page,
    refused,
    signed_in,
)

STATIC = Path(__file__).parent / "static"
ACTING_ROLES = frozenset({Role.ADMIN, Role.OPERATIONS, Role.SUPPORT})
"""Who may act on exceptions at all: the API's `require(Role.OPERATIONS, Role.SUPPORT)`."""
ACTIONS = {
    "acknowledge": Action.ACKNOWLEDGE,
    "assign": Action.ASSIGN,
    "note": Action.NOTE,
    "resolve": Action.RESOLVE,
}
_TEXT = {Action.ASSIGN: ("assignee", 120), Action.NOTE: ("text", 4000), Action.RESOLVE: ("resolution", 1000)}
QUEUE_LIMIT = 200


def install_console(app: FastAPI) -> None:
    """The console's pages, its static files, and `/` leading to it."""
    app.router.routes.extend(
        [
            Route("/", _to_console, methods=["GET"], include_in_schema=False),
            Route(PREFIX, _to_console, methods=["GET"], include_in_schema=False),
            Route(f"{PREFIX}/", _to_queue, methods=["GET"], include_in_schema=False),
            Route(f"{PREFIX}/login", console_auth.login_form, methods=["GET"], include_in_schema=False),
            Route(f"{PREFIX}/login", console_auth.log_in, methods=["POST"], include_in_schema=False),
            Route(f"{PREFIX}/logout", console_auth.log_out, methods=["POST"], include_in_schema=False),
            Route(f"{PREFIX}/exceptions", signed_in(_queue), methods=["GET"], include_in_schema=False),
            Route(f"{PREFIX}/exceptions/bulk", form_post(_bulk), methods=["POST"], include_in_schema=False),
            Route(
                f"{PREFIX}/stores/{{store_id}}/orders/{{order_id}}/exceptions/{{key}}/{{action}}",
                form_post(_act),
                methods=["POST"],
                include_in_schema=False,
            ),
            Route(f"{PREFIX}/orders", signed_in(_search), methods=["GET"], include_in_schema=False),
            Route(
                f"{PREFIX}/stores/{{store_id}}/orders/{{order_id}}",
                signed_in(_order),
                methods=["GET"],
                include_in_schema=False,
            ),
            *console_deliveries.ROUTES,
            Mount(f"{PREFIX}/static", StaticFiles(directory=str(STATIC)), name="console-static"),
        ]
    )


async def _to_console(_: Request) -> Response:
    return RedirectResponse(f"{PREFIX}/", status_code=307)


async def _to_queue(_: Request) -> Response:
    return RedirectResponse(f"{PREFIX}/exceptions", status_code=303)


def may_act(principal: Principal, owner: str) -> bool:
    """Whether the console offers `principal` the actions on an exception `owner` owns
    (the service checks again when one is posted)."""
    team = team_of(principal.role)
    return principal.role in ACTING_ROLES and (team is None or team == owner)


def countdown(delta: timedelta) -> str:
    """`in 1h 05m`, `overdue 2d 3h`: the time to (or past) an escalation."""
    minutes = int(abs(delta) / timedelta(minutes=1))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    text = f"{days}d {hours}h" if days else f"{hours}h {mins:02d}m"
    return f"in {text}" if delta >= timedelta(0) else f"overdue {text}"


def exception_row(entry: QueueEntry, principal: Principal, now: datetime) -> dict[str, Any]:
    row = entry.exception
    upcoming = [level for level in row.due_levels if level.level > row.level_reached]
    following = upcoming[0] if upcoming else None
    return {
        "row": row,
        "ref": f"{row.store_id}/{row.order_id}/{row.key}",
        "sla": entry.sla,
        # An informational type (a split shipment) has no SLA ("none") and nothing to fix.
        "informational": entry.sla == "none",
        "age": countdown(row.opened_at - now).removeprefix("overdue "),
        "next_level": following,
        "next_in": countdown(following.due_at - now) if following else None,
        "can_act": row.is_open and may_act(principal, row.owner),
    }


async def _queue(request: Request, session: ConsoleSession) -> Response:
    context = context_of(request)
    params = request.query_params
    team = team_of(session.principal.role)
    default_owner = team if team in ("operations", "support") else ""
    owner = params.get("owner", default_owner or "")
    where = QueueFilter(
        store_id=params.get("store") or None,
        owner=owner or None,
        type=params.get("type") or None,
        sla=params.get("sla") if params.get("sla") in ("ok", "due_soon", "breached") else None,
        state=ExceptionState.OPEN,
    )
    now = context.clock()

    def read() -> tuple[list[QueueEntry], dict[str, int]]:
        entries = context.exceptions.entries(where, now, limit=QUEUE_LIMIT)
        return entries, context.exceptions.counts_by_owner(where, now)

    entries, counts = await run_in_threadpool(read)
    rows = [exception_row(entry, session.principal, now) for entry in entries]
    return page(
        "console/exceptions.j2",
        **common(
            session,
            rows=rows,
            counts=counts,
            total=sum(counts.values()),
            owner=owner,
            filters={"store": where.store_id or "", "type": where.type or "", "sla": where.sla or ""},
            stores=context.store_ids,
            back=str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""),
            done=params.get("done", ""),
            refused_count=params.get("refused", ""),
            limit=QUEUE_LIMIT,
            can_bulk=session.principal.role in ACTING_ROLES and any(r["can_act"] for r in rows),
        ),
    )


def _apply(request: Request, session: ConsoleSession, ref: ExceptionRef, action: Action, text: str) -> None:
    context = context_of(request)
    context.exceptions.act(
        ref, action, session.principal.name, context.clock(), text, team=team_of(session.principal.role)
    )


def _text_of(action: Action, form: Form) -> str | None:
    """The action's text from the form (None when it is required and missing or too long)."""
    if action not in _TEXT:
        return ""
    name, longest = _TEXT[action]
    text = field(form, name).strip()
    if action is Action.RESOLVE and not text:
        text = "resolved by hand"
    return text if 0 < len(text) <= longest else None


async def _act(request: Request, session: ConsoleSession, form: Form) -> Response:
    action = ACTIONS.get(request.path_params["action"])
    if action is None:
        return refused(session, 404, "There is no such action.")
    if session.principal.role not in ACTING_ROLES:
        return refused(session, 403, f"Role {session.principal.role.value} may not act on exceptions.")
    text = _text_of(action, form)
    if text is None:
        return refused(session, 400, "Fill in the text of this action (it has a length limit).")
    p = request.path_params
    ref = ExceptionRef(p["store_id"], p["order_id"], p["key"])
    try:
        await run_in_threadpool(_apply, request, session, ref, action, text)
    except ExceptionNotFound as error:
        return refused(session, 404, str(error))
    except NotOwnerTeam as error:
        return refused(session, 403, str(error))
    except ExceptionClosed as error:
        return refused(session, 409, str(error))
    return RedirectResponse(console_auth.safe_next(field(form, "back")), status_code=303)


async def _bulk(request: Request, session: ConsoleSession, form: Form) -> Response:
    """Acknowledge or resolve every checked row; rows this user may not act on (or that
    are already resolved) are counted as refused and left as they were."""
    action = {"acknowledge": Action.ACKNOWLEDGE, "resolve": Action.RESOLVE}.get(field(form, "action"))
    if action is None:
        return refused(session, 400, "Choose acknowledge or resolve.")
    if session.principal.role not in ACTING_ROLES:
        return refused(session, 403, f"Role {session.principal.role.value} may not act on exceptions.")
    text = _text_of(action, form) or "resolved by hand"
    done = refused_count = 0
    for ref_text in form.get("ref", [])[:QUEUE_LIMIT]:
        parts = ref_text.split("/", 2)
        if len(parts) != 3:
            refused_count += 1
            continue
        try:
            await run_in_threadpool(_apply, request, session, ExceptionRef(*parts), action, text)
            done += 1
        except (ExceptionNotFound, NotOwnerTeam, ExceptionClosed):
            refused_count += 1
    back = console_auth.safe_next(field(form, "back", f"{PREFIX}/exceptions"))
    joiner = "&" if "?" in back else "?"
    return RedirectResponse(
        f"{back}{joiner}{urlencode({'done': done, 'refused': refused_count})}", status_code=303
    )


async def _search(request: Request, session: ConsoleSession) -> Response:
    context = context_of(request)
    query = request.query_params.get("q", "").strip()[:320]
    store = request.query_params.get("store") or None
    found = await run_in_threadpool(context.order_search.find, query, store) if query else []
    return page(
        "console/orders.j2",
        **common(session, query=query, store=store or "", stores=context.store_ids, found=found),
    )


async def _order(request: Request, session: ConsoleSession) -> Response:
    context = context_of(request)
    store_id, order_id = request.path_params["store_id"], request.path_params["order_id"]

    def read() -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        order = context.orders.order(store_id, order_id)
        tickets = context.tickets.of_order(store_id, order_id) if order else []
        return order, tickets

    order, tickets = await run_in_threadpool(read)
    if order is None:
        return refused(session, 404, f"There is no order {order_id} in store {store_id}.")
    await console_deliveries.add_to_order(request, session, order)
    for exception in order["exceptions"]:
        exception["can_act"] = exception["state"] == "open" and may_act(session.principal, exception["owner"])
    return page(
        "console/order.j2",
        **common(session, order=order, tickets=tickets, back=str(request.url.path)),
    )
