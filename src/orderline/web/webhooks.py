"""`POST /webhooks/{platform}[/{store_id}]`: answer 2xx only after the raw body is committed.

This is the hot path, so it is plain ASGI in front of the FastAPI app: no middleware
stack, no Request objects, no dependency injection. Everything else passes through.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from prometheus_client import Counter, Histogram

from orderline.logs import fields
from orderline.services.intake import Accepted, Rejected, WebhookIntake, WebhookRequest
from orderline.services.intake_log import IntakeWriter
from orderline.web.metrics import Metrics
from orderline.web.problems import PROBLEM_JSON, problem_bytes

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

PREFIX = "/webhooks/"
ROUTE_KEY = "orderline.route"
"""Scope key naming the route template a request took, for latency metrics and logs."""
ACCEPTED_BODY = b'{"status":"accepted"}'
ACCEPTED = "accepted"
STORAGE_UNAVAILABLE = "storage_unavailable"


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
        self._counters: dict[tuple[str, str, str], Counter] = {}
        self._histograms: dict[str, Histogram] = {}

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
        answer = _Answer(
            self._intake.metrics_platform(platform),
            self._intake.metrics_store(_store_of(decision) or store_id),
            started,
        )
        record = decision.record if isinstance(decision, Accepted) else decision.dead_letter
        if isinstance(decision, Rejected) and decision.dead_letter is None:
            # Over its source's dead-letter rate: answered, counted, not stored.
            self._metrics.dead_letters_dropped.inc()
            await self._refuse(send, answer, decision, kept=False)
            return
        assert record is not None
        try:
            await self._writer.write(record)
        except Exception:
            log.exception(
                "webhook not stored; answering 503 so the platform retries",
                extra=fields(platform=answer.platform, store=answer.store),
            )
            unavailable = problem_bytes(503, "storage unavailable, retry later")
            await self._answer(send, answer, (503, STORAGE_UNAVAILABLE), unavailable)
            return
        if isinstance(decision, Accepted):
            await self._answer(send, answer, (200, ACCEPTED), ACCEPTED_BODY)
        else:
            await self._refuse(send, answer, decision, kept=True)

    async def _refuse(self, send: Send, answer: _Answer, decision: Rejected, *, kept: bool) -> None:
        # A line per kept dead letter: those are rate-limited per source, so a flood cannot
        # fill the log either (the rest are counted). The code, not the reason: a reason
        # may quote the request.
        if kept:
            log.warning(
                "webhook rejected",
                extra=fields(
                    platform=answer.platform,
                    store=answer.store,
                    status=decision.status_code,
                    reason=decision.code.value,
                ),
            )
        body = problem_bytes(decision.status_code, decision.reason)
        await self._answer(send, answer, (decision.status_code, decision.code.value), body)

    async def _answer(self, send: Send, answer: _Answer, outcome: tuple[int, str], body: bytes) -> None:
        status_code, label = outcome
        content_type = b"application/json" if status_code < 400 else PROBLEM_JSON.encode()
        headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status_code, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        self._counter(answer.platform, answer.store, label).inc()
        self._ack_seconds(answer.platform).observe(time.perf_counter() - answer.started)

    def _counter(self, platform: str, store: str, outcome: str) -> Counter:
        # A labelled child is looked up once (prometheus' `labels` is ~5 µs a call); the
        # labels are bounded: configured platforms and stores, `unknown`, fixed outcomes.
        key = (platform, store, outcome)
        child = self._counters.get(key)
        if child is None:
            child = self._counters[key] = self._metrics.webhooks.labels(platform, store, outcome)
        return child

    def _ack_seconds(self, platform: str) -> Histogram:
        child = self._histograms.get(platform)
        if child is None:
            child = self._histograms[platform] = self._metrics.ack_seconds.labels(platform)
        return child


@dataclass(frozen=True, slots=True)
class _Answer:
    """Who a response is counted under: configured platform and store, else `unknown`."""

    platform: str
    store: str
    started: float


def _store_of(decision: Accepted | Rejected) -> str | None:
    if isinstance(decision, Accepted):
        return decision.record.store_id
    return decision.dead_letter.store_id if decision.dead_letter is not None else None


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
                scope[ROUTE_KEY] = "/webhooks/{platform}/{store_id}" if store_id else "/webhooks/{platform}"
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
