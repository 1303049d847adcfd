"""Processing: raw inbox deliveries -> canonical facts -> folded order projections.

Runs off the request path. Each batch reads pending deliveries, maps them through
their connector, stores the new facts, refolds every touched order from *all* its
stored facts (so arrival order never matters) and records each delivery's outcome,
all in one transaction: a crash leaves the batch pending, and doing it again is
harmless because facts are a set. A delivery that cannot be processed is quarantined on
its own and the rest of the batch commits (see `Processor`, and docs/processing.md).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError

from orderline.connectors.base import (
    Connector,
    Delivery,
    MappedDelivery,
    OrderResolver,
    PayloadError,
    RetryLater,
)
from orderline.connectors.retry import RetryPolicy
from orderline.domain.facts import Fact, fact_from_dict
from orderline.domain.lifecycle import Ownership
from orderline.logs import fields
from orderline.persistence import inbox_queue, projections
from orderline.persistence.inbox_queue import DeliveryOutcome, PendingDelivery
from orderline.persistence.projections import FactRow, OrderKey, OrderProjection
from orderline.services import scheduler
from orderline.services.order_rows import fact_rows_for, fulfillment_orders, project_facts

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]

TRANSIENT_STORE_ERRORS = (OperationalError, InterfaceError, DisconnectionError)
"""The database is unreachable or busy: the whole batch is tried again later, nothing is
set aside for it."""
FETCH_RETRY = RetryPolicy(max_attempts=20, base_delay_s=2.0, max_delay_s=900.0)
"""A delivery waiting for its platform's API: 2 s doubling to 15 min between tries, about
three hours in all, then quarantined."""


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
    """Maps and folds inbox deliveries, one batch per transaction.

    A delivery that cannot be processed is quarantined on its own and the rest of its
    batch commits: a mapping error is caught where it happens; anything that fails later
    (the fold, the database refusing a value) is found by committing the batch in halves
    until the one delivery that fails is alone. Only the database being unreachable stops
    a batch: it is retried whole, later.

    A delivery whose mapping needs a platform API that is down (`RetryLater`) waits with
    a doubling delay (`fetch_retry`) and is quarantined when the attempts run out; once a
    store's API failed, that store's other deliveries wait too instead of trying again in
    the same batch. `platforms` restricts the processor to some platforms' deliveries (a
    lane of the processing loop: deliveries that fetch from an API never hold up those
    that do not).
    """

    def __init__(
        self,
        engine: Engine,
        connectors: Mapping[str, Connector],
        clock: Clock,
        *,
        resolver: OrderResolver | None = None,
        ownership: Ownership | None = None,
        batch_size: int = 500,
        platforms: Collection[str] | None = None,
        stores: Collection[str] | None = None,
        fetch_retry: RetryPolicy = FETCH_RETRY,
    ) -> None:
        self._engine = engine
        self._connectors = connectors
        self._clock = clock
        self._resolver = resolver or StoredResolver(engine)
        self._ownership = ownership
        self.batch_size = batch_size
        self._platforms = None if platforms is None else frozenset(platforms)
        self._stores = None if stores is None else frozenset(stores)
        self._fetch_retry = fetch_retry
        self._store_waits: dict[str, tuple[datetime, str]] = {}
        """Store id -> until when its API is left alone, and why."""

    @property
    def clock(self) -> Clock:
        return self._clock

    @property
    def ownership(self) -> Ownership | None:
        return self._ownership

    def connector(self, platform: str) -> Connector | None:
        """The connector that maps `platform`'s deliveries (an import's bulk path maps with it too)."""
        return self._connectors.get(platform)

    def lane(
        self, platforms: Collection[str] | None = None, *, stores: Collection[str] | None = None
    ) -> Processor:
        """A processor like this one for `platforms`' deliveries only, or `stores'` (a
        job of the scale-out worker works on one store)."""
        return Processor(
            self._engine,
            self._connectors,
            self._clock,
            resolver=self._resolver,
            ownership=self._ownership,
            batch_size=self.batch_size,
            platforms=platforms if platforms is not None else self._platforms,
            stores=stores,
            fetch_retry=self._fetch_retry,
        )

    def run_once(self) -> BatchResult:
        """Process one batch of pending deliveries; returns what it did."""
        now = self._clock()
        with self._engine.connect() as connection:
            pending = inbox_queue.fetch_pending(
                connection, self.batch_size, now, platforms=self._platforms, stores=self._stores
            )
        if not pending:
            return BatchResult()
        mapped = [self.map(delivery, now) for delivery in pending]
        touched = self._commit_isolating(mapped, now)
        result = BatchResult(deliveries=len(pending), orders=touched)
        for item in mapped:
            result.outcomes[item.outcome.status] = result.outcomes.get(item.outcome.status, 0) + 1
        return result

    def run_until_idle(self, progress: Callable[[int], None] | None = None) -> int:
        """Process until nothing is pending; returns the number of deliveries handled.
        Deliveries waiting for a platform API are left for later."""
        handled = 0
        while True:
            result = self.run_once()
            if result.deliveries == 0:
                return handled
            handled += result.deliveries
            if progress is not None:
                progress(result.deliveries)

    def map(self, delivery: PendingDelivery, now: datetime) -> MappedRows:
        """One delivery's outcome and fact rows; never raises for a bad delivery."""
        connector = self._connectors.get(delivery.platform)
        if connector is None:
            return _set_aside(delivery, f"no connector for {delivery.platform}")
        waiting = self._store_waits.get(delivery.store_id)
        if waiting is not None and waiting[0] > now:
            return self._wait(delivery, now, waiting[1], until=waiting[0])
        try:
            mapped = connector.map_delivery(_as_delivery(delivery), self._resolver)
            rows = _fact_rows(delivery, mapped)
        except PayloadError as error:
            return _set_aside(delivery, str(error))
        except RetryLater as error:
            return self._wait(delivery, now, f"retry later: {error}")
        except Exception as error:  # a bug or a body nobody foresaw: set it aside, keep going
            return _set_aside(delivery, describe_error(error))
        self._store_waits.pop(delivery.store_id, None)
        return MappedRows(delivery, _outcome(delivery, mapped), rows)

    def _wait(
        self, delivery: PendingDelivery, now: datetime, reason: str, *, until: datetime | None = None
    ) -> MappedRows:
        attempt = delivery.attempts + 1
        if attempt >= self._fetch_retry.max_attempts:
            return _set_aside(delivery, f"{reason} (gave up after {attempt} attempts)")
        if until is None:
            until = now + timedelta(seconds=self._fetch_retry.backoff_s(attempt))
            self._store_waits[delivery.store_id] = (until, reason)
        outcome = DeliveryOutcome(delivery.inbox_id, inbox_queue.WAITING, error=reason, next_attempt_at=until)
        return MappedRows(delivery, outcome, [])

    def _commit_isolating(self, mapped: Sequence[MappedRows], now: datetime) -> int:
        """Commit `mapped`; when that fails for anything but the database being unreachable,
        commit each half on its own, down to the one delivery that fails, which is set aside."""
        try:
            return self._commit(mapped, now)
        except TRANSIENT_STORE_ERRORS:
            raise
        except Exception as error:
            if len(mapped) == 1:
                item = mapped[0]
                return self._commit(
                    [_set_aside(item.delivery, describe_error(error), item.outcome.order_id)], now
                )
            middle = len(mapped) // 2
            return self._commit_isolating(mapped[:middle], now) + self._commit_isolating(mapped[middle:], now)

    def _commit(self, mapped: Sequence[MappedRows], now: datetime) -> int:
        fact_rows = [row for item in mapped for row in item.rows]
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
            record_outcomes(connection, mapped, now)
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


@dataclass(frozen=True, slots=True)
class MappedRows:
    """One delivery as mapping left it: its outcome, and the fact rows to store."""

    delivery: PendingDelivery
    outcome: DeliveryOutcome
    rows: list[FactRow]


def record_outcomes(connection: Connection, mapped: Sequence[MappedRows], now: datetime) -> None:
    """Each delivery's outcome; quarantined ones are listed with the dead letters too."""
    inbox_queue.record_outcomes(connection, [item.outcome for item in mapped], now)
    inbox_queue.dead_letter_quarantined(
        connection,
        [
            (item.delivery, item.outcome.error or "unknown error")
            for item in mapped
            if item.outcome.status == inbox_queue.QUARANTINED
        ],
        now,
    )


def _set_aside(delivery: PendingDelivery, reason: str, order_id: str | None = None) -> MappedRows:
    """The delivery quarantined with `reason`; `order_id` when mapping named its order."""
    log.warning(
        "delivery quarantined",
        extra=fields(
            inbox_id=delivery.inbox_id,
            platform=delivery.platform,
            store=delivery.store_id,
            reason=reason[:200],
        ),
    )
    outcome = DeliveryOutcome(delivery.inbox_id, inbox_queue.QUARANTINED, order_id=order_id, error=reason)
    return MappedRows(delivery, outcome, [])


MAX_ERROR_CHARS = 500


def describe_error(error: BaseException) -> str:
    """`Type: message (file.py:line)` of where it was raised, short enough to list."""
    where = ""
    trace = error.__traceback__
    while trace is not None and trace.tb_next is not None:
        trace = trace.tb_next
    if trace is not None:
        where = f" ({trace.tb_frame.f_code.co_filename.rsplit('/', 1)[-1]}:{trace.tb_lineno})"
    text = f"{type(error).__name__}: {error}"
    if len(text) > MAX_ERROR_CHARS:
        text = text[: MAX_ERROR_CHARS - 1] + "…"
    return text + where


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
        return DeliveryOutcome(delivery.inbox_id, inbox_queue.IGNORED, error=mapped.ignored)
    if mapped.order_id is None:
        return DeliveryOutcome(delivery.inbox_id, inbox_queue.UNRESOLVED, error="order not known yet")
    return DeliveryOutcome(delivery.inbox_id, inbox_queue.PROCESSED, order_id=mapped.order_id)


def _fact_rows(delivery: PendingDelivery, mapped: MappedDelivery) -> list[FactRow]:
    if mapped.order_id is None:
        return []
    return fact_rows_for(delivery.store_id, mapped.order_id, mapped.facts, delivery.inbox_id)
