"""The interactive API docs at /docs (Swagger UI) and /redoc (ReDoc), their files served
from the installed `fastapi-standalone-docs` package (its static copies only; its code is
not used). `swagger-ui-bundle`, used before, ships Swagger UI 4, which cannot read the
OpenAPI 3.1 document FastAPI writes: /docs showed "Unable to render this definition".

FastAPI's own /docs and /redoc pages load their scripts, styles and favicon from a CDN;
an operator's browser behind a closed network would get a blank page, and every visit
would tell a third party that someone reads Orderline's docs. These load nothing from
outside.
"""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

DOCS_PATH = "/docs"
ASSETS_PATH = "/docs/assets"
REDOC_PATH = "/redoc"
REDOC_ASSETS_PATH = "/redoc/assets"
_STATIC = files("fastapi_standalone_docs") / "static"
SWAGGER_DIRECTORY = _STATIC / "swagger"
"""Holds swagger-ui-bundle.js and swagger-ui.css (Swagger UI 5) and their licence."""
REDOC_DIRECTORY = _STATIC / "redoc"
"""Holds redoc.standalone.js (ReDoc's one-file build) and its licence."""
_FAVICON = "data:,"
"""No favicon request at all (an empty data URL)."""


def install_api_docs(app: FastAPI) -> None:
    """Add /docs (Swagger UI), /redoc (ReDoc) and their assets; the app must be created
    with `docs_url=None` and `redoc_url=None`."""
    app.router.routes.extend(
        [
            Route(DOCS_PATH, _docs_page, methods=["GET"], include_in_schema=False),
            Mount(ASSETS_PATH, StaticFiles(directory=str(SWAGGER_DIRECTORY)), name="api-docs-assets"),
            Route(REDOC_PATH, _redoc_page, methods=["GET"], include_in_schema=False),
            Mount(REDOC_ASSETS_PATH, StaticFiles(directory=str(REDOC_DIRECTORY)), name="redoc-assets"),
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


async def _redoc_page(request: Request) -> HTMLResponse:
    app: FastAPI = request.app
    return get_redoc_html(
        openapi_url=app.openapi_url or "/openapi.json",
        title=f"{app.title} API",
        redoc_js_url=f"{REDOC_ASSETS_PATH}/redoc.standalone.js",
        redoc_favicon_url=_FAVICON,
        with_google_fonts=False,
    )
