"""Import: a store's order history from its platform's API, through the same pipeline as webhooks.

Every fetched order is kept raw (DESIGN §1, "raw is kept") as one inbox delivery, so
`orderline replay` rebuilds imported orders like any other; then the Processor maps and
folds them, except that a Shopify import writes orders new to Orderline already folded
(`services.bulk_import`: the same rows, far fewer statements). The dedupe key is
`import:{order id}:{modified time}`: running the same import again stores nothing new
and changes no projection, while an order changed since the last run is stored (and
folded) as its new version.

- Shopify: the Admin GraphQL order node, topic `import/order`.
- WooCommerce: the REST v3 order, exactly as an `order.updated` webhook body carries it.
- BigCommerce: a thin `store/order/updated` body naming the order, as a webhook would;
  processing fetches the order, its products and shipments like it does for webhooks.

Fetching runs ahead in a thread of its own, so the platform's response time overlaps
with storing and processing what came before; each page is stored in one transaction
(the bulk path: several pages), and the Processor runs every few thousand orders, in
batches as large as its owner set.
"""

from __future__ import annotations

import hashlib
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol, TypeVar, cast

import orjson
from sqlalchemy import Engine, func, select

from orderline.clock import system_clock
from orderline.connectors.base import PayloadError
from orderline.connectors.bigcommerce.client import PAGE_LIMIT as BIGCOMMERCE_PAGE_LIMIT
from orderline.connectors.shopify.client import MAX_PAGE_SIZE, OrdersPage
from orderline.connectors.shopify.graphql_orders import IMPORT_TOPIC
from orderline.connectors.woocommerce.fields import parse_gmt
from orderline.domain.vocabulary import Platform
from orderline.services.bulk_import import BulkImport
from orderline.services.processing import Processor
from orderline.store.inbox import InboxRecord, write_records
from orderline.store.tables import inbox

PROCESS_EVERY_ORDERS = 5_000
"""Stored orders between processing runs: large batches, yet a crash loses little work."""
PREFETCH_PAGES = 24
"""Pages fetched ahead (~9 MB): enough to keep fetching while a processing run goes on."""
IMPORT_KEY_PREFIX = "import:"
"""Every import delivery's dedupe key starts so (webhooks' never do)."""
WOO_UPDATED_TOPIC = "order.updated"
BIGCOMMERCE_UPDATED_SCOPE = "store/order/updated"

T = TypeVar("T")


class OrderPages(Protocol):
    """Shopify's orders updated since a moment, in pages (ShopifyAdminClient, which reads
    them through a bulk operation)."""

    def orders_updated_since(self, since: datetime, page_size: int = ...) -> Iterator[OrdersPage]: ...


class WooOrderPages(Protocol):
    """WooCommerceClient: pages of REST v3 orders."""

    def orders_modified_since(self, since: datetime) -> Iterator[list[dict[str, Any]]]: ...


class BigCommerceOrderPages(Protocol):
    """BigCommerceClient: pages of V2 orders, and the store hash they belong to."""

    store_hash: str

    def orders_modified_since(
        self, since: datetime, page_size: int = ...
    ) -> Iterator[list[dict[str, Any]]]: ...


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
    workers: int | None = None,
) -> ImportResult:
    """Fetch every order of Shopify store `store_id` updated after `since`, store it raw, and
    process it: orders new to Orderline on the bulk path, with `workers` processes
    preparing pages once the import is large (0: none; default one per core)."""
    pages = (
        shopify_records(store_id, page, clock()) for page in client.orders_updated_since(since, page_size)
    )
    return import_in_bulk(engine, processor, store_id, pages, progress, workers=workers)


def import_woocommerce_history(
    engine: Engine,
    processor: Processor,
    client: WooOrderPages,
    store_id: str,
    since: datetime,
    progress: ImportProgress | None = None,
    *,
    clock: Callable[[], datetime] = system_clock,
) -> ImportResult:
    """Every order of WooCommerce store `store_id` modified after `since`, as `order.updated` deliveries."""
    pages = (
        [woocommerce_record(store_id, order, received_at) for order in page]
        for page, received_at in _stamped(client.orders_modified_since(since), clock)
    )
    return import_records(engine, processor, store_id, pages, progress)


