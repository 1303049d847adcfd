"""Times every HTTP request by route template, and logs it when the access log is on.

The route is the template (`/api/v1/orders/{store_id}/{order_id}`), never the raw path: a
label per order id, or per random URL a stranger invents, would grow without bound.
Query strings are not logged (filters may hold an e-mail address).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from prometheus_client import Histogram

from orderline.logs import fields
from orderline.web.webhooks import ROUTE_KEY, ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("orderline.access")

UNMATCHED = "unmatched"


class RequestObserver:
    def __init__(self, app: ASGIApp, latency: Histogram, *, access_log: bool = False) -> None:
        self.app = app
        self._latency = latency
        self._access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = [500]

        async def observed_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, observed_send)
        finally:
            elapsed_s = time.perf_counter() - started
            route = route_template(scope)
            self._latency.labels(scope["method"], route).observe(elapsed_s)
            if self._access_log:
                log.info(
                    "request",
                    extra=fields(
                        method=scope["method"],
                        route=route,
                        path=scope["path"][:200],
                        status=status[0],
                        duration_ms=round(elapsed_s * 1000, 2),
                    ),
                )


def route_template(scope: Scope) -> str:
    """The template the request was routed by, or `unmatched`."""
    if ROUTE_KEY in scope:
        return str(scope[ROUTE_KEY])
    route: Any = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    if scope.get("endpoint") is not None:  # a plain Starlette route: /healthz, /readyz, /metrics
        return str(scope["path"])
    return UNMATCHED
