"""`POST /webhooks/{platform}[/{store_id}]`: answer 2xx only after the raw body is committed.

This is the hot path, so it is plain ASGI in front of the FastAPI app: no middleware
stack, no Request objects, no dependency injection. Everything else passes through.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import datetime
from typing import Any

import orjson

from orderline.services.intake import Accepted, Rejected, WebhookIntake, WebhookRequest
from orderline.services.intake_log import IntakeWriter
from orderline.web.metrics import Metrics

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

PREFIX = "/webhooks/"
ACCEPTED_BODY = b'{"status":"accepted"}'


class WebhookEndpoint:
    def __init__(
        self,
        intake: WebhookIntake,
        writer: IntakeWriter,
        metrics: Metrics,
        clock: Callable[[], datetime],
    ) -> None:
        self._intake = intake
        self._writer = writer
        self._metrics = metrics
        self._clock = clock

    async def handle(
        self, scope: Scope, receive: Receive, send: Send, platform: str, store_id: str | None
    ) -> None:
        started = time.perf_counter()
        body, too_large = await _read_limited(receive, self._intake.max_body_bytes)
        decision = self._intake.decide(
            WebhookRequest(
                platform=platform,
                path_store_id=store_id,
                path=scope["path"],
                # ASGI servers lower-case names already; some test transports do not.
                headers={k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]},
                body=body,
                received_at=self._clock(),
                body_too_large=too_large,
                source=_client(scope),
            )
        )
        label = self._intake.metrics_platform(platform)
        record = decision.record if isinstance(decision, Accepted) else decision.dead_letter
        if isinstance(decision, Rejected) and decision.dead_letter is None:
            # Over its source's dead-letter rate: answered, counted, not stored.
            self._metrics.dead_letters_dropped.inc()
            error = orjson.dumps({"error": decision.reason})
            await self._answer(send, label, decision.status_code, error, started)
            return
        assert record is not None
        try:
            await self._writer.write(record)
        except Exception:
            log.exception("could not store a %s delivery; answering 503 so the platform retries", label)
            await self._answer(send, label, 503, b'{"error":"storage unavailable, retry later"}', started)
            return
        if isinstance(decision, Accepted):
            await self._answer(send, label, 200, ACCEPTED_BODY, started)
        else:
            error = orjson.dumps({"error": decision.reason})
            await self._answer(send, label, decision.status_code, error, started)

    async def _answer(self, send: Send, label: str, status_code: int, body: bytes, started: float) -> None:
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status_code, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        self._metrics.webhooks.labels(label, str(status_code)).inc()
        self._metrics.ack_seconds.observe(time.perf_counter() - started)


class WebhookRouter:
    """Sends `POST /webhooks/{platform}[/{store_id}]` to the endpoint, the rest to `app`.

    `passthrough` names first segments that are not platforms (`/webhooks/helpdesk/...`):
    those go to `app` like any other path.
    """

    def __init__(
        self, app: ASGIApp, endpoint: WebhookEndpoint, passthrough: frozenset[str] = frozenset()
    ) -> None:
        self.app = app
        self._endpoint = endpoint
        self._passthrough = passthrough

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"].startswith(PREFIX):
            parts = scope["path"][len(PREFIX) :].split("/")
            if 1 <= len(parts) <= 2 and all(parts) and parts[0] not in self._passthrough:
                store_id = parts[1] if len(parts) == 2 else None
                await self._endpoint.handle(scope, receive, send, parts[0], store_id)
                return
        await self.app(scope, receive, send)


def _client(scope: Scope) -> str | None:
    """The client's address (no port): the unit of the dead-letter rate limit."""
    client = scope.get("client")
    return str(client[0]) if client else None


async def _read_limited(receive: Receive, limit: int) -> tuple[bytes, bool]:
    """The body, or its first `limit` bytes and True when it is longer (we stop reading)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            chunks.append(chunk[: max(0, limit - (size - len(chunk)))])
            return b"".join(chunks), True
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks), False
