"""Replay: rebuild facts and projections from the raw inbox (docs/processing.md), with nothing
that live processing decided lost and no reader ever seeing an order half rebuilt.

What replay reproduces, and how. Orderline's own decisions are kept, not re-derived:
holds its exception policy placed and released are facts without an inbox delivery
(`inbox_id` NULL), and exceptions, their history, timers and message records live in
tables of their own that replay does not touch. Re-deciding them while replaying (running
the scheduler at each original decision moment) would need every past `now` and the
policy as it was then, and could still differ (a policy edited since, a message the
cadence would now time differently); keeping them is exact by construction. Replay
therefore rebuilds only what is derived from the raw bodies: each delivery's facts, and
the fold of the order from all its facts, Orderline's included. With an unchanged
mapping the result equals what live processing left, at any date.

How. Every delivery up to the newest one at the start is mapped again into a staging
table (`replay_facts`); then the orders are swapped a few hundred at a time, each swap one
transaction that replaces the orders' inbox-derived facts with the staged ones and
rewrites the projections that changed. A reader sees the old order or the new one,
never one without its holds. Orders whose projection changed are made due, so the next
tick re-evaluates their exceptions at its own `now`; unchanged orders keep their timers.
A delivery that no longer maps (quarantined, or waiting for a platform API) keeps the
facts it gave before. Deliveries received while the replay runs belong to live processing.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine

from orderline.domain.facts import fact_from_dict
from orderline.domain.order import Order, order_from_dict
from orderline.persistence import inbox_queue, projections, replay_staging, workers
from orderline.persistence.processing_tables import replay_facts
from orderline.persistence.projections import OrderKey, OrderProjection
from orderline.services import scheduler
from orderline.services.order_rows import fulfillment_orders, project_facts
from orderline.services.processing import MappedRows, Processor, record_outcomes

STAGE_BATCH = 500
SWAP_BATCH = 200
WORKER_FRESH = timedelta(seconds=15)

Findings = Callable[[Order], set[str]]
"""The exception types detectors would find for an order at the replay's `now` (for the
dry run's diff)."""


REPLAY_PREFIX = "replay:"
"""Heartbeat ids of running replays (in the workers table, beside processing workers)."""


class ReplayRunning(RuntimeError):
    """Another replay runs on the same database: two would empty each other's staging."""


@dataclass(frozen=True, slots=True)
class OrderChange:
    """One order whose projection a replay changes (or would change)."""

    store_id: str
    order_id: str
    differences: tuple[str, ...]


@dataclass(slots=True)
class ReplayResult:
    deliveries: int = 0
    orders: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    changed: list[OrderChange] = field(default_factory=list)
    dry_run: bool = False


def running_workers(engine: Engine, now: datetime) -> list[dict[str, object]]:
    """Processing workers whose heartbeat is fresh at `now`."""
    with engine.connect() as connection:
        alive = workers.alive(connection, now, WORKER_FRESH)
    return [worker for worker in alive if not str(worker["worker_id"]).startswith(REPLAY_PREFIX)]


def replay_size(engine: Engine, store_id: str | None = None) -> int:
    """How many deliveries a replay maps (for a progress bar)."""
    with engine.connect() as connection:
        return inbox_queue.replayable_count(connection, store_id)


def replay_inbox(
    engine: Engine,
    processor: Processor,
    progress: Callable[[int], None] | None = None,
    *,
    store_id: str | None = None,
    dry_run: bool = False,
    findings: Findings | None = None,
) -> ReplayResult:
    """Map every verified delivery again (only `store_id`'s when given) and swap the
    orders' facts and projections; with `dry_run`, only report what would change.
    Raises ReplayRunning when another replay runs on the same database."""
    run = _Run(engine, processor, store_id, ReplayResult(dry_run=dry_run), findings)
    run.start()
    try:
        kept = run.stage(progress)
        run.swap(kept)
    finally:
        run.finish()
    return run.result


