"""FakeBigCommerceServer: FakeBigCommerce as a real HTTP server on a free loopback port.

Its `handler` (the one `httpx.MockTransport` takes) behind a `LoopbackServer`: enough for
integration tests and the demo, which need a real socket between the client and the API.
"""

from __future__ import annotations

from types import TracebackType

from orderline.simulation.bigcommerce.api import FakeBigCommerce
from orderline.simulation.loopback import LoopbackServer


class FakeBigCommerceServer:
    """Use as a context manager; `base_url` is the store's API base while it runs."""

    def __init__(self, api: FakeBigCommerce, host: str = "127.0.0.1", port: int = 0) -> None:
        self.api = api
        self._server = LoopbackServer(api.handler, host, port, name="fake-bigcommerce")

    @property
    def base_url(self) -> str:
        return f"{self._server.url}/stores/{self.api.store_hash}"

    def start(self) -> None:
        self._server.start()

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> FakeBigCommerceServer:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
