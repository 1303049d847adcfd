"""Processing on both databases: inbox -> facts -> projections, and its races."""

from __future__ import annotations

import asyncio
import dataclasses
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, select

from orderline.connectors.shopify import ShopifyConnector
from orderline.domain.order import Order, order_from_dict
from orderline.domain.order_exceptions import DEFAULT_CALENDAR, DEFAULT_POLICY
from orderline.persistence import order_queries
from orderline.persistence.inbox import GroupCommitWriter, InboxRecord
from orderline.persistence.tables import facts, orders
from orderline.services.processing import Processor
from orderline.services.replay import replay_inbox
from orderline.services.scheduler import tick
from orderline.simulation.shopify import ShopifyWebhook, generate_order_history

START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def _clock() -> datetime:
    return START + timedelta(days=30)


def _store(engine: Engine, webhooks: list[ShopifyWebhook]) -> None:
    records = [
        InboxRecord(
            platform="shopify",
            store_id="s1",
            topic=w.topic,
            dedupe_key=w.webhook_id,
            event_id=w.event_id,
            received_at=w.triggered_at,
            triggered_at=w.triggered_at,
            headers={},
            body=w.body,
        )
        for w in webhooks
    ]
    writer = GroupCommitWriter(engine)

    async def run() -> None:
        writer.start()
        await asyncio.gather(*(writer.write(r) for r in records))
        await writer.stop()

    asyncio.run(run())


def _projections(engine: Engine) -> tuple[list[Any], list[Any]]:
    with engine.connect() as connection:
        order_rows = connection.execute(
            select(orders.c.store_id, orders.c.order_id, orders.c.status, orders.c.state).order_by(
                orders.c.order_id
            )
        ).all()
    # The timeline is kept in the order's state (migration 0013), listed here on its own.
    timeline_rows = [
        (row.order_id, seq, entry["kind"], entry["summary"])
        for row in order_rows
        for seq, entry in enumerate(row.state["timeline"])
    ]
    return [tuple(r) for r in order_rows], timeline_rows


class InterleavingProcessor(Processor):
    """Lets another worker commit between this one's read and its write, once."""

    def __init__(self, engine: Engine, other: Processor) -> None:
        super().__init__(engine, {"shopify": ShopifyConnector()}, _clock, batch_size=1)
        self._other: Processor | None = other

    def _project(self, stored: Any) -> Any:
        if self._other is not None:
            other, self._other = self._other, None
            other.run_once()
        return super()._project(stored)


def test_a_second_worker_committing_between_read_and_write_does_not_leave_a_stale_projection(
    engine: Engine,
) -> None:
    history = generate_order_history(random.Random(5), order_id=501, start=START)
    _store(engine, history[:1])
    _store(engine, history[-1:])  # the newest state: it differs from the first
    other = Processor(engine, {"shopify": ShopifyConnector()}, _clock, batch_size=2)
    # `other` processes both deliveries while `racing` is between reading and writing the first.
    racing = InterleavingProcessor(engine, other)

    racing.run_once()
    Processor(engine, {"shopify": ShopifyConnector()}, _clock).run_until_idle()
    live = _projections(engine)
    replay_inbox(engine, Processor(engine, {"shopify": ShopifyConnector()}, _clock))

    assert live == _projections(engine)
    assert len(live[0]) == 1


def test_processing_everything_equals_a_replay(engine: Engine) -> None:
    rng = random.Random(11)
    webhooks = [w for n in range(30) for w in generate_order_history(rng, order_id=700 + n, start=START)]
    rng.shuffle(webhooks)
    _store(engine, webhooks)
    processor = Processor(engine, {"shopify": ShopifyConnector()}, _clock, batch_size=37)

    handled = processor.run_until_idle()
    live = _projections(engine)
    replay_inbox(engine, processor)

    assert handled == len(webhooks)
    assert len(live[0]) == 30
    assert live == _projections(engine)


def test_a_fact_the_cache_knows_but_the_database_lost_is_stored_again(engine: Engine) -> None:
    # The processor skips inserting facts it already knows for an order; if the database
    # no longer holds them (a replay rebuilt the table meanwhile), the count check inside
    # the transaction notices and every row of that order is written after all.
    first = generate_order_history(random.Random(7), order_id=901, start=START)[0]
    _store(engine, [first])
    processor = Processor(engine, {"shopify": ShopifyConnector()}, _clock)
    processor.run_until_idle()
    with engine.begin() as connection:
        stored = connection.execute(select(facts.c.fact_key).where(facts.c.order_id == "901")).scalars().all()
        connection.execute(delete(facts).where(facts.c.order_id == "901"))
    again = dataclasses.replace(first, webhook_id=f"{first.webhook_id}-again")
    _store(engine, [again])

    processor.run_until_idle()

    with engine.connect() as connection:
        restored = connection.execute(select(facts.c.fact_key).where(facts.c.order_id == "901")).scalars()
        restored = list(restored)
    assert stored and sorted(restored) == sorted(stored)


class _OrdersSeen:
    """An evaluation listener that keeps the order each evaluation settled on."""

    def __init__(self) -> None:
        self.orders: list[Order] = []

    def evaluated(self, connection: Any, order: Order, evaluation: Any, now: datetime) -> None:
        self.orders.append(order)


def _tick(engine: Engine, known: Any) -> list[Order]:
    seen = _OrdersSeen()
    tick(
        engine,
        lambda _s: DEFAULT_POLICY,
        lambda _s: DEFAULT_CALENDAR,
        _clock(),
        listeners=[seen],
        known=known,
    )
    return seen.orders


def test_the_tick_evaluates_the_order_processing_folded_only_while_it_is_what_is_stored(
    engine: Engine,
) -> None:
    history = generate_order_history(random.Random(9), order_id=902, start=START)
    _store(engine, history[:1])
    first = Processor(engine, {"shopify": ShopifyConnector()}, _clock)
    first.run_until_idle()
    with engine.connect() as connection:
        stored = order_from_dict(order_queries.get_order(connection, "s1", "902") or {})

    [evaluated] = _tick(engine, first.folded_order)
    assert evaluated == stored
    assert evaluated is first.folded_order(("s1", "902"), _fact_count(engine))  # not decoded again

    # Another processor (another worker) adds facts: the first one's fold is out of date.
    _store(engine, history[1:])
    Processor(engine, {"shopify": ShopifyConnector()}, _clock).run_until_idle()
    with engine.connect() as connection:
        now_stored = order_from_dict(order_queries.get_order(connection, "s1", "902") or {})

    [evaluated] = _tick(engine, first.folded_order)
    assert evaluated == now_stored != stored


def _fact_count(engine: Engine) -> int:
    with engine.connect() as connection:
        return order_queries.projected_fact_counts(connection, [("s1", "902")])[("s1", "902")]
