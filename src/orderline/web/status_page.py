"""The buyer status page `/status/{token}` and its stylesheet (no JavaScript at all).

An unknown, revoked or malformed token, or a token whose order is gone, gets the same plain
404 page, so the answer never hints whether an order exists. Every answer is `no-store`,
`noindex` and sends no referrer (the token is in the URL, and the page links to carriers).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from orderline.web.pages import page
from orderline.web.status_words import words_for

if TYPE_CHECKING:
    from orderline.web.app import WebContext

STYLESHEET = Path(__file__).parent / "static" / "status" / "status.css"
HEADERS = {
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex, nofollow, noarchive",
    "Referrer-Policy": "no-referrer",
    # Nothing runs and nothing loads but our stylesheet, whatever text the order carries.
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
}


def install_status_page(app: FastAPI) -> None:
    app.router.routes.extend(
        [
            Route("/status/assets/status.css", stylesheet, methods=["GET"]),
            Route("/status/{token}", status_page, methods=["GET"]),
        ]
    )


def status_page(request: Request) -> Response:
    """A plain `def`: Starlette runs it in a thread, off the event loop."""
    context: WebContext = request.app.state.context
    view = context.status_pages.view(request.path_params["token"])
    if view is None:
        language, words = words_for(None)
        return page("status/not_found.html.j2", 404, dict(HEADERS), language=language, words=words)
    language, words = words_for(view.locale)
    return page("status/page.html.j2", 200, dict(HEADERS), language=language, words=words, status=view)


async def stylesheet(_: Request) -> Response:
    return FileResponse(STYLESHEET, media_type="text/css", headers={"Cache-Control": "public, max-age=3600"})
