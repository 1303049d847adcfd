"""Processing: raw inbox deliveries -> canonical facts -> folded order projections.

Runs off the request path. Each batch reads pending deliveries, maps them through
their connector, stores the new facts, refolds every touched order from *all* its
stored facts (so arrival order never matters) and records each delivery's outcome,
all in one transaction: a crash leaves the batch pending, and doing it again is
harmless because facts are a set.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, Engine

from orderline.connectors.base import (
    Connector,
    Delivery,
    MappedDelivery,
    OrderResolver,
    PayloadError,
    RetryLater,
)
from orderline.domain.facts import Fact, HoldPlaced, HoldsReleased, fact_from_dict, fact_key_of, fact_to_dict
from orderline.domain.fold import fold
from orderline.domain.lifecycle import Ownership
from orderline.domain.order import Order, order_to_dict
from orderline.services import scheduler
from orderline.store import inbox_queue, projections
from orderline.store.inbox_queue import DeliveryOutcome, PendingDelivery
from orderline.store.projections import FactRow, OrderKey, OrderProjection

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


@dataclass(slots=True)
class BatchResult:
    deliveries: int = 0
    orders: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)


class StoredResolver:
    """Finds a fulfillment order's order in what the store already learned."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def order_for_fulfillment_order(self, store_id: str, fulfillment_order_id: str) -> str | None:
        with self._engine.connect() as connection:
            return projections.order_for_fulfillment_order(connection, store_id, fulfillment_order_id)


class Processor:
    def __init__(
        self,
        engine: Engine,
        connectors: Mapping[str, Connector],
        clock: Clock,
        *,
        resolver: OrderResolver | None = None,
        ownership: Ownership | None = None,
        batch_size: int = 500,
    ) -> None:
        self._engine = engine
        self._connectors = connectors
        self._clock = clock
        self._resolver = resolver or StoredResolver(engine)
        self._ownership = ownership
        self.batch_size = batch_size

    @property
    def clock(self) -> Clock:
        return self._clock

    @property
    def ownership(self) -> Ownership | None:
        return self._ownership

    def connector(self, platform: str) -> Connector | None:
        """The connector that maps `platform`'s deliveries (an import's bulk path maps with it too)."""
        return self._connectors.get(platform)

    def run_once(self) -> BatchResult:
        """Process one batch of pending deliveries; returns what it did."""
        with self._engine.connect() as connection:
            pending = inbox_queue.fetch_pending(connection, self.batch_size)
        if not pending:
            return BatchResult()
        outcomes: list[DeliveryOutcome] = []
        failures: list[tuple[PendingDelivery, str]] = []
        fact_rows: list[FactRow] = []
        for delivery in pending:
            outcome, rows = self._map(delivery)
            outcomes.append(outcome)
            fact_rows.extend(rows)
            if outcome.status == "failed":
                failures.append((delivery, outcome.error or "unknown error"))
        touched = self._commit(outcomes, failures, fact_rows)
        result = BatchResult(deliveries=len(pending), orders=touched)
        for outcome in outcomes:
            result.outcomes[outcome.status] = result.outcomes.get(outcome.status, 0) + 1
        return result

    def run_until_idle(self, progress: Callable[[int], None] | None = None) -> int:
        """Process until nothing is pending; returns the number of deliveries handled."""
        handled = 0
        while True:
            result = self.run_once()
            if result.deliveries == 0:
                return handled
            handled += result.deliveries
            if progress is not None:
                progress(result.deliveries)

    def _map(self, delivery: PendingDelivery) -> tuple[DeliveryOutcome, list[FactRow]]:
        connector = self._connectors.get(delivery.platform)
        if connector is None:
            return DeliveryOutcome(
                delivery.inbox_id, "failed", error=f"no connector for {delivery.platform}"
            ), []
        try:
            mapped = connector.map_delivery(_as_delivery(delivery), self._resolver)
        except PayloadError as error:
            return DeliveryOutcome(delivery.inbox_id, "failed", error=str(error)), []
        except RetryLater as error:
            return DeliveryOutcome(delivery.inbox_id, "unresolved", error=f"retry later: {error}"), []
        return _outcome(delivery, mapped), _fact_rows(delivery, mapped)

    def _commit(
        self,
        outcomes: Sequence[DeliveryOutcome],
        failures: Sequence[tuple[PendingDelivery, str]],
        fact_rows: Sequence[FactRow],
    ) -> int:
        keys = {(row.store_id, row.order_id) for row in fact_rows}
        # Read and fold outside the write transaction: SQLite has one write lock, and
        # intake waits for it while a transaction holds it.
        with self._engine.connect() as connection:
            stored = projections.load_facts(connection, keys)
        for row in fact_rows:
            stored[(row.store_id, row.order_id)][row.fact_key] = row.body
        # Facts learned in this batch are folded as they are, not decoded back from JSON.
        fresh = {row.fact_key: row.fact for row in fact_rows if row.fact is not None}
        folded = {(p.store_id, p.order_id): p for p in self._project(stored, fresh)}
        now = self._clock()
        with self._engine.begin() as connection:
            projections.lock_orders(connection, keys)
            projections.insert_facts(connection, fact_rows)
            # Another worker (a second process, or an orphan of a crashed server) may
            # have added facts since we read: refold those orders inside the transaction.
            counts = projections.fact_counts(connection, keys)
            changed = [key for key in keys if counts.get(key, 0) != len(stored[key])]
            if changed:
                folded.update(
                    ((p.store_id, p.order_id), p)
                    for p in self._project(projections.load_facts(connection, changed), fresh)
                )
            projections.remember_fulfillment_orders(connection, fulfillment_orders(fact_rows))
            projections.save_projections(connection, list(folded.values()))
            # Exceptions are evaluated by the scheduler; a changed order is due now.
            scheduler.enqueue_now(connection, keys, now)
            inbox_queue.record_outcomes(connection, outcomes, now)
            inbox_queue.dead_letter_failures(connection, failures, now)
        return len(keys)

    def record_facts(
        self, connection: Connection, store_id: str, order_id: str, facts: Sequence[Fact]
    ) -> None:
        """Add facts Orderline itself established (a hold placed by an exception policy,
        say) and refold the order, inside the caller's transaction."""
        rows = fact_rows_for(store_id, order_id, facts, inbox_id=None)
        projections.lock_orders(connection, [(store_id, order_id)])
        projections.insert_facts(connection, rows)
        stored = projections.load_facts(connection, [(store_id, order_id)])
        projections.save_projections(connection, self._project(stored, {}))

    def _project(
        self, stored: Mapping[OrderKey, dict[str, dict[str, Any]]], fresh: Mapping[str, Fact]
    ) -> list[OrderProjection]:
        result = []
        for (store_id, order_id), bodies in stored.items():
            facts = [fresh.get(key) or fact_from_dict(body) for key, body in bodies.items()]
            projection = project_facts(store_id, order_id, facts, self._ownership)
            if projection is not None:
                result.append(projection)
        return result


