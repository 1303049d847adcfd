"""Holds written back to the platforms, and the platform's answer to them.

A hold Orderline places is placed on the platform too (a Shopify fulfillment-order hold,
WooCommerce `on-hold` with a note, BigCommerce the store's hold status with a staff
note) and released there when Orderline releases it, so a warehouse app that picks from
the platform does not ship what Orderline holds.

- `HoldWriteBack`, an evaluation listener, queues one `platform_writes` row per hold the
  evaluation placed or released, in its transaction, keyed by the hold change: evaluating
  again never queues twice. Stores with `write_back: false` queue nothing.
- `PlatformWriteWorker` performs due rows through the platform's writer
  (`connectors/<platform>/writeback.py`) with the outbox's lease and retry policy; every
  attempt is logged and shows on the order's timeline (`write_entries`).
- Echoes: the platform reports Orderline's write back in a webhook. The connectors
  recognise Orderline's marker (`domain.platform_writes`) and map such a hold to no fact,
  so an echo changes nothing and is never drift.
- A merchant who releases Orderline's hold on the platform: the platform's own release
  (a `HoldsReleased` fact on a platform hold group the placement touched, after the
  placement was written, that does not keep the hold's reason) is noticed here, at the
  order's next evaluation. The exception is resolved by the person `platform:<store>` — a
  human decision that stands while the finding is the same — so Orderline releases its
  hold too and writes nothing back (the platform has it already). The timeline says who.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import Connection, Engine

from orderline.channels.channel import Outcome
from orderline.domain.order import HOLD_GROUP_PREFIX, Order
from orderline.domain.platform_writes import (
    HoldWriter,
    PlatformWrite,
    WriteAction,
    WriteOutcome,
    WriteResult,
)
from orderline.domain.vocabulary import HoldReason
from orderline.logs import fields
from orderline.persistence import outbox
from orderline.persistence import platform_write_records as records
from orderline.persistence.outbox import Claim, Ending, Failed, RetryLater, Sent
from orderline.persistence.platform_write_records import PLATFORM_WRITES, StoredWrite
from orderline.services.exception_actions import Action, ExceptionClosed, ExceptionNotFound, ExceptionRef, act
from orderline.services.exception_evaluation import Evaluation
from orderline.services.outbox_sending import DEFAULT_TERMS, OutboxTerms, OutboxWorker

log = logging.getLogger(__name__)

PlatformFor = Callable[[str], str | None]
"""The platform of a store that writes holds back; None when it does not (`write_back`)."""
WriterFor = Callable[[str], HoldWriter | None]
"""The hold writer of a store; None when it has none."""

RELEASED_ON_PLATFORM = "hold released on the platform"


def platform_person(store_id: str) -> str:
    """Who acted, when someone released Orderline's hold on the platform itself."""
    return f"platform:{store_id}"


@dataclass(frozen=True)
class HoldWriteBack:
    """Evaluation listener: a platform write per Orderline hold placed or released, and
    Orderline's hold released where the merchant released it on the platform."""

    platform_for: PlatformFor

    def evaluated(
        self, connection: Connection, order: Order, evaluation: Evaluation, now: datetime
    ) -> datetime | None:
        platform = self.platform_for(order.store_id)
        if platform is None:
            return None
        queue_hold_writes(connection, order, evaluation, platform, now)
        return now if release_where_released(connection, order, now) else None


def queue_hold_writes(
    connection: Connection, order: Order, evaluation: Evaluation, platform: str, now: datetime
) -> int:
    """Queue the writes of the holds `evaluation` placed and released; how many."""
    queued = 0
    held = {hold.hold_group: hold for hold in order.holds}
    for group in evaluation.holds_placed:
        hold = held.get(group)
        if hold is None:  # pragma: no cover - a hold just placed is on the refolded order
            continue
        write = PlatformWrite(
            order.store_id, order.order_id, WriteAction.PLACE_HOLD, group, hold.reason, hold.note or ""
        )
        queued += records.queue_write(connection, write, platform, now)
    for group in evaluation.holds_released:
        placement = records.latest_placement(connection, order.store_id, order.order_id, group)
        if placement is None or placement["released_on_platform_at"] is not None:
            continue  # never written to the platform, or released there already
        reason = HoldReason(placement["reason"])
        write = PlatformWrite(order.store_id, order.order_id, WriteAction.RELEASE_HOLD, group, reason)
        queued += records.queue_write(connection, write, platform, now)
    return queued


