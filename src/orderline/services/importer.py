"""Import: a store's order history from its platform's API, through the same pipeline as webhooks.

Every fetched order is kept raw (DESIGN §1, "raw is kept") as one inbox delivery of topic
`import/order`, so `orderline replay` rebuilds imported orders like any other; then the
Processor maps and folds them. The dedupe key is the order's id and `updatedAt`: running
the same import again stores nothing new and changes no projection, while an order
changed since the last run is stored (and folded) as its new version.

Fetching runs ahead in a thread of its own, so the platform's response time overlaps
with storing and processing what came before; each page is stored in one transaction,
and the Processor runs every few thousand orders, in batches as large as its owner set.
"""

from __future__ import annotations

import hashlib
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar, cast

import orjson
from sqlalchemy import Engine, func, select

from orderline.clock import system_clock
from orderline.connectors.shopify.client import MAX_PAGE_SIZE, OrdersPage
from orderline.connectors.shopify.graphql_orders import IMPORT_TOPIC
from orderline.domain.vocabulary import Platform
from orderline.services.processing import Processor
from orderline.store.inbox import InboxRecord, write_records
from orderline.store.tables import inbox

PROCESS_EVERY_ORDERS = 5_000
"""Stored orders between processing runs: large batches, yet a crash loses little work."""
PREFETCH_PAGES = 24
"""Pages fetched ahead (~9 MB): enough to keep fetching while a processing run goes on."""


class OrderPages(Protocol):
    """The platform API's paged orders (ShopifyAdminClient)."""

    def orders_updated_since(self, since: datetime, page_size: int = ...) -> Iterator[OrdersPage]: ...


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


def import_history(
    engine: Engine,
    processor: Processor,
    client: OrderPages,
    store_id: str,
    since: datetime,
    progress: ImportProgress | None = None,
    *,
    clock: Callable[[], datetime] = system_clock,
    page_size: int = MAX_PAGE_SIZE,
) -> ImportResult:
    """Fetch every order of `store_id` updated after `since`, store it raw, and process it."""
    progress = progress or _Silent()
    result = ImportResult()
    stored_before = count_imported(engine, store_id)
    unprocessed = 0
    pages = (_records(store_id, page, clock()) for page in client.orders_updated_since(since, page_size))
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


def count_imported(engine: Engine, store_id: str) -> int:
    with engine.connect() as connection:
        count = connection.execute(
            select(func.count()).where(inbox.c.store_id == store_id, inbox.c.topic == IMPORT_TOPIC)
        ).scalar_one()
    return int(count)


def _records(store_id: str, page: OrdersPage, received_at: datetime) -> list[InboxRecord]:
    records = []
    for node in page.orders:
        body = orjson.dumps(node)
        records.append(
            InboxRecord(
                platform=Platform.SHOPIFY.value,
                store_id=store_id,
                topic=IMPORT_TOPIC,
                dedupe_key=dedupe_key(node, body),
                event_id=None,
                received_at=received_at,
                triggered_at=None,
                headers={},
                body=body,
                verified=True,
            )
        )
    return records


def dedupe_key(node: dict[str, Any], body: bytes) -> str:
    """`import:{order id}:{updatedAt}`: one delivery per version of an order.

    A node without either (the mapping will dead-letter it) is keyed by its content.
    """
    order_ref, version = node.get("legacyResourceId") or node.get("id"), node.get("updatedAt")
    if order_ref is None or not isinstance(version, str):
        return f"import:sha256:{hashlib.sha256(body).hexdigest()}"
    return f"import:{str(order_ref).rsplit('/', 1)[-1]}:{version}"


_DONE = object()
T = TypeVar("T")


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
