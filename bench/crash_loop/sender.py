"""A platform's side of webhooks: an endless stream of signed Shopify deliveries, each
retried until it is answered 2xx, as Shopify, WooCommerce and BigCommerce do.

A delivery that got no answer (refused connection, reset, timeout) or a non-2xx answer
is tried again after a short pause; the pauses are seconds, not Shopify's hours, so a
crash loop fits in minutes. A small share of acknowledged deliveries is sent once more,
as platforms do when an acknowledgement reached them late.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from datetime import datetime, timedelta

import httpx

from orderline.simulation.shopify import ShopifyWebhook, generate_order_history

SHOP = "crash-loop.myshopify.com"
SECRET = "crash-loop-secret"
FIRST_ORDER_ID = 7_300_000
ORDERS_PER_CHUNK = 20
RETRY_FIRST_PAUSE_S = 0.05
RETRY_MAX_PAUSE_S = 1.0


class Traffic:
    """Order histories (every webhook of each), 20 orders at a time in trigger order,
    three minutes apart from `start`; deterministic for `seed`."""

    def __init__(self, seed: int, start: datetime) -> None:
        self._rng = random.Random(seed)
        self._start = start
        self._orders = 0
        self._buffer: deque[ShopifyWebhook] = deque()
        self._lock = threading.Lock()

    def next(self) -> ShopifyWebhook:
        with self._lock:
            if not self._buffer:
                self._buffer.extend(self._chunk())
            return self._buffer.popleft()

    def _chunk(self) -> list[ShopifyWebhook]:
        webhooks: list[ShopifyWebhook] = []
        for _ in range(ORDERS_PER_CHUNK):
            at = self._start + timedelta(minutes=3 * self._orders)
            webhooks += generate_order_history(self._rng, order_id=FIRST_ORDER_ID + self._orders, start=at)
            self._orders += 1
        return sorted(webhooks, key=lambda w: w.triggered_at)


class PlatformSender:
    """Threads that post webhooks at up to `rate_per_s`, each until it is answered 2xx.

    `pause` stops taking new webhooks and returns once every one in hand is acknowledged;
    `acked` then holds every webhook sent. `base_url` is asked before every attempt: a
    restarted server listens on a new port.
    """

    def __init__(
        self,
        traffic: Traffic,
        base_url: Callable[[], str],
        *,
        concurrency: int,
        rate_per_s: float,
        redeliver_share: float,
        seed: int,
    ) -> None:
        self._traffic = traffic
        self._base_url = base_url
        self._concurrency = concurrency
        self._interval_s = 1.0 / rate_per_s
        self._redeliver_share = redeliver_share
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._accepting = threading.Event()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._next_slot = time.monotonic()
        self._redeliveries: deque[ShopifyWebhook] = deque()
        self._in_hand = 0
        self.in_flight = 0
        """Requests sent and not yet answered: what a kill catches mid-way."""
        self.acked: set[str] = set()
        self.attempts = 0
        self.redelivered = 0
        self.failures: Counter[str] = Counter()
        """Attempts without a 2xx, by transport error class or status code."""

    def start(self) -> None:
        self._accepting.set()
        for n in range(self._concurrency):
            thread = threading.Thread(target=self._run, name=f"sender-{n}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def pause(self, timeout_s: float = 300.0) -> None:
        self._accepting.clear()
        deadline = time.monotonic() + timeout_s
        while self._in_hand and time.monotonic() < deadline:
            time.sleep(0.05)
        if self._in_hand:
            raise RuntimeError(f"{self._in_hand} webhooks still unacknowledged after {timeout_s} s")

    def resume(self) -> None:
        self._next_slot = time.monotonic()
        self._accepting.set()

    def stop(self) -> None:
        self._stopping.set()
        self._accepting.set()
        for thread in self._threads:
            thread.join(10.0)

    def acked_snapshot(self) -> set[str]:
        with self._lock:
            return set(self.acked)

    def _run(self) -> None:
        with httpx.Client(timeout=httpx.Timeout(30.0, connect=5.0)) as client:
            while not self._stopping.is_set():
                webhook = self._take()
                if webhook is None:
                    continue
                try:
                    self._deliver(client, webhook)
                finally:
                    with self._lock:
                        self._in_hand -= 1

    def _take(self) -> ShopifyWebhook | None:
        """The next webhook at the sending rate (a redelivery first), or None when paused."""
        if not self._accepting.wait(0.2) or self._stopping.is_set():
            return None
        with self._lock:
            if not self._accepting.is_set():
                return None
            self._in_hand += 1
            slot = self._next_slot = max(time.monotonic(), self._next_slot + self._interval_s)
            webhook = self._redeliveries.popleft() if self._redeliveries else None
        time.sleep(max(0.0, slot - time.monotonic()))
        return webhook or self._traffic.next()

    def _deliver(self, client: httpx.Client, webhook: ShopifyWebhook) -> None:
        pause_s = RETRY_FIRST_PAUSE_S
        headers = webhook.headers(SECRET, SHOP)
        while not self._stopping.is_set():
            outcome = self._attempt(client, webhook, headers)
            if outcome is None:
                self._acknowledged(webhook)
                return
            with self._lock:
                self.failures[outcome] += 1
            time.sleep(pause_s)
            pause_s = min(pause_s * 2, RETRY_MAX_PAUSE_S)

    def _attempt(self, client: httpx.Client, webhook: ShopifyWebhook, headers: dict[str, str]) -> str | None:
        """None when answered 2xx, else why not."""
        with self._lock:
            self.attempts += 1
            self.in_flight += 1
        try:
            response = client.post(
                f"{self._base_url()}/webhooks/shopify", content=webhook.body, headers=headers
            )
        except httpx.TransportError as error:
            return type(error).__name__
        finally:
            with self._lock:
                self.in_flight -= 1
        return None if response.is_success else str(response.status_code)

    def _acknowledged(self, webhook: ShopifyWebhook) -> None:
        with self._lock:
            if webhook.webhook_id in self.acked:
                self.redelivered += 1
                return
            self.acked.add(webhook.webhook_id)
            if self._rng.random() < self._redeliver_share:
                self._redeliveries.append(webhook)
