"""The bulk path of an import: orders new to Orderline, written a page per transaction.

An import mostly brings orders Orderline has never seen, for which the Processor's
general path (store raw, read pending back, load stored facts, fold, upsert, replace
the timeline) does work that cannot matter. Here each page is mapped, folded and
encoded first (`services.import_preparation`, in worker processes once an import is
large), then written in one transaction that decides, holding the write lock, which of
its orders really are new: their deliveries are stored already processed, with their
facts, projection, timeline and scheduler timer, as the Processor would have left them.
Every other delivery (its order has facts already, it does not map, it needs a lookup)
is stored pending, and the Processor handles it exactly as it handles a webhook.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType

from sqlalchemy import Connection, Engine

from orderline.persistence import bulk_import, projections
from orderline.persistence.bulk_import import RowEncoder
from orderline.persistence.inbox import InboxRecord
from orderline.services import scheduler
from orderline.services.import_preparation import (
    PageJob,
    PreparedPage,
    fewer_collections,
    prepare_page,
    start_worker,
    unprepared,
)
from orderline.services.processing import Processor

POOL_AFTER_ORDERS = 5_000
"""Orders prepared in-process before worker processes start: starting one costs about
as much as preparing a couple of thousand orders, so small imports never pay for it."""
MAX_WORKERS = 4
"""Beyond this the writer, not preparation, bounds the import."""
AHEAD_PAGES = 12
"""Pages fetched and prepared ahead of the one being written: keeps every worker busy."""
COMMIT_EVERY_ORDERS = 2_000
"""Deliveries per transaction at most. One fsync per page cost a third of the writing;
intake waits for the write lock meanwhile, ~0.2 s at this size."""


def default_workers() -> int:
    """Worker processes for preparing pages: one per core, within MAX_WORKERS."""
    return max(1, min(MAX_WORKERS, os.cpu_count() or 1))


@dataclass(frozen=True, slots=True)
class PageWritten:
    fetched: int
    """Deliveries in the page."""
    processed: int
    """Of those, stored with their order already folded."""
    pending: int
    """Of those, stored for the Processor (the rest were stored before)."""


class BulkImport:
    """Writes pages of one store's import deliveries; use as a context manager (it may
    own worker processes)."""

    def __init__(
        self,
        engine: Engine,
        processor: Processor,
        store_id: str,
        *,
        workers: int | None = None,
        pool_after_orders: int | None = None,
    ) -> None:
        self._engine = engine
        self._processor = processor
        self._store_id = store_id
        self._encoder = RowEncoder(engine.dialect.name)
        self._workers = default_workers() if workers is None else workers
        self._pool_after = POOL_AFTER_ORDERS if pool_after_orders is None else pool_after_orders
        self._pool: ProcessPoolExecutor | None = None
        self._prepared = 0

    def __enter__(self) -> BulkImport:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def write_pages(self, pages: Iterable[Sequence[InboxRecord]]) -> Iterator[PageWritten]:
        """Write each page, in order, while the next few are prepared; a page is reported
        once committed."""
        waiting: deque[_Page] = deque()
        with fewer_collections():
            for records in pages:
                waiting.append(self._page(records))
                while len(waiting) > AHEAD_PAGES:
                    yield from self._write_ready(waiting)
            while waiting:
                yield from self._write_ready(waiting)

    def _page(self, records: Sequence[InboxRecord]) -> _Page:
        # An earlier import stored some already; skipping them here saves preparing them again.
        with self._engine.connect() as connection:
            known = bulk_import.known_dedupe_keys(connection, self._store_id, (r.dedupe_key for r in records))
        fresh = tuple(record for record in records if record.dedupe_key not in known)
        return _Page(len(records), fresh, self._prepare(fresh))

    def _prepare(self, deliveries: tuple[InboxRecord, ...]) -> Future[PreparedPage]:
        connector = self._processor.connector(deliveries[0].platform) if deliveries else None
        if connector is None:
            return _done(unprepared(deliveries, self._encoder))
        job = PageJob(self._store_id, connector, self._processor.ownership, self._encoder, deliveries)
        self._prepared += len(deliveries)
        if self._pool is None and self._workers > 0 and self._prepared > self._pool_after:
            # spawn: forking while the fetch thread runs could copy a lock it holds.
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(self._workers, mp_context=context, initializer=start_worker)
        if self._pool is None:
            return _done(prepare_page(job))
        return self._pool.submit(prepare_page, job)

    def _write_ready(self, waiting: deque[_Page]) -> list[PageWritten]:
        """The first waiting page and those prepared right behind it, in one transaction:
        the write lock is never held while waiting for the API or a worker."""
        batch = [waiting.popleft()]
        prepared = [batch[0].prepared.result()]
        while (
            waiting and waiting[0].prepared.done() and sum(len(p.fresh) for p in batch) < COMMIT_EVERY_ORDERS
        ):
            batch.append(waiting.popleft())
            prepared.append(batch[-1].prepared.result())
        if not any(page.fresh for page in batch):
            return [PageWritten(page.fetched, 0, 0) for page in batch]
        now = self._processor.clock()
        with bulk_import.begin_write(self._engine) as connection:
            return [
                self._write(connection, page.fetched, page.fresh, ready, now)
                for page, ready in zip(batch, prepared, strict=True)
            ]

    def _write(
        self,
        connection: Connection,
        fetched: int,
        fresh: tuple[InboxRecord, ...],
        page: PreparedPage,
        now: datetime,
    ) -> PageWritten:
        new, stored = self._write_inbox(connection, fresh, page, now)
        orders = [page.orders[order_id] for order_id in page.orders if order_id in new]
        ids = bulk_import.inbox_ids(connection, self._store_id, (r.dedupe_key for r in fresh))
        # A delivery stored meanwhile has no id of ours, but no new order's facts name it.
        delivery_ids = [ids.get(record.dedupe_key, 0) for record in fresh]
        bulk_import.insert_new_orders(connection, self._store_id, orders, delivery_ids)
        named = [row for row in page.fulfillment_orders if row[2] in new]
        projections.remember_fulfillment_orders(connection, named)
        # Exceptions are evaluated by the scheduler; a new order is due now, as in processing.
        scheduler.enqueue_now(connection, [(self._store_id, order_id) for order_id in new], now)
        processed = sum(1 for order_id in page.order_of if order_id in new)
        return PageWritten(fetched, processed, stored - processed)

    def _write_inbox(
        self, connection: Connection, fresh: tuple[InboxRecord, ...], page: PreparedPage, now: datetime
    ) -> tuple[set[str], int]:
        """Store the page's deliveries still unknown; returns the orders new to Orderline
        (their deliveries are stored processed, every other one pending) and how many
        deliveries were stored."""
        known = bulk_import.known_dedupe_keys(connection, self._store_id, (r.dedupe_key for r in fresh))
        stored_meanwhile = {page.order_of[i] for i, r in enumerate(fresh) if r.dedupe_key in known}
        candidates = {order_id for order_id in page.orders if order_id not in stored_meanwhile}
        projections.lock_orders(connection, [(self._store_id, order_id) for order_id in candidates])
        new = candidates - bulk_import.stored_orders(connection, self._store_id, candidates)
        rows = [
            (*prefix, *self._encoder.outcome(order_id if order_id in new else None, now))
            for record, order_id, prefix in zip(fresh, page.order_of, page.inbox_rows, strict=True)
            if record.dedupe_key not in known
        ]
        bulk_import.insert_inbox(connection, rows)
        return new, len(rows)


@dataclass(frozen=True, slots=True)
class _Page:
    fetched: int
    fresh: tuple[InboxRecord, ...]
    """The page's deliveries not stored before."""
    prepared: Future[PreparedPage]


def _done(result: PreparedPage) -> Future[PreparedPage]:
    future: Future[PreparedPage] = Future()
    future.set_result(result)
    return future