def import_bigcommerce_history(
    engine: Engine,
    processor: Processor,
    client: BigCommerceOrderPages,
    store_id: str,
    since: datetime,
    progress: ImportProgress | None = None,
    *,
    clock: Callable[[], datetime] = system_clock,
    page_size: int = BIGCOMMERCE_PAGE_LIMIT,
) -> ImportResult:
    """Every order of BigCommerce store `store_id` modified since `since`, as thin
    `store/order/updated` deliveries (processing fetches each order)."""
    producer = f"stores/{client.store_hash}"
    pages = (
        [bigcommerce_record(store_id, producer, order, received_at) for order in page]
        for page, received_at in _stamped(client.orders_modified_since(since, page_size), clock)
    )
    return import_records(engine, processor, store_id, pages, progress)


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


def _stamped(pages: Iterable[T], clock: Callable[[], datetime]) -> Iterator[tuple[T, datetime]]:
    """Each page with the moment it arrived (its deliveries' `received_at`)."""
    for page in pages:
        yield page, clock()


def shopify_records(store_id: str, page: OrdersPage, received_at: datetime) -> list[InboxRecord]:
    """A page of Admin API order nodes as `import/order` deliveries, received at `received_at`."""
    records = []
    for node in page.orders:
        body = orjson.dumps(node)
        records.append(
            _record(Platform.SHOPIFY, store_id, IMPORT_TOPIC, dedupe_key(node, body), body, received_at)
        )
    return records


def woocommerce_record(store_id: str, order: dict[str, Any], received_at: datetime) -> InboxRecord:
    """The order as the body of an `order.updated` webhook, keyed `import:{id}:{date_modified_gmt}`."""
    body = orjson.dumps(order)
    order_ref, version = order.get("id"), order.get("date_modified_gmt")
    key = _import_key(order_ref, version if isinstance(version, str) else None, body)
    record = _record(Platform.WOOCOMMERCE, store_id, WOO_UPDATED_TOPIC, key, body, received_at)
    return replace(record, triggered_at=_woo_modified(version))


def bigcommerce_record(
    store_id: str, producer: str, order: dict[str, Any], received_at: datetime
) -> InboxRecord:
    """A thin `store/order/updated` body naming the order, created at its `date_modified`;
    keyed `import:{id}:{date_modified}` (the raw order's content when either is missing)."""
    order_ref, version = order.get("id"), order.get("date_modified")
    modified = _rfc2822(version)
    thin = {
        "scope": BIGCOMMERCE_UPDATED_SCOPE,
        "data": {"type": "order", "id": order_ref},
        "created_at": int((modified or received_at).timestamp()),
        "producer": producer,
    }
    key = _import_key(order_ref, version if modified is not None else None, orjson.dumps(order))
    record = _record(
        Platform.BIGCOMMERCE, store_id, BIGCOMMERCE_UPDATED_SCOPE, key, orjson.dumps(thin), received_at
    )
    return replace(record, triggered_at=modified)


def _record(
    platform: Platform, store_id: str, topic: str, key: str, body: bytes, received_at: datetime
) -> InboxRecord:
    return InboxRecord(
        platform=platform.value,
        store_id=store_id,
        topic=topic,
        dedupe_key=key,
        event_id=None,
        received_at=received_at,
        triggered_at=None,
        headers={},
        body=body,
        verified=True,
    )


def dedupe_key(node: dict[str, Any], body: bytes) -> str:
    """`import:{order id}:{updatedAt}` of a Shopify order node: one delivery per version of an order.

    A node without either (the mapping will dead-letter it) is keyed by its content.
    """
    order_ref, version = node.get("legacyResourceId") or node.get("id"), node.get("updatedAt")
    if order_ref is not None:
        order_ref = str(order_ref).rsplit("/", 1)[-1]
    return _import_key(order_ref, version if isinstance(version, str) else None, body)


def _import_key(order_ref: object, version: str | None, body: bytes) -> str:
    if order_ref is None or isinstance(order_ref, bool) or version is None:
        return f"{IMPORT_KEY_PREFIX}sha256:{hashlib.sha256(body).hexdigest()}"
    return f"{IMPORT_KEY_PREFIX}{order_ref}:{version}"


def _woo_modified(value: str | None) -> datetime | None:
    # An ordering hint only, as for webhooks: the mapper reports a malformed date itself.
    try:
        return parse_gmt(value, "date_modified_gmt")
    except PayloadError:
        return None


def _rfc2822(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


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
