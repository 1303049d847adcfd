"""Baseline for bench/process: the `eventsourcing` library (a test-only dependency) keeping
one event-sourced `Order` aggregate per platform order, over the same webhooks.

Usage: .venv/bin/python bench/process/eventsourcing_baseline.py [--orders N] [--seed N]
(bench/process/run.py calls `measure_eventsourcing` for its last line.)

Both modes take the webhooks in arrival order and, for each one, do the mapping work
Orderline's processor does (`Processor.map`): parse the body with orjson, map it with
`ShopifyConnector().map_delivery` and turn the facts into rows with `fact_rows_for`
(the fact's dict and its content key). Each new fact is then an aggregate event
(`Order.FactLearned`, raised with `trigger_event`) on its order's aggregate, which is
created (`Order.Created`) with the order's first fact; a fact the aggregate already holds
(same content key) raises nothing, as Orderline's facts are a set. Thin hold payloads
without an order id would be resolved from the hold facts seen so far, kept in memory
(Orderline keeps them in a table); the simulator's carry one, so none is looked up.

- per event (`batched=False`): one webhook at a time, `app.repository.get` the order's
  aggregate (the library's normal path: no aggregate cache, snapshotting off, so it is
  rebuilt from its stored events; `AggregateNotFoundError` means create it), apply its
  facts, `app.save(aggregate)`: one transaction per webhook that brought a fact.
- batched (`batched=True`): `BATCH_SIZE` webhooks per batch, as Orderline's processor batches;
  an aggregate is got from the repository (or created) the first time the batch touches
  it and kept in memory for the rest of the batch, and the batch ends with one
  `app.save(*aggregates)`, one transaction for all their pending events.

Persistence is the library's own SQLite module (`eventsourcing.sqlite`: WAL, its
`stored_events` table, the stdlib-JSON transcoder), in a fresh file under `workdir`.
Its connections get the pragmas Orderline's `persistence.database` sets on every
SQLite connection: `journal_mode=WAL`, `synchronous=FULL` (the library sets neither
synchronous nor a busy timeout itself), `busy_timeout=30000` (and the library's lock
timeout is 30 s, as Orderline's connect timeout), `foreign_keys=ON` (the library's
tables have none). Orderline's 0600 file mode is not copied: it costs nothing per event.

Counted: webhooks handled (deliveries, as bench/process counts them, including those
that map to no fact). Timed: the loop above, not opening the application (creating its
table) nor closing it. Unlike Orderline's side, nothing is read from an inbox, no
delivery outcome is recorded and no read model (fold, projection, timeline, scheduler
row) is written: this is the event store alone.
"""

from __future__ import annotations

import argparse
import contextlib
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import orjson
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.sqlite import SQLiteConnection, SQLiteConnectionPool, SQLiteFactory
from eventsourcing.utils import Environment

from orderline.connectors.base import Delivery
from orderline.connectors.shopify import ShopifyConnector
from orderline.persistence.projections import FactRow
from orderline.services.order_rows import fact_rows_for, fulfillment_orders
from orderline.services.processing import Processor
from orderline.simulation.shopify import ShopifyWebhook

STORE_ID = "bench"  # the store bench/process/run.py writes its inbox for
BATCH_SIZE = Processor.DEFAULT_BATCH  # as many as Orderline's processor takes per batch
LOCK_TIMEOUT_S = 30
SQLITE_PRAGMAS = (  # orderline.persistence.database._tune_sqlite_connection
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    f"PRAGMA busy_timeout={LOCK_TIMEOUT_S * 1000}",
    "PRAGMA foreign_keys=ON",
)


class Order(Aggregate):
    """One platform order: the canonical facts learned about it, by content key."""

    class Created(Aggregate.Created):
        store_id: str
        order_id: str

    def __init__(self, store_id: str, order_id: str) -> None:
        self.store_id = store_id
        self.order_id = order_id
        self.facts: dict[str, dict[str, Any]] = {}

    @staticmethod
    def create_id(store_id: str, order_id: str) -> UUID:
        return order_uuid(store_id, order_id)

    class FactLearned(Aggregate.Event):
        fact_key: str
        body: dict[str, Any]

        def apply(self, aggregate: Any) -> None:
            aggregate.facts[self.fact_key] = self.body

    def learn(self, fact_key: str, body: dict[str, Any]) -> None:
        if fact_key not in self.facts:
            self.trigger_event(self.FactLearned, fact_key=fact_key, body=body)


def order_uuid(store_id: str, order_id: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"orderline:{store_id}/{order_id}")


class _DurablePool(SQLiteConnectionPool):
    """The library's pool, each new connection tuned as Orderline tunes its own."""

    def _create_connection(self) -> SQLiteConnection:
        connection = super()._create_connection()
        with connection.cursor() as cursor:
            for pragma in SQLITE_PRAGMAS:
                cursor.execute(pragma)
        return connection


class _DurableSQLiteFactory(SQLiteFactory):
    def __init__(self, env: Environment) -> None:
        super().__init__(env)
        library_pool = self.datastore.pool  # nothing connected yet
        self.datastore.pool = _DurablePool(
            db_name=library_pool.db_name, lock_timeout=library_pool.lock_timeout
        )
        library_pool.close()


