"""The simulators never write future times: with `until`, every history is cut at it.

Orders start over the 35 days before NOW, as the demo's do; the newest ones would run days
past NOW. Without `until` some of them do (so these tests can fail); with it, no webhook,
body or fake API record is dated after NOW, and the older histories are left whole.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

from orderline.simulation.bigcommerce import BigCommerceSimulator, FakeBigCommerce
from orderline.simulation.shopify import generate_order_history as shopify_history
from orderline.simulation.traffic import MultiStoreTraffic, SimulatedStores, up_to
from orderline.simulation.woocommerce import generate_order_history as woo_history

NOW = datetime(2026, 12, 3, 7, 0, tzinfo=UTC)
ORDERS = 150
STARTS = [NOW - timedelta(days=35) + timedelta(days=35) * n / ORDERS for n in range(ORDERS)]


def test_shopify_and_woocommerce_histories_are_cut_at_until() -> None:
    rng = random.Random(11)
    shopify = [shopify_history(rng, order_id=9000 + n, start=s) for n, s in enumerate(STARTS)]
    site = "https://w.example"
    woo = [woo_history(rng, order_id=9000 + n, start=s, site_url=site) for n, s in enumerate(STARTS)]

    assert any(w.triggered_at > NOW for history in shopify for w in history)
    assert any(w.triggered_at > NOW for history in woo for w in history)
    for history in [*shopify, *woo]:
        kept = up_to(history, NOW)
        assert all(w.triggered_at <= NOW for w in kept)
        assert kept == [w for w in history if w.triggered_at <= NOW]
    assert up_to(shopify[0], None) == shopify[0]


def _bigcommerce_times(until: datetime | None) -> tuple[list[datetime], list[datetime]]:
    """(webhook times, fake API record times) of ORDERS simulated BigCommerce orders."""
    api = FakeBigCommerce("abc123", rng=random.Random(5))
    hooks: list[datetime] = []
    for n, start in enumerate(STARTS):
        sim = BigCommerceSimulator(random.Random(n), "abc123", api=api, start=start, until=until)
        hooks += [datetime.fromtimestamp(w.timestamp, UTC) for step in sim.order_history() for w in step]
    records: list[datetime] = []
    for order in api.state.orders.values():
        records += [order.date_created, order.date_modified]
        records += [order.date_shipped] if order.date_shipped else []
        records += [shipment.date_created for shipment in order.shipments]
        records += [refund.created for refund in order.refunds]
    return hooks, records


def test_a_bigcommerce_history_stops_before_its_first_action_after_until() -> None:
    hooks, records = _bigcommerce_times(until=None)
    assert max(hooks) > NOW and max(records) > NOW

    hooks, records = _bigcommerce_times(until=NOW)

    assert max(hooks) <= NOW
    assert max(records) <= NOW
    assert len(hooks) > ORDERS  # the past is all there: placement and more


def test_multi_store_traffic_posts_nothing_dated_after_its_clock() -> None:
    stores = SimulatedStores()
    traffic = MultiStoreTraffic(
        random.Random(3), stores, FakeBigCommerce(stores.store_hash), until=lambda: NOW
    )
    posts = [post for start in STARTS[-30:] for post in traffic.shopify_order(start)]
    posts += [post for start in STARTS[-30:] for post in traffic.woo_order(start)]
    shopify_times = [
        datetime.fromisoformat(p.headers["X-Shopify-Triggered-At"]) for p in posts if p.platform == "shopify"
    ]
    woo_modified = [
        datetime.fromisoformat(json.loads(p.body)["date_modified_gmt"]).replace(tzinfo=UTC)
        for p in posts
        if p.platform == "woocommerce"
    ]

    assert shopify_times and woo_modified
    assert max(shopify_times) <= NOW
    assert max(woo_modified) <= NOW
