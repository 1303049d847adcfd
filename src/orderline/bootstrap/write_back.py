"""Wiring of holds written back to the platforms: which stores write back (`write_back`,
on by default where the store has its API credentials), the evaluation listener that
queues the writes, and the worker that performs them through each platform's writer.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from orderline.config import OrderlineConfig, StoreConfig
from orderline.connectors.registry import platform_named
from orderline.domain.platform_writes import HoldWriter
from orderline.services.outbox_sending import OutboxTerms
from orderline.services.platform_writeback import HoldWriteBack, PlatformWriteWorker, StoreWriters, WriterFor


@dataclass(frozen=True)
class WriteBack:
    listener: HoldWriteBack
    worker: PlatformWriteWorker


def build_write_back(
    config: OrderlineConfig, engine: Engine, terms: OutboxTerms, writer_for: WriterFor | None = None
) -> WriteBack | None:
    """The write-back of the stores that write back; None when none does. `writer_for`
    replaces the platforms' writers (tests)."""
    stores = {store.id: store for store in config.stores if store.writes_back}
    if not stores:
        return None

    def platform_for(store_id: str) -> str | None:
        store = stores.get(store_id)
        return None if store is None else store.platform.value

    def make(store_id: str) -> HoldWriter | None:
        store: StoreConfig | None = stores.get(store_id)
        return None if store is None else platform_named(store.platform.value).hold_writer(store)

    writers = writer_for if writer_for is not None else StoreWriters(make)
    return WriteBack(HoldWriteBack(platform_for), PlatformWriteWorker(engine, writers, terms))
