"""FakeBigCommerceServer: FakeBigCommerce as a real HTTP server on a free loopback port.

Standard library only (`http.server` in a daemon thread): enough for integration tests
and the demo, which need a real socket between the client and the API, nothing more.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, cast
from urllib.parse import parse_qsl, urlsplit

from orderline.simulation.bigcommerce.api import FakeBigCommerce


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], api: FakeBigCommerce) -> None:
        super().__init__(address, _Handler)
        self.api = api


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, a keep-alive client waits for
    # the delayed ACK (~40 ms) on every request.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def do_PUT(self) -> None:
        self._answer()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # tests stay quiet; FakeBigCommerce.requests keeps the log

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        api = cast(_Server, self.server).api
        query, headers = dict(parse_qsl(url.query)), dict(self.headers.items())
        answer = api.handle(self.command, url.path, query, headers, body)
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)


class FakeBigCommerceServer:
    """Use as a context manager; `base_url` is the store's API base while it runs."""

    def __init__(self, api: FakeBigCommerce, host: str = "127.0.0.1", port: int = 0) -> None:
        self.api = api
        self._server = _Server((host, port), api)
        self._thread = threading.Thread(target=self._serve, name="fake-bigcommerce", daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/stores/{self.api.store_hash}"

    def _serve(self) -> None:
        self._server.serve_forever(poll_interval=0.05)  # a quick shutdown between tests

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeBigCommerceServer:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