def release_where_released(connection: Connection, order: Order, now: datetime) -> bool:
    """Resolve, as the person `platform:<store>`, each exception whose hold the merchant
    released on the platform; True when any was."""
    held = {hold.hold_group for hold in order.holds if hold.is_placed_by_orderline}
    if not held:
        return False  # no Orderline hold to release: no need to look (most evaluations)
    resolved = False
    for placement in records.open_placements(connection, order.store_id, order.order_id):
        if placement["hold_group"] not in held or not _released_elsewhere(connection, placement):
            continue
        by = platform_person(order.store_id)
        records.mark_released_on_platform(connection, placement["id"], now, by)
        key = str(placement["hold_group"]).removeprefix(HOLD_GROUP_PREFIX)
        try:
            ref = ExceptionRef(order.store_id, order.order_id, key)
            act(connection, ref, Action.RESOLVE, by, now, RELEASED_ON_PLATFORM)
        except (ExceptionNotFound, ExceptionClosed):
            continue  # nothing left to resolve: the hold goes with the next evaluation anyway
        resolved = True
        log.info("hold released on the platform", extra=fields(store=order.store_id, order_id=order.order_id))
    return resolved


def _released_elsewhere(connection: Connection, placement: Mapping[str, Any]) -> bool:
    """Whether the platform released a hold group the placement touched after it was
    written, without keeping the hold's reason (as the platform reads it back) among the
    remaining ones."""
    remote = placement["remote"] or {}
    groups = {str(group) for group in remote.get("groups") or []}
    if not groups or placement["sent_at"] is None:
        return False
    reason = remote.get("reason") or placement["reason"]
    # The platform's own time of the write where it told it (WooCommerce, BigCommerce):
    # its release facts are dated by the same clock. Orderline's otherwise.
    written = remote.get("written_at")
    after = datetime.fromisoformat(written) if written else placement["sent_at"]
    releases = records.platform_releases_after(
        connection, placement["store_id"], placement["order_id"], groups, after
    )
    return any(reason not in release.remaining_reasons for release in releases)


@dataclass(frozen=True, slots=True)
class WriteAttempt:
    """A writer's answer in the outbox's terms."""

    outcome: Outcome
    detail: str
    retry_after_s: float | None = None
    remote: Mapping[str, Any] = field(default_factory=dict)


_OUTCOMES = {
    WriteOutcome.DONE: Outcome.SENT,
    WriteOutcome.TEMPORARY: Outcome.TEMPORARY,
    WriteOutcome.PERMANENT: Outcome.PERMANENT,
}


class PlatformWriteWorker(OutboxWorker[StoredWrite, WriteAttempt]):
    """Performs due platform writes through each store's hold writer."""

    def __init__(self, engine: Engine, writer_for: WriterFor, terms: OutboxTerms = DEFAULT_TERMS) -> None:
        super().__init__(engine, PLATFORM_WRITES, terms)
        self._writer_for = writer_for

    def deliver_due(self, now: datetime, limit: int = 20) -> int:
        """Perform up to `limit` due writes; how many were attempted."""
        return len(self.drain(now, limit))

    def take(self, connection: Connection, claim: Claim) -> StoredWrite:
        return records.claimed_write(connection, claim)

    def attempt(self, item: StoredWrite) -> WriteAttempt:
        writer = self._writer_for(item.store_id)
        if writer is None:
            return WriteAttempt(Outcome.TEMPORARY, f"store {item.store_id} has no API client to write with")
        try:
            result = writer.write(item.write, item.placed)
        except httpx.HTTPError as error:
            result = WriteResult(WriteOutcome.TEMPORARY, f"{type(error).__name__}: {error}"[:300])
        return WriteAttempt(_OUTCOMES[result.outcome], result.detail, result.retry_after_s, result.remote)

    def record(
        self, connection: Connection, item: StoredWrite, result: WriteAttempt, ending: Ending, now: datetime
    ) -> Mapping[str, Any]:
        detail = result.detail
        if isinstance(ending, RetryLater):
            detail = f"{detail}; next attempt at {ending.due_at.isoformat()}"
        elif isinstance(ending, Failed):
            detail = ending.error
        outbox.record_attempt(
            connection,
            PLATFORM_WRITES,
            item,
            now,
            result.outcome.value,
            detail,
            possible_duplicate=item.possible_duplicate,
        )
        if isinstance(ending, Sent):
            return {"sent_at": now, "remote": dict(result.remote), "last_error": None}
        return {}


