"""Import: a store's order history from its platform's API, through the same pipeline as webhooks.

Every fetched order is kept raw ("raw is kept") as one inbox delivery, so
`orderline replay` rebuilds imported orders like any other; then the Processor maps and
folds them. What a delivery is comes from the store's platform plugin
(`connectors/<platform>/history.py`): its body, its topic and its dedupe key
`import:{order id}:{modified time}`, so running the same import again stores nothing
new and changes no projection, while an order changed since the last run is stored (and
folded) as its new version. A history whose deliveries map from their body alone is
written on the bulk path (`services.bulk_import`: orders new to Orderline already
folded, the same rows in far fewer statements).

Fetching runs ahead in a thread of its own, so the platform's response time overlaps
with storing and processing what came before; each page is stored in one transaction
(the bulk path: several pages), and the Processor runs every few thousand orders, in
batches as large as its owner set.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar, cast

from sqlalchemy import Engine, func, select

from orderline.clock import system_clock
from orderline.config import StoreConfig
from orderline.connectors.history import IMPORT_KEY_PREFIX as IMPORT_KEY_PREFIX  # read by messaging
from orderline.connectors.history import ImportedDelivery, OrderHistory
from orderline.connectors.plugin import StatusHook
from orderline.connectors.registry import platform_named
from orderline.persistence.inbox import InboxRecord, write_records
from orderline.persistence.tables import inbox
from orderline.services.bulk_import import BulkImport
from orderline.services.processing import Processor

PROCESS_EVERY_ORDERS = 5_000
"""Stored orders between processing runs: large batches, yet a crash loses little work."""
PREFETCH_PAGES = 24
"""Pages fetched ahead (~9 MB): enough to keep fetching while a processing run goes on."""

T = TypeVar("T")


class ImportProgress(Protocol):
    def fetched(self, orders: int) -> None: ...
    def processed(self, deliveries: int) -> None: ...


class _Silent:
    def fetched(self, orders: int) -> None:
        pass

    def processed(self, deliveries: int) -> None:
        pass


@dataclass(slots=True)
class ImportResult:
    fetched: int = 0
    """Orders read from the API."""
    stored: int = 0
    """Of those, new to the inbox (the rest were stored by an earlier import)."""
    processed: int = 0
    """Deliveries the Processor handled meanwhile (webhooks that were pending too)."""


class ImportStopped(RuntimeError):
    """The platform's API refused a call of the import or kept failing; what was stored
    so far is kept, and running the import again continues safely."""


def import_store(
    engine: Engine,
    processor: Processor,
    store: StoreConfig,
    since: datetime,
    progress: ImportProgress | None = None,
    *,
    clock: Callable[[], datetime] = system_clock,
    on_status: StatusHook | None = None,
) -> ImportResult:
    """Every order of `store` modified after `since`, read through its platform's API
    (the store must set the credentials `store.missing_credentials()` names). Raises
    ImportStopped when the API refuses or keeps failing."""
    platform = platform_named(store.platform)
    try:
        with platform.history(store, on_status) as history:
            return import_history(engine, processor, history, store.id, since, progress, clock=clock)
    except platform.api_errors as error:
        raise ImportStopped(str(error)) from error


def import_history(
    engine: Engine,
    processor: Processor,
    history: OrderHistory,
    store_id: str,
    since: datetime,
    progress: ImportProgress | None = None,
    *,
    clock: Callable[[], datetime] = system_clock,
    workers: int | None = None,
) -> ImportResult:
    """Fetch every order of store `store_id` in `history` modified after `since`, store it
    raw, and process it: on the bulk path when the history allows it, with `workers`
    processes preparing pages once the import is large (0: none; default one per core)."""
    pages = (inbox_records(history.platform, store_id, page) for page in history.pages(since, clock))
    if history.imports_in_bulk:
        return import_in_bulk(engine, processor, store_id, pages, progress, workers=workers)
    return import_records(engine, processor, store_id, pages, progress)


def inbox_records(platform: str, store_id: str, deliveries: Sequence[ImportedDelivery]) -> list[InboxRecord]:
    """Import deliveries as the inbox keeps them: verified, with no headers."""
    return [
        InboxRecord(
            platform=platform,
            store_id=store_id,
            topic=delivery.topic,
            dedupe_key=delivery.dedupe_key,
            event_id=None,
            received_at=delivery.received_at,
            triggered_at=delivery.triggered_at,
            headers={},
            body=delivery.body,
            verified=True,
        )
        for delivery in deliveries
    ]


def import_records(
    engine: Engine,
    processor: Processor,
    store_id: str,
    pages: Iterable[list[InboxRecord]],
    progress: ImportProgress | None = None,
) -> ImportResult:
    """Store each page of deliveries (fetched ahead in a thread) in one transaction, processing
    every few thousand; `stored` counts the import deliveries of `store_id` that are new."""
    progress = progress or _Silent()
    result = ImportResult()
    stored_before = count_imported(engine, store_id)
    unprocessed = 0
    for records in _prefetched(pages, PREFETCH_PAGES):
        with engine.begin() as connection:
            write_records(connection, records)
        result.fetched += len(records)
        unprocessed += len(records)
        progress.fetched(len(records))
        if unprocessed >= PROCESS_EVERY_ORDERS:
            result.processed += processor.run_until_idle(progress.processed)
            unprocessed = 0
    result.processed += processor.run_until_idle(progress.processed)
    result.stored = count_imported(engine, store_id) - stored_before
    return result


def import_in_bulk(
    engine: Engine,
    processor: Processor,
    store_id: str,
    pages: Iterable[list[InboxRecord]],
    progress: ImportProgress | None = None,
    *,
    workers: int | None = None,
) -> ImportResult:
    """As `import_records`, with orders new to Orderline written already folded (see
    `services.bulk_import`); the Processor handles the other deliveries every few thousand."""
    progress = progress or _Silent()
    result = ImportResult()
    stored_before = count_imported(engine, store_id)
    pending = 0
    with BulkImport(engine, processor, store_id, workers=workers) as bulk:
        for page in bulk.write_pages(_prefetched(pages, PREFETCH_PAGES)):
            result.fetched += page.fetched
            result.processed += page.processed
            progress.fetched(page.fetched)
            if page.processed:
                progress.processed(page.processed)
            pending += page.pending
            if pending >= PROCESS_EVERY_ORDERS:
                result.processed += processor.run_until_idle(progress.processed)
                pending = 0
    result.processed += processor.run_until_idle(progress.processed)
    result.stored = count_imported(engine, store_id) - stored_before
    return result


def count_imported(engine: Engine, store_id: str) -> int:
    """Deliveries of `store_id` stored by an import, whatever the platform."""
    with engine.connect() as connection:
        count = connection.execute(
            select(func.count()).where(
                inbox.c.store_id == store_id,
                inbox.c.dedupe_key.startswith(IMPORT_KEY_PREFIX, autoescape=True),
            )
        ).scalar_one()
    return int(count)


_DONE = object()


def _prefetched(items: Iterable[T], depth: int) -> Iterator[T]:
    """`items`, produced up to `depth` ahead in a worker thread; its errors re-raise here.

    When the consumer stops early, the worker stops after the item it is producing.
    """
    handoff: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def offer(item: object) -> bool:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not offer(item):
                    return
            offer(_DONE)
        except BaseException as error:
            offer(error)

    threading.Thread(target=produce, name="orderline-import-fetch", daemon=True).start()
    try:
        while (item := handoff.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield cast(T, item)
    finally:
        stop.set()
