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
import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
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
from orderline.domain.order import Order
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

    DEFAULT_BATCH = 2000
    """Deliveries per batch: many orders folded once each; written in `WRITE_CHUNK`s."""

    def __init__(
        self,
        engine: Engine,
        connectors: Mapping[str, Connector],
        clock: Clock,
        *,
        resolver: OrderResolver | None = None,
        ownership: Ownership | None = None,
        batch_size: int = DEFAULT_BATCH,
        platforms: Collection[str] | None = None,
        stores: Collection[str] | None = None,
        fetch_retry: RetryPolicy = FETCH_RETRY,
        fact_cache: FactCache | None = None,
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
        self._facts = fact_cache or FactCache()
        """Shared with this processor's lanes: a store's orders are cached once."""
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
            fact_cache=self._facts,
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
        """Store the facts of `mapped` and the projections of the orders they change.

        Everything is read and folded before any write, each order once however many of
        its deliveries the batch holds, and an order whose facts the batch only repeats
        (a platform re-sending what it said before) is not folded again at all. The writes
        go in transactions of at most `WRITE_CHUNK` deliveries' orders: SQLite has one
        write lock, and intake waits for it while a transaction holds it.
        """
        fact_rows = [row for item in mapped for row in item.rows]
        keys = {(row.store_id, row.order_id) for row in fact_rows}
        stored = self._known_facts(keys)
        changed: set[OrderKey] = set()
        new_rows: set[int] = set()
        for row in fact_rows:
            key = (row.store_id, row.order_id)
            if row.fact_key not in stored[key]:
                stored[key][row.fact_key] = row.fact or fact_from_dict(row.body)
                changed.add(key)
                new_rows.add(id(row))
        folded = {(p.store_id, p.order_id): p for p in self._project({key: stored[key] for key in changed})}
        for chunk in _write_chunks(mapped):
            self._write(chunk, stored, changed, folded, new_rows, now)
        return len(keys)

    def _write(
        self,
        mapped: Sequence[MappedRows],
        stored: dict[OrderKey, dict[str, Fact]],
        changed: set[OrderKey],
        folded: dict[OrderKey, OrderProjection],
        new_rows: Collection[int],
        now: datetime,
    ) -> None:
        """One transaction: the facts, projections, timers and outcomes of `mapped`. Only
        the fact rows in `new_rows` (by `id()`) are inserted: the others repeat a fact
        already stored, which the database already holds (the cache never holds more)."""
        fact_rows = [row for item in mapped for row in item.rows]
        keys = {(row.store_id, row.order_id) for row in fact_rows}
        try:
            with self._engine.begin() as connection:
                projections.lock_orders(connection, keys)
                projections.insert_facts(connection, [row for row in fact_rows if id(row) in new_rows])
                # Another worker (a second process, or an orphan of a crashed server) may
                # have added facts since we read, or a replay rebuilt them: store every row
                # of those orders (what we took as known may not be there) and refold them
                # inside the transaction.
                counts = projections.fact_counts(connection, keys)
                stale = {key for key in keys if counts.get(key, 0) != len(stored[key])}
                if stale:
                    projections.insert_facts(
                        connection, [row for row in fact_rows if (row.store_id, row.order_id) in stale]
                    )
                    stored.update(self._decoded(projections.load_facts(connection, stale)))
                    refolded = self._project({key: stored[key] for key in stale})
                    folded.update(((p.store_id, p.order_id), p) for p in refolded)
                    changed.update(stale)
                mine = keys & changed
                projections.remember_fulfillment_orders(connection, fulfillment_orders(fact_rows))
                projections.save_projections(
                    connection, [folded[key] for key in sorted(mine) if key in folded]
                )
                # Exceptions are evaluated by the scheduler; a changed order is due now.
                scheduler.enqueue_now(connection, mine, now)
                record_outcomes(connection, mapped, now)
        except BaseException:
            self._facts.forget(keys)
            raise
        self._facts.keep(
            {key: stored[key] for key in keys},
            {key: folded[key] for key in mine if key in folded},
        )

    def _known_facts(self, keys: Collection[OrderKey]) -> dict[OrderKey, dict[str, Fact]]:
        """Each order's stored facts by key: from this processor's cache, the rest read
        (and decoded) from the database. Copies: the cache changes only after a commit."""
        found = {key: dict(facts) for key in keys if (facts := self._facts.get(key)) is not None}
        missing = [key for key in keys if key not in found]
        if missing:
            with self._engine.connect() as connection:
                found.update(self._decoded(projections.load_facts(connection, missing)))
            for key in missing:
                found.setdefault(key, {})
        return found

    @staticmethod
    def _decoded(bodies: Mapping[OrderKey, dict[str, dict[str, Any]]]) -> dict[OrderKey, dict[str, Fact]]:
        return {key: {k: fact_from_dict(body) for k, body in found.items()} for key, found in bodies.items()}

    def folded_order(self, key: OrderKey, fact_count: int) -> Order | None:
        """The order as this processor (or a lane) last folded it from exactly `fact_count`
        facts, while it is still cached (`exception_evaluation.KnownOrders`)."""
        return self._facts.folded(key, fact_count)

    def record_facts(
        self, connection: Connection, store_id: str, order_id: str, facts: Sequence[Fact]
    ) -> None:
        """Add facts Orderline itself established (a hold placed by an exception policy,
        say) and refold the order, inside the caller's transaction."""
        rows = fact_rows_for(store_id, order_id, facts, inbox_id=None)
        projections.lock_orders(connection, [(store_id, order_id)])
        projections.insert_facts(connection, rows)
        self._facts.forget([(store_id, order_id)])  # the caller's transaction may yet roll back
        stored = self._decoded(projections.load_facts(connection, [(store_id, order_id)]))
        projections.save_projections(connection, self._project(stored))

    def _project(self, stored: Mapping[OrderKey, Mapping[str, Fact]]) -> list[OrderProjection]:
        result = []
        for (store_id, order_id), facts in stored.items():
            projection = project_facts(store_id, order_id, list(facts.values()), self._ownership)
            if projection is not None:
                result.append(projection)
        return result


class FactCache:
    """The facts of the orders a processor touched lately, decoded, by fact key, and each
    order as last folded from them.

    Folding an order needs all its facts; reading and decoding them again for every
    batch that touches the order was a third of processing. Facts are only ever added
    and keyed by their content, so a cached set is right as long as the database holds
    as many facts for the order: `Processor._commit` checks the counts inside its
    transaction and reads again where another writer added some. The folded order serves
    the exception tick the same way (`folded`: the projection it reads must have been
    folded from as many facts). Bounded: the orders used least recently go first. A
    processor's lanes (threads) share one.
    """

    def __init__(self, max_orders: int = 50_000) -> None:
        self._max_orders = max_orders
        self._orders: OrderedDict[OrderKey, dict[str, Fact]] = OrderedDict()
        self._folded: dict[OrderKey, tuple[int, Order]] = {}
        self._lock = threading.Lock()

    def get(self, key: OrderKey) -> dict[str, Fact] | None:
        with self._lock:
            found = self._orders.get(key)
            if found is not None:
                self._orders.move_to_end(key)
            return found

    def folded(self, key: OrderKey, fact_count: int) -> Order | None:
        """The order folded from `fact_count` of its facts, if that is what is cached."""
        with self._lock:
            found = self._folded.get(key)
            return found[1] if found is not None and found[0] == fact_count else None

    def keep(
        self,
        stored: Mapping[OrderKey, dict[str, Fact]],
        folded: Mapping[OrderKey, OrderProjection] | None = None,
    ) -> None:
        """Remember `stored` facts (committed) and the orders just `folded` from them."""
        with self._lock:
            for key, facts in stored.items():
                self._orders[key] = facts
                self._orders.move_to_end(key)
                projection = None if folded is None else folded.get(key)
                if projection is not None and projection.order is not None:
                    self._folded[key] = (projection.fact_count, projection.order)
            while len(self._orders) > self._max_orders:
                key, _facts = self._orders.popitem(last=False)
                self._folded.pop(key, None)

    def forget(self, keys: Iterable[OrderKey]) -> None:
        with self._lock:
            for key in keys:
                self._orders.pop(key, None)
                self._folded.pop(key, None)


WRITE_CHUNK = 500
"""Deliveries per write transaction (whole orders: an order's deliveries are written together)."""


def _write_chunks(mapped: Sequence[MappedRows]) -> list[list[MappedRows]]:
    """`mapped` in groups of about `WRITE_CHUNK` deliveries, each order's in one group;
    deliveries that name no order go with the last group."""
    by_order: dict[OrderKey, list[MappedRows]] = {}
    loose: list[MappedRows] = []
    for item in mapped:
        if item.rows:
            by_order.setdefault((item.rows[0].store_id, item.rows[0].order_id), []).append(item)
        else:
            loose.append(item)
    chunks: list[list[MappedRows]] = [[]]
    for items in by_order.values():
        if len(chunks[-1]) >= WRITE_CHUNK:
            chunks.append([])
        chunks[-1].extend(items)
    chunks[-1].extend(loose)
    return chunks


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
