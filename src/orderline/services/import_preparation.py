"""Preparing a page of import deliveries for the bulk path, away from the database.

Maps each delivery with its platform's connector, folds every order the page names from
the page's facts alone, and encodes the rows an order new to Orderline starts with
(`store.bulk_import.NewOrderRows`). Pure CPU, picklable both ways, so it runs in worker
processes; the writer (`services.bulk_import`) decides which orders really are new.
Mapping, fact rows and fold are the Processor's own functions: that is what keeps a
bulk-imported order identical to a processed one.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import orjson

from orderline.connectors.base import Connector, Delivery, MappedDelivery, PayloadError, RetryLater
from orderline.domain.lifecycle import Ownership
from orderline.persistence.bulk_import import NewOrderRows, RowEncoder
from orderline.persistence.inbox import InboxRecord
from orderline.persistence.projections import FactRow
from orderline.services.order_rows import fact_rows_for, fulfillment_orders, project_facts


@dataclass(frozen=True, slots=True)
class PageJob:
    store_id: str
    connector: Connector
    ownership: Ownership | None
    encoder: RowEncoder
    deliveries: tuple[InboxRecord, ...]


@dataclass(frozen=True, slots=True)
class PreparedPage:
    order_of: tuple[str | None, ...]
    """Per delivery, the order it maps to; None leaves it to the Processor (it does not
    map, is ignored, or would need a lookup)."""
    orders: dict[str, NewOrderRows]
    """Per order the page names, its rows if nothing was stored for it before."""
    fulfillment_orders: tuple[tuple[str, str, str], ...]
    """(store_id, fulfillment_order_id, order_id) that hold facts of the page name."""
    inbox_rows: tuple[tuple[Any, ...], ...]
    """Per delivery, its inbox row up to the outcome (`RowEncoder.inbox_row`)."""


YOUNG_OBJECTS_PER_COLLECTION = 50_000
"""The collector's first threshold while preparing (CPython's default is 700). Preparing
a page allocates a few hundred thousand short-lived objects; at the default every few
hundred of them set off a collection, which cost a quarter of the preparing, and
the objects scanned are nearly all garbage a moment later anyway."""


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Collect garbage less often for the duration (the process's setting is restored)."""
    before = gc.get_threshold()
    gc.set_threshold(YOUNG_OBJECTS_PER_COLLECTION, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


WORKER_NICENESS = 10
"""How much lower a worker's CPU priority is than the importing process's. The writer in
the importing process is the import's one serial part: with every core busy preparing,
it waited for a core often enough to cost a tenth of the import's rate."""


def start_worker() -> None:
    """A worker process's initializer: it yields the CPU to the writer, what it imported
    stays put (never scanned again), and it collects as seldom as `fewer_collections`."""
    os.nice(WORKER_NICENESS)
    gc.freeze()
    gc.set_threshold(YOUNG_OBJECTS_PER_COLLECTION, *gc.get_threshold()[1:])


class _NoLookups:
    """The bulk path maps self-contained deliveries only: one that needs to find its
    order (a thin hold payload) is left unresolved, so the Processor handles it."""

    def order_for_fulfillment_order(self, store_id: str, fulfillment_order_id: str) -> str | None:
        return None


def prepare_page(job: PageJob) -> PreparedPage:
    """Map, fold and encode a page; facts two deliveries share are kept once, the first's."""
    order_of: list[str | None] = []
    by_order: dict[str, dict[str, FactRow]] = {}
    for index, delivery in enumerate(job.deliveries):
        mapped = _map(job, delivery)
        if mapped is None or mapped.order_id is None:
            order_of.append(None)
            continue
        order_of.append(mapped.order_id)
        rows = by_order.setdefault(mapped.order_id, {})
        # inbox_id carries the delivery's index until the writer knows its inbox id.
        for row in fact_rows_for(job.store_id, mapped.order_id, mapped.facts, inbox_id=index):
            rows.setdefault(row.fact_key, row)
    new_orders = {
        order_id: _new_order(job, order_id, list(rows.values())) for order_id, rows in by_order.items()
    }
    named = fulfillment_orders([row for rows in by_order.values() for row in rows.values()])
    inbox_rows = tuple(job.encoder.inbox_row(delivery) for delivery in job.deliveries)
    return PreparedPage(tuple(order_of), new_orders, tuple(named), inbox_rows)


def unprepared(deliveries: tuple[InboxRecord, ...], encoder: RowEncoder) -> PreparedPage:
    """A page left wholly to the Processor (no connector maps its platform)."""
    rows = tuple(encoder.inbox_row(delivery) for delivery in deliveries)
    return PreparedPage((None,) * len(deliveries), {}, (), rows)


def _map(job: PageJob, delivery: InboxRecord) -> MappedDelivery | None:
    try:
        payload = orjson.loads(delivery.body)
        mapped = job.connector.map_delivery(
            Delivery(job.store_id, delivery.topic, payload, delivery.received_at, delivery.triggered_at),
            _NoLookups(),
        )
    except (orjson.JSONDecodeError, PayloadError, RetryLater):
        return None  # the Processor dead-letters or retries it, as for any delivery
    return None if mapped.ignored is not None else mapped


def _new_order(job: PageJob, order_id: str, rows: list[FactRow]) -> NewOrderRows:
    projection = project_facts(job.store_id, order_id, [row.fact for row in rows], job.ownership)
    return job.encoder.new_order(order_id, rows, projection)
