"""Multi-store traffic: one Shopify, one WooCommerce and one BigCommerce store, each
delivering the way its platform does, as signed HTTP posts for an Orderline server.

Shopify: every webhook, with duplicates, stale retries and reordering. WooCommerce:
coalesced states, no retries. BigCommerce: thin webhooks (with duplicates) while the
fake BigCommerce API holds the order the connector will fetch. Deterministic per seed.

With `until` (the run's clock), nothing is dated after the moment an order is made: a
history that would run past it is cut there, and the order stays where it had got to
(paid and waiting, shipped and in transit), as a real store's recent orders are.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar

from orderline.simulation.bigcommerce import BigCommerceSimulator, FakeBigCommerce
from orderline.simulation.shopify import delivery_faults
from orderline.simulation.shopify import generate_order_history as shopify_history
from orderline.simulation.woocommerce import coalesce
from orderline.simulation.woocommerce import generate_order_history as woo_history

FAKE_QUOTA = 30_000
"""Requests per 30 s the demo's fake BigCommerce API allows (a real Standard plan: 150)."""


@dataclass(frozen=True, slots=True)
class Post:
    """One HTTP delivery: POST `path` with `headers` and `body`."""

    platform: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True, slots=True)
class SimulatedStores:
    """The three stores' ids, platform identities and webhook secrets."""

    shopify_id: str = "demo-shopify"
    shop_domain: str = "orderline-demo.myshopify.com"
    woo_id: str = "demo-woo"
    site_url: str = "https://woo.orderline-demo.example"
    bigcommerce_id: str = "demo-bigcommerce"
    store_hash: str = "demo7bc"
    secret: str = "demo-webhook-secret"

    def config_yaml(self, database_url: str, bigcommerce_api_url: str, api_token: str) -> str:
        return (
            f"database_url: {database_url}\n"
            "stores:\n"
            f"  - id: {self.shopify_id}\n    platform: shopify\n    shop_domain: {self.shop_domain}\n"
            f"    webhook_secrets: [{self.secret}]\n    timezone: Europe/London\n"
            f"  - id: {self.woo_id}\n    platform: woocommerce\n    site_url: {self.site_url}\n"
            f"    webhook_secrets: [{self.secret}]\n    timezone: America/New_York\n"
            "    status_map: {shipped: shipped, delivered: delivered, partial-shipped: partially_shipped}\n"
            f"  - id: {self.bigcommerce_id}\n    platform: bigcommerce\n    store_hash: {self.store_hash}\n"
            f"    webhook_secrets: [{self.secret}]\n    api_token: {api_token}\n"
            f"    api_base_url: {bigcommerce_api_url}\n    timezone: America/Los_Angeles\n"
            # The fake API allows far more than a real Standard plan: keep the demo brisk.
            f"    api_requests_per_30s: {FAKE_QUOTA}\n"
        )


class _Triggered(Protocol):
    @property
    def triggered_at(self) -> datetime: ...


W = TypeVar("W", bound=_Triggered)


def up_to(history: Sequence[W], until: datetime | None) -> list[W]:
    """The webhooks of `history` triggered at or before `until` (all of them for None)."""
    return [w for w in history if until is None or w.triggered_at <= until]


@dataclass
class MultiStoreTraffic:
    """Orders for all three stores, each starting at a given time."""

    rng: random.Random
    stores: SimulatedStores
    bigcommerce_api: FakeBigCommerce
    next_id: int = 5_000_000
    until: Callable[[], datetime] | None = None
    """The run's clock: when given, each order's history is cut at its reading, so no
    webhook, body or fake API record is dated in the future."""

    def _cutoff(self) -> datetime | None:
        return self.until() if self.until is not None else None

    def shopify_order(self, start: datetime) -> list[Post]:
        self.next_id += 1
        history = up_to(shopify_history(self.rng, order_id=self.next_id, start=start), self._cutoff())
        return [
            Post(
                "shopify", "/webhooks/shopify", w.headers(self.stores.secret, self.stores.shop_domain), w.body
            )
            for w in delivery_faults(self.rng, history)
        ]

    def woo_order(self, start: datetime) -> list[Post]:
        self.next_id += 1
        stores = self.stores
        history = up_to(
            woo_history(self.rng, order_id=self.next_id, start=start, site_url=stores.site_url),
            self._cutoff(),
        )
        path = f"/webhooks/woocommerce/{stores.woo_id}"
        return [
            Post("woocommerce", path, w.headers(stores.secret, stores.site_url, webhook_id=1), w.body)
            for w in coalesce(self.rng, history)
        ]

    def bigcommerce_order(self, start: datetime) -> Iterator[list[Post]]:
        """One order's steps; the fake API changes as you iterate, so post each step
        before taking the next (BigCommerce's receiver reads the order when it processes)."""
        simulator = self._bigcommerce_simulator(start)
        for step in simulator.order_history():
            # Event-time timestamps lie outside the Standard Webhooks replay window, so
            # these deliveries authenticate with the store's shared-secret header.
            yield [
                Post(
                    "bigcommerce", "/webhooks/bigcommerce", hook.custom_header(self.stores.secret), hook.body
                )
                for hook in step
            ]

    def _bigcommerce_simulator(self, start: datetime) -> BigCommerceSimulator:
        # One simulator per order: its clock starts at `start`; ids come from the shared API.
        return BigCommerceSimulator(
            random.Random(self.rng.getrandbits(32)),
            self.stores.store_hash,
            api=self.bigcommerce_api,
            start=start,
            duplicate_chance=0.1,
            until=self._cutoff(),
        )
