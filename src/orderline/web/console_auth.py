"""The console's login, logout, session cookie and CSRF checks (services/console_auth.py
keeps the users and sessions).

- The session cookie is HttpOnly, SameSite=Lax, Path=/console, Secure on https; a forged,
  expired or revoked one sends the browser to the login page.
- Every form carries its session's CSRF token; a POST without it, or with a wrong one, is
  403 and changes nothing. The login form, before any session, carries a random value
  that must equal the one in a short-lived cookie set with the form (double submit).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from orderline.services.console_auth import ConsoleSession, LoginThrottled
from orderline.web.pages import page as render_page

if TYPE_CHECKING:
    from orderline.web.app import WebContext

PREFIX = "/console"
SESSION_COOKIE = "orderline_console"
LOGIN_COOKIE = "orderline_console_login"
MAX_FORM_BYTES = 256 * 1024

Form = dict[str, list[str]]
STALE_FORM = "This form has expired or did not come from the console; reload the page."
Handler = Callable[[Request, ConsoleSession, Form], Awaitable[Response]]


CONSOLE_HEADERS = {
    # Nothing but our own stylesheet loads, no script runs, forms post only to us, no framing.
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
}


def page(template: str, status_code: int = 200, **context: Any) -> Response:
    """A console page (web/pages.py) with the console's security headers."""
    return render_page(template, status_code=status_code, headers=dict(CONSOLE_HEADERS), **context)


def context_of(request: Request) -> WebContext:
    context: WebContext = request.app.state.context
    return context


async def read_form(request: Request) -> Form:
    """An urlencoded form body (what an HTML form posts), each name with its values."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return {}
    form: Form = {}
    for name, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
        form.setdefault(name, []).append(value)
    return form


def field(form: Form, name: str, default: str = "") -> str:
    values = form.get(name)
    return values[0] if values else default


async def current_session(request: Request) -> ConsoleSession | None:
    value = request.cookies.get(SESSION_COOKIE)
    if not value:
        return None
    context = context_of(request)
    return await run_in_threadpool(context.console.session, value, context.clock())


def to_login(request: Request) -> RedirectResponse:
    """Back to the login page, coming back here (GET) afterwards; the stale cookie goes."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    back = f"?next={quote(target, safe='')}" if request.method == "GET" else ""
    answer = RedirectResponse(f"{PREFIX}/login{back}", status_code=303)
    if request.cookies.get(SESSION_COOKIE):
        answer.delete_cookie(SESSION_COOKIE, path=PREFIX)
    return answer


def safe_next(target: str) -> str:
    """Only a path inside the console (never another site: `//host`, `/\\host`)."""
    if target.startswith(f"{PREFIX}/") and not target.startswith(("//", "/\\")) and "\\" not in target:
        return target
    return f"{PREFIX}/"


def refused(session: ConsoleSession | None, status: int, message: str) -> Response:
    return page(
        "console/refused.j2",
        status_code=status,
        session=session,
        csrf_token=session.csrf_token if session else "",
        message=message,
        status=status,
    )


def signed_in(
    handler: Callable[[Request, ConsoleSession], Awaitable[Response]],
) -> Callable[[Request], Awaitable[Response]]:
    """A page for logged-in users only: anyone else goes to the login page."""

    async def endpoint(request: Request) -> Response:
        session = await current_session(request)
        if session is None:
            return to_login(request)
        return await handler(request, session)

    return endpoint


def form_post(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """A form's POST: a logged-in session (else the login page) and its CSRF token (else 403)."""

    async def endpoint(request: Request) -> Response:
        session = await current_session(request)
        if session is None:
            return to_login(request)
        form = await read_form(request)
        if not session.csrf_matches(form.get("csrf_token", [None])[0]):
            return refused(
                session, 403, "This form has expired or did not come from the console. Reload the page."
            )
        return await handler(request, session, form)

    return endpoint


def _set_cookie(request: Request, answer: Response, name: str, value: str, max_age: int) -> None:
    answer.set_cookie(
        name,
        value,
        max_age=max_age,
        path=PREFIX,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def _login_page(request: Request, status: int = 200, error: str = "", username: str = "") -> Response:
    token = secrets.token_urlsafe(32)
    answer = page(
        "console/login.j2",
        status_code=status,
        session=None,
        csrf_token="",
        login_token=token,
        next=safe_next(request.query_params.get("next", "")),
        error=error,
        username=username,
    )
    _set_cookie(request, answer, LOGIN_COOKIE, token, max_age=3600)
    return answer


async def login_form(request: Request) -> Response:
    if await current_session(request) is not None:
        return RedirectResponse(safe_next(request.query_params.get("next", "")), status_code=303)
    return _login_page(request)


async def log_in(request: Request) -> Response:
    form = await read_form(request)
    expected = request.cookies.get(LOGIN_COOKIE, "")
    given = field(form, "login_token")
    if not expected or not hmac.compare_digest(expected.encode(), given.encode()):
        # No session is made; a fresh form (and cookie) lets a person whose form expired retry.
        return _login_page(request, 400, "This login form had expired. Please log in again.")
    username, password = field(form, "username").strip(), field(form, "password")
    context = context_of(request)
    source = request.client.host if request.client else "unknown"
    try:
        value = await run_in_threadpool(context.console.log_in, username, password, source, context.clock())
    except LoginThrottled:
        return _login_page(request, 429, "Too many failed logins. Wait a few minutes.", username)
    if value is None:
        return _login_page(request, 401, "Wrong username or password.", username)
    answer = RedirectResponse(safe_next(field(form, "next")), status_code=303)
    _set_cookie(request, answer, SESSION_COOKIE, value, max_age=12 * 3600)
    answer.delete_cookie(LOGIN_COOKIE, path=PREFIX)
    return answer


async def _log_out(request: Request, session: ConsoleSession, form: Form) -> Response:
    context = context_of(request)
    await run_in_threadpool(context.console.log_out, request.cookies[SESSION_COOKIE], context.clock())
    answer = RedirectResponse(f"{PREFIX}/login", status_code=303)
    answer.delete_cookie(SESSION_COOKIE, path=PREFIX)
    return answer


log_out = form_post(_log_out)


def common(session: ConsoleSession, **context: Any) -> dict[str, Any]:
    """What every console page's layout reads: who is logged in and their CSRF token."""
    return {"session": session, "csrf_token": session.csrf_token, **context}
