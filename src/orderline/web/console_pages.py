"""The console's read-only pages: the ownership board, dead letters, the messaging,
webhook and support-tool drift audits, reconciliation sweeps and the weekly scorecard.

Each page is for a console session (else the login page) and follows the API's role rules
for the same data: dead letters are for operations and admin (`GET /api/v1/dead-letters`),
everything else for every console role, as its API route is. Every page reads Orderline's
own records through services on the WebContext; none asks a platform anything (the
webhook audit never reads subscriptions live). Platform text renders escaped (web/pages.py).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from fastapi import FastAPI
from markupsafe import escape
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from orderline.domain.scorecard.figures import Scorecard
from orderline.domain.scorecard.weeks import IsoWeek
from orderline.reports.scorecard_html import render_html
from orderline.services.api_tokens import Role
from orderline.services.console_auth import ConsoleSession
from orderline.services.scorecard import UnknownStore
from orderline.services.webhook_audit import BadAuditPeriod, UnknownAuditStore
from orderline.web.console_auth import PREFIX, common, context_of, page, refused, signed_in
from orderline.web.scorecard_api import REPORT_CSP, week_problem

DEAD_LETTER_ROLES = frozenset({Role.ADMIN, Role.OPERATIONS})
"""The API's `require(Role.OPERATIONS)` on `/api/v1/dead-letters`."""
DEAD_LETTERS_PER_PAGE = 50
PREVIEW_CHARS = 500
"""A dead letter's body is shown up to this many characters."""
RECENT = 50
SCORECARD_CSP = f"{REPORT_CSP}; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

NAVIGATION = (
    ("Ownership", f"{PREFIX}/ownership"),
    ("Dead letters", f"{PREFIX}/dead-letters"),
    ("Messaging audit", f"{PREFIX}/audit/messages"),
    ("Webhook audit", f"{PREFIX}/audit/webhooks"),
    ("Ticket drift", f"{PREFIX}/audit/tickets"),
    ("Reconciliation", f"{PREFIX}/reconcile"),
    ("Scorecard", f"{PREFIX}/scorecard"),
)
"""The pages after the console's own in its navigation (templates/console/base.j2)."""
CONSOLE_NAVIGATION = (("Exceptions", f"{PREFIX}/exceptions"), ("Orders", f"{PREFIX}/orders"))


def install_console_pages(app: FastAPI) -> None:
    routes = {
        "/ownership": _ownership,
        "/dead-letters": _dead_letters,
        "/audit/messages": _message_audit,
        "/audit/webhooks": _webhook_audit,
        "/audit/tickets": _ticket_drift,
        "/reconcile": _reconcile,
        "/scorecard": _scorecard,
    }
    app.router.routes.extend(
        Route(f"{PREFIX}{path}", signed_in(handler), methods=["GET"], include_in_schema=False)
        for path, handler in routes.items()
    )


def iso(moment: datetime | None) -> str:
    return "" if moment is None else moment.isoformat()