class StoreWriters:
    """One hold writer per store, made on first use and kept; `close` lets them go."""

    def __init__(self, make: Callable[[str], HoldWriter | None]) -> None:
        self._make = make
        self._writers: dict[str, HoldWriter | None] = {}

    def __call__(self, store_id: str) -> HoldWriter | None:
        if store_id not in self._writers:
            self._writers[store_id] = self._make(store_id)
        return self._writers[store_id]

    def close(self) -> None:
        for writer in self._writers.values():
            if writer is not None:
                writer.close()
        self._writers.clear()


_WORDS = {
    WriteAction.PLACE_HOLD: ("placed on", "Placing"),
    WriteAction.RELEASE_HOLD: ("released on", "Releasing"),
}


def write_entries(connection: Connection, store_id: str, order_id: str) -> list[dict[str, Any]]:
    """The order's timeline entries of its platform writes: each queued, each attempt, and
    each hold someone released on the platform itself; at one instant in that order."""
    timed: list[tuple[datetime, int, int, dict[str, Any]]] = []
    for row in records.list_writes(connection, store_id, order_id):
        timed += [(at, rank, row["id"], entry) for at, rank, entry in _row_entries(row)]
    for attempt in records.list_attempts(connection, store_id, order_id):
        timed.append((attempt["at"], 1, attempt["id"], _attempt_entry(attempt)))
    return [entry for *_, entry in sorted(timed, key=lambda item: item[:3])]


def _row_entries(row: Mapping[str, Any]) -> list[tuple[datetime, int, dict[str, Any]]]:
    """The write queued (rank 0) and its hold released on the platform (rank 2)."""
    action, key = WriteAction(row["action"]), str(row["hold_group"]).removeprefix(HOLD_GROUP_PREFIX)
    data = {"write_id": row["id"], "action": action.value, "hold_group": row["hold_group"]}
    summary = f"Hold {key} to be {_WORDS[action][0]} {row['platform']}"
    entries = [(row["created_at"], 0, _entry(row["created_at"], "platform_write_queued", summary, data))]
    if (at := row["released_on_platform_at"]) is not None:
        summary = f"Hold {key} released on {row['platform']} by {row['released_by']}"
        entries.append(
            (at, 2, _entry(at, "platform_hold_released", summary, {**data, "by": row["released_by"]}))
        )
    return entries


def _attempt_entry(attempt: Mapping[str, Any]) -> dict[str, Any]:
    action, outcome = WriteAction(attempt["action"]), attempt["outcome"]
    done, doing = _WORDS[action]
    if outcome == Outcome.SENT.value:
        summary = f"Hold {done} {attempt['platform']}: {attempt['detail']}"
    else:
        summary = f"{doing} the hold on {attempt['platform']} failed ({outcome}): {attempt['detail']}"
    data = {
        "write_id": attempt["write_id"],
        "action": action.value,
        "outcome": outcome,
        "detail": attempt["detail"],
        "possible_duplicate": attempt["possible_duplicate"],
    }
    return _entry(attempt["at"], "platform_write_attempt", summary, data)


def _entry(at: datetime, kind: str, summary: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"at": at.isoformat(), "kind": kind, "summary": summary, "data": data}
