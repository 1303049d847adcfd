"""The interactive API docs at /docs, served from the installed `swagger-ui-bundle` package.

FastAPI's own /docs and /redoc pages load their scripts, styles and favicon from a CDN;
an operator's browser behind a closed network would get a blank page, and every visit
would tell a third party that someone reads Orderline's docs. These load nothing from
outside.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

DOCS_PATH = "/docs"
ASSETS_PATH = "/docs/assets"
_FAVICON = "data:,"
"""No favicon request at all (an empty data URL)."""


def install_api_docs(app: FastAPI) -> None:
    """Add /docs (Swagger UI) and its assets; the app must be created with `docs_url=None`
    and `redoc_url=None`."""
    app.router.routes.extend(
        [
            Route(DOCS_PATH, _docs_page, methods=["GET"], include_in_schema=False),
            Mount(ASSETS_PATH, StaticFiles(directory=str(swagger_ui_path)), name="api-docs-assets"),
        ]
    )


async def _docs_page(request: Request) -> HTMLResponse:
    app: FastAPI = request.app
    return get_swagger_ui_html(
        openapi_url=app.openapi_url or "/openapi.json",
        title=f"{app.title} API",
        swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
        swagger_favicon_url=_FAVICON,
    )