class OrderBook(Application[UUID]):
    def construct_factory(self, env: Environment) -> InfrastructureFactory[Any]:
        return _DurableSQLiteFactory(env)


class _KnownFulfillmentOrders:
    """OrderResolver over the hold facts seen so far (Orderline's StoredResolver reads them
    from its fulfillment_orders table)."""

    def __init__(self) -> None:
        self._orders: dict[tuple[str, str], str] = {}

    def order_for_fulfillment_order(self, store_id: str, fulfillment_order_id: str) -> str | None:
        return self._orders.get((store_id, fulfillment_order_id))

    def remember(self, rows: Sequence[FactRow]) -> None:
        for store_id, fulfillment_order_id, order_id in fulfillment_orders(rows):
            self._orders[(store_id, fulfillment_order_id)] = order_id


class _Mapper:
    """A webhook's fact rows, mapped as `Processor.map` maps a stored delivery."""

    def __init__(self) -> None:
        self._connector = ShopifyConnector()
        self._resolver = _KnownFulfillmentOrders()

    def rows(self, webhook: ShopifyWebhook) -> list[FactRow]:
        delivery = Delivery(
            store_id=STORE_ID,
            topic=webhook.topic,
            payload=orjson.loads(webhook.body),
            received_at=webhook.triggered_at,
            triggered_at=webhook.triggered_at,
        )
        mapped = self._connector.map_delivery(delivery, self._resolver)
        if mapped.order_id is None:
            return []
        rows = fact_rows_for(STORE_ID, mapped.order_id, mapped.facts, inbox_id=None)
        self._resolver.remember(rows)
        return rows


def _get_or_create(app: OrderBook, store_id: str, order_id: str) -> Order:
    try:
        order: Order = app.repository.get(order_uuid(store_id, order_id))
    except AggregateNotFoundError:
        order = Order(store_id=store_id, order_id=order_id)
    return order


def _learn(order: Order, rows: Sequence[FactRow]) -> None:
    for row in rows:
        order.learn(row.fact_key, row.body)


def _per_event(app: OrderBook, webhooks: Sequence[ShopifyWebhook]) -> None:
    mapper = _Mapper()
    for webhook in webhooks:
        rows = mapper.rows(webhook)
        if not rows:
            continue
        order = _get_or_create(app, rows[0].store_id, rows[0].order_id)
        _learn(order, rows)
        if order.pending_events:
            app.save(order)


def _batched(app: OrderBook, webhooks: Sequence[ShopifyWebhook]) -> None:
    mapper = _Mapper()
    for start in range(0, len(webhooks), BATCH_SIZE):
        touched: dict[UUID, Order] = {}
        for webhook in webhooks[start : start + BATCH_SIZE]:
            rows = mapper.rows(webhook)
            if not rows:
                continue
            key = order_uuid(rows[0].store_id, rows[0].order_id)
            order = touched.get(key)
            if order is None:
                order = touched[key] = _get_or_create(app, rows[0].store_id, rows[0].order_id)
            _learn(order, rows)
        app.save(*touched.values())


def measure_eventsourcing(
    webhooks: Sequence[ShopifyWebhook], workdir: Path, *, batched: bool
) -> tuple[int, float]:
    """(webhooks handled, seconds) for one pass of `webhooks` into a fresh event store."""
    database = workdir / f"eventsourcing-{'batched' if batched else 'per-event'}.db"
    _remove(database)
    app = OrderBook(
        env={
            "SQLITE_DBNAME": str(database),
            "SQLITE_LOCK_TIMEOUT": str(LOCK_TIMEOUT_S),
            "IS_SNAPSHOTTING_ENABLED": "no",
            "AGGREGATE_CACHE_MAXSIZE": "",
        }
    )
    try:
        started = time.perf_counter()
        (_batched if batched else _per_event)(app, webhooks)
        elapsed = time.perf_counter() - started
    finally:
        app.close()
        _remove(database)
    return len(webhooks), elapsed


def _remove(database: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            database.with_name(database.name + suffix).unlink()


def main() -> None:
    from run import build_webhooks  # bench/process/run.py, beside this file

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=3000, help="order histories (~10 webhooks each)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    webhooks = build_webhooks(args.orders, args.seed)
    print(f"{len(webhooks)} Shopify webhooks for {args.orders} orders")
    with tempfile.TemporaryDirectory(prefix="orderline-bench-eventsourcing-") as tmp:
        handled, per_event_s = measure_eventsourcing(webhooks, Path(tmp), batched=False)
        _handled, batched_s = measure_eventsourcing(webhooks, Path(tmp), batched=True)
    per_event, batched = handled / per_event_s, handled / batched_s
    print(f"{'eventsourcing, one transaction per webhook':<52}{per_event:>10.0f} events/s")
    print(f"{f'eventsourcing, one transaction per {BATCH_SIZE} webhooks':<52}{batched:>10.0f} events/s")
    print(f"eventsourcing_per_event_per_s={per_event:.0f} eventsourcing_batched_per_s={batched:.0f}")


if __name__ == "__main__":
    main()