def age_text(seconds: float | None) -> str:
    """`3d 4h`, `2h 05m`; empty when there is nothing open."""
    if seconds is None:
        return ""
    minutes = int(seconds // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    return f"{days}d {hours}h" if days else f"{hours}h {mins:02d}m"


def _store_param(request: Request) -> str | None:
    return request.query_params.get("store") or None


async def _ownership(request: Request, session: ConsoleSession) -> Response:
    context = context_of(request)
    rows = await run_in_threadpool(context.boards.ownership, context.clock())
    shown = [{"row": row, "age": age_text(row.oldest_age_s)} for row in rows]
    return page("console/ownership.j2", **common(session, rows=shown))


async def _dead_letters(request: Request, session: ConsoleSession) -> Response:
    if session.principal.role not in DEAD_LETTER_ROLES:
        return refused(session, 403, f"Role {session.principal.role.value} may not read dead letters.")
    context = context_of(request)
    before_text = request.query_params.get("before", "")
    before = int(before_text) if before_text.isdigit() and 0 < int(before_text) < 2**63 else None
    found = await run_in_threadpool(context.boards.dead_letters, before, DEAD_LETTERS_PER_PAGE)
    items = [
        {
            **item,
            "received_at": iso(item["received_at"]),
            "preview": item["preview"][:PREVIEW_CHARS],
            "cut": len(item["preview"]) > PREVIEW_CHARS or len(item["preview"].encode()) < item["body_bytes"],
        }
        for item in found.items
    ]
    return page(
        "console/dead_letters.j2",
        **common(session, items=items, next_before=found.next_before, first=before is None),
    )


async def _message_audit(request: Request, session: ConsoleSession) -> Response:
    context = context_of(request)
    report = await run_in_threadpool(context.audit.report, context.clock())
    return page("console/audit_messages.j2", **common(session, report=report.as_dict()))


async def _webhook_audit(request: Request, session: ConsoleSession) -> Response:
    context = context_of(request)
    store = _store_param(request)
    try:
        # Orderline's records only: the platforms' subscriptions are never read from a page.
        report = await run_in_threadpool(
            lambda: context.webhook_audit.report(context.clock(), store_id=store, subscriptions=False)
        )
    except UnknownAuditStore as error:
        return refused(session, 404, str(error))
    except BadAuditPeriod as error:  # pragma: no cover - the default period is always valid
        return refused(session, 400, str(error))
    return page(
        "console/audit_webhooks.j2",
        **common(session, report=report.as_dict(), store=store or "", stores=context.store_ids),
    )


async def _ticket_drift(request: Request, session: ConsoleSession) -> Response:
    context = context_of(request)
    store = _store_param(request)
    try:
        report = await run_in_threadpool(
            lambda: context.support_drift.report(context.clock(), store_id=store)
        )
    except UnknownAuditStore as error:
        return refused(session, 404, str(error))
    except BadAuditPeriod as error:  # pragma: no cover - the default period is always valid
        return refused(session, 400, str(error))
    drift = [
        {
            "store_id": row.store_id,
            "order_id": row.order_id,
            "orderline": row.orderline,
            "ticket_shows": row.helpdesk_shows,
            "since": iso(row.changed_at),
            "detected_at": iso(row.detected_at),
        }
        for row in report.drift
    ]
    return page(
        "console/audit_tickets.j2",
        **common(
            session,
            since=iso(report.since),
            until=iso(report.until),
            drift=drift,
            shown=report.tickets_showing_status,
            unreadable=report.unreadable,
            store=store or "",
            stores=context.store_ids,
        ),
    )


async def _reconcile(request: Request, session: ConsoleSession) -> Response:
    context = context_of(request)
    sweeps, incidents = await run_in_threadpool(context.boards.reconciliation, RECENT)
    shown_sweeps = [{**asdict(s), "started": iso(s.started_at)} for s in sweeps]
    shown_incidents = [
        {**i, "detected": iso(i["detected_at"]), "healed": iso(i["healed_at"])} for i in incidents
    ]
    return page("console/reconcile.j2", **common(session, sweeps=shown_sweeps, incidents=shown_incidents))


async def _scorecard(request: Request, session: ConsoleSession) -> Response:
    """The self-contained HTML report (inline CSS and SVG, nothing loaded) as the page body,
    with the console's navigation and a week / store chooser put at its top."""
    context = context_of(request)
    reports = context.scorecard
    store = _store_param(request)
    week_text = request.query_params.get("week", "").strip()

    chosen: IsoWeek | None = None
    if week_text:
        try:
            chosen = IsoWeek.parse(week_text)
        except ValueError as error:
            return refused(session, 400, f"week: {error}")

    def build() -> Scorecard:
        if chosen is not None:
            problem = week_problem(chosen, reports.last_complete_week(store).shifted(1))
            if problem is not None:
                raise BadWeek(problem)
        return reports.build(chosen, store)

    try:
        card = await run_in_threadpool(build)
    except UnknownStore as error:
        return refused(session, 404, str(error))
    except BadWeek as error:
        return refused(session, 400, f"week: {error}")
    html = render_html(card)
    bar = _scorecard_bar(session, str(card.week), store or "", context.store_ids)
    html = _after_body_tag(html, bar)
    answer = HTMLResponse(html, headers={"Content-Security-Policy": SCORECARD_CSP, "X-Frame-Options": "DENY"})
    answer.headers["Cache-Control"] = "no-store"
    answer.headers["X-Content-Type-Options"] = "nosniff"
    answer.headers["Referrer-Policy"] = "no-referrer"
    return answer


class BadWeek(ValueError):
    """A week the scorecard cannot report (not started yet, or before 1970)."""


def _after_body_tag(html: str, insert: str) -> str:
    start = html.find("<body")
    end = html.find(">", start) if start >= 0 else -1
    if end < 0:
        return insert + html
    return html[: end + 1] + insert + html[end + 1 :]


def _scorecard_bar(session: ConsoleSession, week: str, store: str, stores: tuple[str, ...]) -> str:
    """The console's links and the chooser, inline-styled (the report allows inline CSS only)."""
    links = " ".join(
        f'<a href="{escape(href)}" style="color:#fff;margin-right:.8rem">{escape(label)}</a>'
        for label, href in (*CONSOLE_NAVIGATION, *NAVIGATION)
        if label != "Dead letters" or session.principal.role in DEAD_LETTER_ROLES
    )
    options = "".join(
        f'<option value="{escape(s)}"{" selected" if s == store else ""}>{escape(s)}</option>' for s in stores
    )
    who = escape(f"{session.principal.name} ({session.principal.role.value})")
    return (
        '<header style="background:#14213d;color:#fff;padding:.5rem 1rem;font:15px system-ui,sans-serif">'
        f'<nav aria-label="Console">{links}</nav>'
        f'<form method="get" action="{PREFIX}/scorecard" style="margin-top:.4rem">'
        f'<label for="sc-week">Week</label> <input id="sc-week" name="week" value="{escape(week)}" size="9"> '
        f'<label for="sc-store">Store</label> <select id="sc-store" name="store">'
        f'<option value="">all</option>{options}</select> <button type="submit">Show</button>'
        f' <span style="margin-left:1rem">{who}</span></form>'
        f'<form method="post" action="{PREFIX}/logout" style="margin-top:.4rem">'
        f'<input type="hidden" name="csrf_token" value="{escape(session.csrf_token)}">'
        '<button type="submit">Log out</button></form></header>'
    )
