"""Server-rendered HTML pages: one Jinja2 environment over `web/templates/`, autoescaped
(every platform-provided text renders as text), undefined names an error, and `page` to
answer a template as an HTML response.

The console (`web/console*.py`) and the buyer status page (`web/status_page.py`) render
through here; their static assets are served by Orderline itself, never from a CDN.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.responses import HTMLResponse

TEMPLATES = Path(__file__).parent / "templates"


@cache
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


def page(
    template: str, status_code: int = 200, headers: dict[str, str] | None = None, **context: Any
) -> HTMLResponse:
    """`template` rendered with `context`, as text/html; pages are never cached by proxies."""
    answer = HTMLResponse(render(template, **context), status_code=status_code, headers=headers)
    answer.headers.setdefault("Cache-Control", "no-store")
    answer.headers.setdefault("X-Content-Type-Options", "nosniff")
    answer.headers.setdefault("Referrer-Policy", "no-referrer")
    return answer
