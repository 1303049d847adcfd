"""Posts simulated multi-store traffic to an Orderline over real HTTP (demo, simulate)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx

from orderline.simulation.traffic import MultiStoreTraffic, Post

CONCURRENCY = 32
SEND_ATTEMPTS = 3
LIVE_LEAD = timedelta(minutes=10)
"""How long before `now` a live order starts: with the traffic cut at now (its `until`),
its first steps have happened (a BigCommerce order is placed 1 to 10 minutes in)."""


@dataclass
class FeedCounts:
    posted: int = 0
    refused: dict[int, int] = field(default_factory=dict)


class TrafficFeeder:
    def __init__(self, client: httpx.AsyncClient, traffic: MultiStoreTraffic) -> None:
        self._client = client
        self._traffic = traffic
        self._limit = asyncio.Semaphore(CONCURRENCY)
        self.counts = FeedCounts()

    async def history(
        self,
        orders_per_store: int,
        start: datetime,
        spacing: timedelta,
        on_order: Callable[[], None] = lambda: None,
    ) -> None:
        """`orders_per_store` orders on each platform, placed `spacing` apart from `start`;
        `on_order` is called as each order's webhooks are all answered (for a progress bar)."""
        starts = [start + spacing * n for n in range(orders_per_store)]

        async def order(posts: Iterable[Post]) -> None:
            await self._post_all(posts)
            on_order()

        async def bigcommerce(moment: datetime) -> None:
            await self._bigcommerce(moment)
            on_order()

        await asyncio.gather(
            *(order(self._traffic.shopify_order(s)) for s in starts),
            *(order(self._traffic.woo_order(s)) for s in starts),
            *(bigcommerce(s) for s in starts),
        )

    async def live(self, orders_per_minute: float, now: Callable[[], datetime]) -> None:
        """New orders on every platform, round robin, until cancelled, each started
        `LIVE_LEAD` before `now()`."""
        pause_s = 60.0 / max(orders_per_minute, 0.01)
        while True:
            for make in (self._traffic.shopify_order, self._traffic.woo_order):
                await self._post_all(make(now() - LIVE_LEAD))
                await asyncio.sleep(pause_s)
            await self._bigcommerce(now() - LIVE_LEAD)
            await asyncio.sleep(pause_s)

    async def _bigcommerce(self, start: datetime) -> None:
        for step in self._traffic.bigcommerce_order(start):
            await self._post_all(step)

    async def _post_all(self, posts: Iterable[Post]) -> None:
        await asyncio.gather(*(self._post(p) for p in posts))

    async def _post(self, post: Post) -> None:
        async with self._limit:
            response = await self._send(post)
        if response.status_code == 200:
            self.counts.posted += 1
        else:
            self.counts.refused[response.status_code] = self.counts.refused.get(response.status_code, 0) + 1

    async def _send(self, post: Post) -> httpx.Response:
        """POST once more when the connection failed without an answer, as a platform
        retries a webhook: a kept-alive connection the server closes just as a request goes
        out on it fails that way. Orderline stores a webhook once by its id, so a retry of
        one it did store is harmless."""
        for attempt in range(1, SEND_ATTEMPTS + 1):
            try:
                return await self._client.post(post.path, content=post.body, headers=post.headers)
            except httpx.TransportError:
                if attempt == SEND_ATTEMPTS:
                    raise
                await asyncio.sleep(0.05 * attempt)
        raise AssertionError("unreachable")  # pragma: no cover
