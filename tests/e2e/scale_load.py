"""Signed Shopify webhooks for several stores, posted to several API processes in turn,
with a SIGKILL of one API process while requests to it are in flight (scale-out tests)."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx

from orderline.simulation.shopify import ShopifyWebhook, generate_order_history
from tests.e2e.scale_cluster import ScaleStore
from tests.e2e.server_process import ServerProcess


@dataclass(frozen=True, slots=True)
class Delivery:
    store: ScaleStore
    webhook: ShopifyWebhook

    @property
    def webhook_id(self) -> str:
        return self.webhook.webhook_id


def build_deliveries(
    stores: Sequence[ScaleStore], order_count: int, seed: int, start: datetime, first_order_id: int
) -> list[Delivery]:
    """Every webhook of `order_count` order histories, dealt to the stores in turn, in
    the order the platform triggers them: every store has work at once."""
    rng = random.Random(seed)
    deliveries: list[Delivery] = []
    for n in range(order_count):
        at = start + timedelta(minutes=3 * n)
        store = stores[n % len(stores)]
        history = generate_order_history(rng, order_id=first_order_id + n, start=at)
        deliveries += [Delivery(store, webhook) for webhook in history]
    deliveries.sort(key=lambda d: d.webhook.triggered_at)
    return deliveries


def client(concurrency: int) -> httpx.Client:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    return httpx.Client(limits=limits, timeout=httpx.Timeout(30.0, connect=5.0))


def send(http: httpx.Client, base_url: str, delivery: Delivery) -> httpx.Response:
    store, webhook = delivery.store, delivery.webhook
    headers = webhook.headers(store.secret, store.shop_domain)
    return http.post(f"{base_url}/webhooks/shopify", content=webhook.body, headers=headers)


@dataclass
class LoadOutcome:
    acked: set[str] = field(default_factory=set)
    failed: dict[str, str] = field(default_factory=dict)
    """webhook id -> the transport error's class name."""
    rejected: dict[str, int] = field(default_factory=dict)
    """webhook id -> a non-2xx status."""
    acked_at_kill: int | None = None
    in_flight_at_kill: int | None = None
    """Requests to the killed API process not yet answered when it was killed."""


class AlternatingLoad:
    """Posts each delivery once, to the API processes in turn, `concurrency` at a time;
    once `kill_after` deliveries are acknowledged and at least `kill_min_in_flight`
    requests to `apis[0]` are in flight (or, whatever is in flight, at `kill_at_latest`),
    calls `on_kill` (which must SIGKILL apis[0] without waiting) exactly once."""

    def __init__(
        self,
        apis: Sequence[ServerProcess],
        *,
        concurrency: int,
        kill_after: int,
        kill_at_latest: int,
        kill_min_in_flight: int,
        on_kill: Callable[[], None],
    ) -> None:
        self._apis = apis
        self._concurrency = concurrency
        self._kill_after = kill_after
        self._kill_at_latest = kill_at_latest
        self._kill_min_in_flight = kill_min_in_flight
        self._on_kill = on_kill
        self._lock = threading.Lock()
        self._in_flight = [0] * len(apis)
        self.outcome = LoadOutcome()

    def run(self, deliveries: Sequence[Delivery]) -> LoadOutcome:
        with client(self._concurrency) as http, ThreadPoolExecutor(self._concurrency) as pool:
            list(pool.map(lambda n: self._post(http, n, deliveries[n]), range(len(deliveries))))
        return self.outcome

    def _post(self, http: httpx.Client, n: int, delivery: Delivery) -> None:
        target = n % len(self._apis)
        with self._lock:
            self._in_flight[target] += 1
            base_url = self._apis[target].url
        try:
            response = send(http, base_url, delivery)
        except httpx.TransportError as error:
            with self._lock:
                self.outcome.failed[delivery.webhook_id] = type(error).__name__
            return
        finally:
            with self._lock:
                self._in_flight[target] -= 1
        with self._lock:
            if not response.is_success:
                self.outcome.rejected[delivery.webhook_id] = response.status_code
                return
            self.outcome.acked.add(delivery.webhook_id)
            self._maybe_kill()

    def _maybe_kill(self) -> None:
        """Under the lock: the victim's requests in flight are other threads' requests."""
        if self.outcome.acked_at_kill is not None:
            return
        acked = len(self.outcome.acked)
        if acked >= self._kill_at_latest or (
            acked >= self._kill_after and self._in_flight[0] >= self._kill_min_in_flight
        ):
            self._on_kill()
            self.outcome.acked_at_kill = acked
            self.outcome.in_flight_at_kill = self._in_flight[0]


def deliver_all(
    apis: Sequence[ServerProcess], deliveries: Sequence[Delivery], concurrency: int
) -> dict[str, int]:
    """The platform's retries and redeliveries, to the API processes in turn: id -> status."""
    with client(concurrency) as http, ThreadPoolExecutor(concurrency) as pool:
        answers = pool.map(
            lambda n: (
                deliveries[n].webhook_id,
                send(http, apis[n % len(apis)].url, deliveries[n]).status_code,
            ),
            range(len(deliveries)),
        )
        return dict(answers)
