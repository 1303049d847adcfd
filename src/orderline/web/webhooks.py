"""`POST /webhooks/{platform}[/{store_id}]`: answer 2xx only after the raw body is committed.

Kept on plain Starlette (no FastAPI dependency injection): it is the hot path.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime

import orjson
from starlette.requests import Request
from starlette.responses import Response

from orderline.services.intake import Accepted, WebhookIntake, WebhookRequest
from orderline.store.inbox import GroupCommitWriter
from orderline.web.metrics import Metrics

log = logging.getLogger(__name__)

ACCEPTED_BODY = b'{"status":"accepted"}'


class WebhookEndpoint:
    def __init__(
        self,
        intake: WebhookIntake,
        writer: GroupCommitWriter,
        metrics: Metrics,
        clock: Callable[[], datetime],
    ) -> None:
        self._intake = intake
        self._writer = writer
        self._metrics = metrics
        self._clock = clock

    async def handle(self, request: Request) -> Response:
        started = time.perf_counter()
        platform = request.path_params["platform"]
        body, too_large = await _read_limited(request, self._intake.max_body_bytes)
        decision = self._intake.decide(
            WebhookRequest(
                platform=platform,
                path_store_id=request.path_params.get("store_id"),
                path=request.url.path,
                headers={k.decode("latin-1"): v.decode("latin-1") for k, v in request.scope["headers"]},
                body=body,
                received_at=self._clock(),
                body_too_large=too_large,
            )
        )
        record = decision.record if isinstance(decision, Accepted) else decision.dead_letter
        try:
            await self._writer.write(record)
        except Exception:
            log.exception("could not store a %s delivery; answering 503 so the platform retries", platform)
            return self._answer(platform, 503, b'{"error":"storage unavailable, retry later"}', started)
        if isinstance(decision, Accepted):
            return self._answer(platform, 200, ACCEPTED_BODY, started)
        error = orjson.dumps({"error": decision.reason})
        return self._answer(platform, decision.status_code, error, started)

    def _answer(self, platform: str, status_code: int, body: bytes, started: float) -> Response:
        self._metrics.webhooks.labels(platform, str(status_code)).inc()
        self._metrics.ack_seconds.observe(time.perf_counter() - started)
        return Response(body, status_code, media_type="application/json")


async def _read_limited(request: Request, limit: int) -> tuple[bytes, bool]:
    """The body, or its first `limit` bytes and True when it is longer (we stop reading)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            chunks.append(chunk[: max(0, limit - (size - len(chunk)))])
            return b"".join(chunks), True
        chunks.append(chunk)
    return b"".join(chunks), False