def project_facts(
    store_id: str, order_id: str, facts: Sequence[Fact], ownership: Ownership | None
) -> OrderProjection | None:
    """The read model of an order folded from `facts` (one per fact key); None without an order."""
    order = fold(store_id, order_id, facts, ownership)
    return None if order is None else projection_of(order, len(facts))


def projection_of(order: Order, fact_count: int) -> OrderProjection:
    state = order_to_dict(order)
    return OrderProjection(
        store_id=order.store_id,
        order_id=order.order_id,
        order_number=order.order_number,
        status=order.status.value,
        payment_status=order.payment_status.value,
        fulfillment_status=order.fulfillment_status.value,
        owner=order.owner,
        placed_at=order.placed_at,
        updated_at=order.updated_at,
        email=order.email,
        state=state,
        fact_count=fact_count,
        timeline=[
            {"at": e.at, "kind": e.kind, "summary": e.summary, "data": dict(e.data)} for e in order.timeline
        ],
    )


def _as_delivery(pending: PendingDelivery) -> Delivery:
    try:
        payload = orjson.loads(pending.body)
    except orjson.JSONDecodeError:
        payload = None  # intake stores non-JSON bodies only for pings
    return Delivery(
        store_id=pending.store_id,
        topic=pending.topic,
        payload=payload,
        received_at=pending.received_at,
        triggered_at=pending.triggered_at,
    )


def _outcome(delivery: PendingDelivery, mapped: MappedDelivery) -> DeliveryOutcome:
    if mapped.ignored is not None:
        return DeliveryOutcome(delivery.inbox_id, "ignored", error=mapped.ignored)
    if mapped.order_id is None:
        return DeliveryOutcome(delivery.inbox_id, "unresolved", error="order not known yet")
    return DeliveryOutcome(delivery.inbox_id, "processed", order_id=mapped.order_id)


def _fact_rows(delivery: PendingDelivery, mapped: MappedDelivery) -> list[FactRow]:
    if mapped.order_id is None:
        return []
    return fact_rows_for(delivery.store_id, mapped.order_id, mapped.facts, delivery.inbox_id)


def fact_rows_for(store_id: str, order_id: str, facts: Sequence[Fact], inbox_id: int | None) -> list[FactRow]:
    """The rows that store `facts` of one order, each keyed by its content."""
    rows = []
    for fact in facts:
        body = fact_to_dict(fact)
        rows.append(
            FactRow(
                store_id=store_id,
                order_id=order_id,
                fact_key=content_key(body),
                fact_type=body["type"],
                occurred_at=fact.occurred_at,
                body=body,
                inbox_id=inbox_id,
                fact=fact,
            )
        )
    return rows


def content_key(body: dict[str, Any]) -> str:
    """`facts.fact_key_of(body)`, through orjson whenever that writes the same canonical text.

    fact_key_of hashes `json.dumps(body, sort_keys=True, separators=(",", ":"))`; the
    stdlib encoder was a tenth of an import's CPU. orjson with sorted keys writes the very
    same bytes when they are printable ASCII without a backslash (the stdlib escapes
    everything else, and differently); a fact body holds no floats, whose spelling differs.
    """
    try:
        canonical = orjson.dumps(body, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # an int beyond 64 bits, say
        return fact_key_of(body)
    if not canonical.isascii() or b"\\" in canonical or b"\x7f" in canonical:
        return fact_key_of(body)
    return hashlib.sha256(canonical).hexdigest()[:32]


def fulfillment_orders(rows: Sequence[FactRow]) -> list[tuple[str, str, str]]:
    """(store_id, fulfillment_order_id, order_id) named by hold facts among `rows`."""
    found = set()
    for row in rows:
        if row.fact_type in (HoldPlaced.__name__, HoldsReleased.__name__):
            found.add((row.store_id, str(row.body["hold_group"]), row.order_id))
    return sorted(found)
