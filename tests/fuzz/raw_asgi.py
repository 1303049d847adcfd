"""Raw HTTP requests into an ASGI app, handed over as a server would hand them.

An HTTP client normalises what it sends (`/a/../b` becomes `/b`, one value per header
name); a server passes the request line and headers on as they came, percent-decoding
the path (`%2F` becomes `/`, `%00` a NUL) and lower-casing header names, as uvicorn does.
This driver does the same, so path tricks and duplicate headers reach the app as they
would in production. An exception escaping the app is what a server answers 500.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, MutableMapping
from concurrent.futures import Future
from contextlib import ExitStack
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import unquote

import anyio
import anyio.from_thread

Message = MutableMapping[str, Any]
ASGIApp = Callable[
    [MutableMapping[str, Any], Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]],
    Awaitable[None],
]


@dataclass(frozen=True, slots=True)
class RawRequest:
    method: str
    target: bytes
    """The request target as on the request line: path and query, percent-encoded."""
    headers: tuple[tuple[bytes, bytes], ...] = ()
    body: bytes = b""
    chunk_bytes: int = 65536
    """The body arrives in chunks of this size, as it would from a socket."""
    client: tuple[str, int] | None = ("203.0.113.1", 40000)

    @property
    def path(self) -> str:
        """The path as a server gives it to the app: percent-decoded, no query."""
        return unquote(self.target.partition(b"?")[0].decode("ascii"))


@dataclass(frozen=True, slots=True)
class RawResponse:
    status: int
    body: bytes
    error: BaseException | None = None
    """What escaped the app; a server would have answered 500."""


class AsgiServer:
    """Runs `app` (its lifespan too) on an event loop in a thread of its own; `request`
    blocks until the answer is complete."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._stack = ExitStack()
        self._portal: anyio.from_thread.BlockingPortal | None = None
        self._lifespan: Future[None] | None = None
        self._to_app = anyio.create_memory_object_stream[Message](math.inf)
        self._from_app = anyio.create_memory_object_stream[Message](math.inf)

    def __enter__(self) -> AsgiServer:
        self._portal = self._stack.enter_context(anyio.from_thread.start_blocking_portal())
        self._lifespan = self._portal.start_task_soon(self._run_lifespan)
        self._lifespan_step("startup")
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        try:
            self._lifespan_step("shutdown")
            if self._lifespan is not None:
                self._lifespan.result()
        finally:
            self._stack.close()
            for stream in (*self._to_app, *self._from_app):
                stream.close()

    def request(self, request: RawRequest) -> RawResponse:
        assert self._portal is not None, "use the server as a context manager"
        return self._portal.call(self._handle, request)

    async def _run_lifespan(self) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
        await self.app(scope, self._to_app[1].receive, self._from_app[0].send)

    def _lifespan_step(self, step: str) -> None:
        assert self._portal is not None
        self._portal.call(self._to_app[0].send, {"type": f"lifespan.{step}"})
        answer = self._portal.call(self._from_app[1].receive)
        assert answer["type"] == f"lifespan.{step}.complete", answer

    async def _handle(self, request: RawRequest) -> RawResponse:
        raw_path, _, query = request.target.partition(b"?")
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": request.method,
            "scheme": "http",
            "path": request.path,
            "raw_path": raw_path,
            "query_string": query,
            "root_path": "",
            "headers": [(name.lower(), value) for name, value in request.headers],
            "client": request.client,
            "server": ("testserver", 80),
            "state": {},
        }
        body = request.body
        step = max(1, request.chunk_bytes)
        chunks = [body[i : i + step] for i in range(0, len(body), step)] or [b""]
        messages: list[Message] = [
            {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
            for i, chunk in enumerate(chunks)
        ]
        answered = anyio.Event()
        status: list[int] = []
        parts: list[bytes] = []

        async def receive() -> Message:
            if messages:
                return messages.pop(0)
            await answered.wait()
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(int(message["status"]))
            elif message["type"] == "http.response.body":
                parts.append(bytes(message.get("body", b"")))
                if not message.get("more_body", False):
                    answered.set()

        try:
            await self.app(scope, receive, send)
        except Exception as error:
            return RawResponse(status[0] if status else 500, b"".join(parts), error)
        finally:
            answered.set()
        if not status:
            return RawResponse(500, b"", RuntimeError("the app returned without answering"))
        return RawResponse(status[0], b"".join(parts))
