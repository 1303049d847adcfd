"""The demo's history as Orderline stores it: nothing dated after now, one exception per
wait, and informational exceptions apart from the problems, never breached.

The three simulated stores of `orderline demo` (Shopify, WooCommerce, and BigCommerce
behind its fake API on a loopback port) deliver the histories of orders started over the
35 days before NOW, cut at NOW as the demo cuts them at the real clock. The worker
processes them, a tick evaluates every order at NOW, and the queue is read as the API
reads it. Last, the demo's staff work the queue, and it looks like a shop's morning.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from orderline.bootstrap import Runtime, build_runtime, build_web_context, run_tick
from orderline.cli.demo_team import ACTOR, work_the_queue
from orderline.config import load_config
from orderline.persistence.database import make_engine, migrate
from orderline.persistence.exception_tables import order_exceptions
from orderline.persistence.tables import facts, orders
from orderline.services.exception_queue import QueueFilter
from orderline.simulation.bigcommerce import FakeBigCommerce, FakeBigCommerceServer
from orderline.simulation.traffic import FAKE_QUOTA, MultiStoreTraffic, SimulatedStores
from orderline.web.app import WebContext, create_app

NOW = datetime(2026, 12, 3, 7, 0, tzinfo=UTC)
HISTORY = timedelta(days=35)
ORDERS_PER_STORE = 100


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Runtime, WebContext]]:
    directory: Path = tmp_path_factory.mktemp("demo")
    database = f"sqlite:///{directory / 'orderline.db'}"
    migrate(make_engine(database))
    stores = SimulatedStores()
    api = FakeBigCommerce(stores.store_hash, rng=random.Random(7), quota=FAKE_QUOTA)
    with FakeBigCommerceServer(api) as server:
        config = directory / "orderline.yaml"
        config.write_text(stores.config_yaml(database, server.base_url, api.api_token))
        runtime = build_runtime(load_config(config), clock=lambda: NOW)
        context = build_web_context(runtime)
        traffic = MultiStoreTraffic(random.Random(7), stores, api, until=lambda: NOW)
        spacing = HISTORY / ORDERS_PER_STORE
        with TestClient(create_app(context)) as client:
            for n in range(ORDERS_PER_STORE):
                start = NOW - HISTORY + spacing * n
                steps = [traffic.shopify_order(start), traffic.woo_order(start)]
                for posts in [*steps, *traffic.bigcommerce_order(start)]:
                    for post in posts:
                        response = client.post(post.path, content=post.body, headers=post.headers)
                        assert response.status_code == 200, response.text
                runtime.processor.run_until_idle()
        run_tick(runtime, NOW)
        yield runtime, context
    runtime.engine.dispose()


def test_nothing_simulated_is_dated_after_now(demo: tuple[Runtime, WebContext]) -> None:
    runtime, _ = demo
    with runtime.engine.connect() as connection:
        updated = connection.execute(select(orders.c.updated_at)).scalars().all()
        happened = connection.execute(select(facts.c.occurred_at)).scalars().all()

    assert len(updated) >= 3 * ORDERS_PER_STORE - 10  # a BigCommerce order may start too late to exist
    assert max(updated) <= NOW
    assert max(happened) <= NOW


def test_one_wait_raises_one_exception(demo: tuple[Runtime, WebContext]) -> None:
    runtime, _ = demo
    e = order_exceptions.c
    with runtime.engine.connect() as connection:
        rows = connection.execute(select(e.store_id, e.order_id, e.type).where(e.state == "open")).all()
    types_by_order: dict[tuple[str, str], set[str]] = {}
    for store_id, order_id, type_ in rows:
        types_by_order.setdefault((store_id, order_id), set()).add(type_)

    assert any("fulfillment_delayed" in types for types in types_by_order.values())
    both = {"fulfillment_delayed", "stale_order"}
    assert not [key for key, types in types_by_order.items() if both <= types]


def test_informational_exceptions_never_breach_and_sit_after_the_problems(
    demo: tuple[Runtime, WebContext],
) -> None:
    _, context = demo
    entries = context.exceptions.entries(QueueFilter(), NOW, limit=1000)
    kinds = [entry.kind for entry in entries]
    split = [entry for entry in entries if entry.exception.type == "split_shipment"]

    assert split and all((entry.sla, entry.kind) == ("none", "informational") for entry in split)
    assert kinds == sorted(kinds, key=lambda kind: kind == "informational")
    problems = context.exceptions.entries(QueueFilter(kind="problem"), NOW, limit=1000)
    assert [entry.exception.id for entry in problems] == [
        entry.exception.id for entry in entries if entry.kind == "problem"
    ]
    breached = context.exceptions.entries(QueueFilter(sla="breached"), NOW, limit=1000)
    assert {entry.kind for entry in breached} <= {"problem"}
    print("queue at NOW:", Counter((entry.kind, entry.sla) for entry in entries))


def test_the_demo_team_leaves_a_morning_queue(demo: tuple[Runtime, WebContext]) -> None:
    """Without the team nearly every problem is breached; with it, a few are, and the rest
    are on time. The test runs last: it resolves exceptions."""
    runtime, context = demo
    problems = QueueFilter(kind="problem")
    before = Counter(entry.sla for entry in context.exceptions.entries(problems, NOW, limit=1000))
    assert before["breached"] > 0.8 * before.total()

    resolved = work_the_queue(context.exceptions, NOW)
    run_tick(runtime, NOW)
    assert work_the_queue(context.exceptions, NOW) == 0  # one pass did all that was due

    after = Counter(entry.sla for entry in context.exceptions.entries(problems, NOW, limit=1000))
    print("problems before:", before, "after:", after, "resolved:", resolved)
    assert resolved >= 0.8 * before.total()
    assert after["breached"] <= 0.05 * before.total()
    done = context.exceptions.entries(QueueFilter(state="resolved"), NOW, limit=1000)
    by_team = [entry.exception for entry in done if entry.exception.resolved_by == ACTOR]
    assert by_team and all(row.resolved_at is not None and row.resolved_at <= NOW for row in by_team)