@dataclass(slots=True)
class _Run:
    """One replay: its heartbeat (so a second replay refuses to start and empty this one's
    staging), the inbox boundary it covers, and what it found."""

    engine: Engine
    processor: Processor
    store_id: str | None
    result: ReplayResult
    findings: Findings | None
    worker_id: str = field(
        default_factory=lambda: f"{REPLAY_PREFIX}{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    )
    up_to: int = 0
    now: datetime | None = None

    def start(self) -> None:
        self.now = self.processor.clock()
        with self.engine.begin() as connection:
            alive = workers.alive(connection, self.now, WORKER_FRESH)
            others = [w["worker_id"] for w in alive if str(w["worker_id"]).startswith(REPLAY_PREFIX)]
            if others:
                raise ReplayRunning(f"another replay is running on this database ({others[0]})")
            self._beat(connection)
            replay_staging.clear(connection)
            self.up_to = inbox_queue.last_id(connection)

    def finish(self) -> None:
        with self.engine.begin() as connection:
            replay_staging.clear(connection)
            workers.leave(connection, self.worker_id)

    def _beat(self, connection: Connection) -> None:
        workers.beat(connection, self.worker_id, socket.gethostname(), os.getpid(), self.processor.clock())

    def stage(self, progress: Callable[[int], None] | None) -> set[int]:
        """Map the deliveries into the staging table; returns the ids whose old facts stay
        (they did not map this time)."""
        kept: set[int] = set()
        after = 0
        while True:
            with self.engine.connect() as connection:
                batch = inbox_queue.fetch_replayable(
                    connection, after, self.up_to, STAGE_BATCH, self.store_id
                )
            if not batch:
                return kept
            now = self.processor.clock()
            mapped = [self.processor.map(delivery, now) for delivery in batch]
            kept.update(item.delivery.inbox_id for item in mapped if not _remapped(item))
            with self.engine.begin() as connection:
                self._beat(connection)
                rows = [row for item in mapped for row in item.rows]
                projections.insert_facts(connection, rows, replay_facts)
                if not self.result.dry_run:
                    _record(connection, mapped, now)
            for item in mapped:
                self.result.outcomes[item.outcome.status] = (
                    self.result.outcomes.get(item.outcome.status, 0) + 1
                )
            self.result.deliveries += len(batch)
            after = batch[-1].inbox_id
            if progress is not None:
                progress(len(batch))

    def swap(self, kept: set[int]) -> None:
        """Each chunk of orders in one transaction: facts swapped, changed projections saved."""
        with self.engine.connect() as connection:
            keys = list(replay_staging.affected_orders(connection, self.up_to, self.store_id))
        for start in range(0, len(keys), SWAP_BATCH):
            chunk = keys[start : start + SWAP_BATCH]
            with self.engine.begin() as connection:
                self._beat(connection)
                self._swap_chunk(connection, chunk, kept)

    def _swap_chunk(self, connection: Connection, chunk: list[OrderKey], kept: set[int]) -> None:
        projections.lock_orders(connection, chunk)
        before = replay_staging.current_states(connection, chunk)
        after = _fold(replay_staging.facts_after_swap(connection, chunk, self.up_to, kept), self.processor)
        changed = [key for key in chunk if _differs(before.get(key), after.get(key))]
        self.result.orders += len(chunk)
        self.result.changed.extend(
            _change(key, before.get(key), after.get(key), self.findings) for key in changed
        )
        if self.result.dry_run:
            return
        replay_staging.swap_facts(connection, chunk, self.up_to, kept)
        projections.save_projections(connection, [after[key] for key in changed if key in after])
        replay_staging.drop_orders(connection, [key for key in changed if key not in after])
        assert self.now is not None
        scheduler.enqueue_now(connection, [key for key in changed if key in after], self.now)


def _remapped(item: MappedRows) -> bool:
    return item.outcome.status in (inbox_queue.PROCESSED, inbox_queue.IGNORED)


def _record(connection: Connection, mapped: Sequence[MappedRows], now: datetime) -> None:
    # A delivery whose platform API is down now keeps its outcome as well as its facts:
    # it was mapped before, and nothing is gained by sending it through the wait again.
    mapped = [item for item in mapped if item.outcome.status != inbox_queue.WAITING]
    rows = [row for item in mapped for row in item.rows]
    projections.remember_fulfillment_orders(connection, fulfillment_orders(rows))
    inbox_queue.reset_for_replay(connection, [item.delivery.inbox_id for item in mapped])
    record_outcomes(connection, mapped, now)


def _fold(
    stored: dict[OrderKey, dict[str, dict[str, Any]]], processor: Processor
) -> dict[OrderKey, OrderProjection]:
    folded = {}
    for (store_id, order_id), bodies in stored.items():
        facts = [fact_from_dict(body) for body in bodies.values()]
        projection = project_facts(store_id, order_id, facts, processor.ownership)
        if projection is not None:
            folded[(store_id, order_id)] = projection
    return folded


def _differs(before: tuple[dict[str, Any], int] | None, after: OrderProjection | None) -> bool:
    if before is None or after is None:
        return before is not None or after is not None
    return before[0] != after.state or before[1] != after.fact_count


def _change(
    key: OrderKey,
    before: tuple[dict[str, Any], int] | None,
    after: OrderProjection | None,
    findings: Findings | None,
) -> OrderChange:
    old = before[0] if before is not None else None
    new = after.state if after is not None else None
    lines: list[str] = []
    if old is None or new is None:
        lines.append("order appears" if old is None else "order disappears")
    else:
        for name in ("status", "payment_status", "fulfillment_status", "owner"):
            if old.get(name) != new.get(name):
                lines.append(f"{name}: {old.get(name)} -> {new.get(name)}")
        lines.extend(_set_diff("holds", _holds(old), _holds(new)))
        if findings is not None:
            lines.extend(
                _set_diff("exceptions", findings(order_from_dict(old)), findings(order_from_dict(new)))
            )
        if not lines:
            lines.append("timeline or details")
    return OrderChange(key[0], key[1], tuple(lines))


def _holds(state: dict[str, Any]) -> set[str]:
    return {f"{hold['reason']} ({hold['hold_group']})" for hold in state.get("holds", [])}


def _set_diff(name: str, old: set[str], new: set[str]) -> list[str]:
    if old == new:
        return []
    gone = ", ".join(sorted(old - new)) or "-"
    added = ", ".join(sorted(new - old)) or "-"
    return [f"{name}: -{gone} +{added}"]
