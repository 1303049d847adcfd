"""Platform write-backs in the outbox: queuing one, reading a claimed one back, an order's
writes and attempts, and the platform's hold releases that followed a placement.

A write is an outbox row (`PLATFORM_WRITES`), claimed, retried and finished by
`persistence.outbox`; its attempts are logged in `platform_write_attempts`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from orderline.domain.facts import HoldsReleased, fact_from_dict
from orderline.domain.platform_writes import PlatformWrite, WriteAction
from orderline.domain.vocabulary import HoldReason
from orderline.persistence import outbox
from orderline.persistence.outbox import AttemptLog, Claim, OutboxState, OutboxTable
from orderline.persistence.platform_write_tables import platform_write_attempts, platform_writes
from orderline.persistence.tables import facts

PLATFORM_WRITES = OutboxTable(
    platform_writes,
    key=platform_writes.c.key,
    claimed_at=platform_writes.c.claimed_at,
    attempt_log=AttemptLog(platform_write_attempts, "write_id"),
)


@dataclass(frozen=True, slots=True)
class StoredWrite:
    id: int
    platform: str
    write: PlatformWrite
    placed: Mapping[str, Any]
    """For a release: what its placement's write kept (`remote`); empty for a placement."""
    possible_duplicate: bool = False

    @property
    def store_id(self) -> str:
        return self.write.store_id

    @property
    def order_id(self) -> str:
        return self.write.order_id


def queue_write(connection: Connection, write: PlatformWrite, platform: str, now: datetime) -> bool:
    """Queue `write`, due at `now`; False when this very hold change is queued already."""
    key = write.key(now)
    if outbox.key_exists(connection, PLATFORM_WRITES, key):
        return False
    values: dict[str, Any] = {
        "store_id": write.store_id,
        "order_id": write.order_id,
        "key": key,
        "platform": platform,
        "action": write.action.value,
        "hold_group": write.hold_group,
        "reason": write.reason.value,
        "note": write.note,
        "created_at": now,
        "remote": {},
    }
    outbox.add(connection, PLATFORM_WRITES, values, due_at=now)
    return True


def _write_of(row: Any) -> PlatformWrite:
    return PlatformWrite(
        row.store_id, row.order_id, WriteAction(row.action), row.hold_group, HoldReason(row.reason), row.note
    )


def claimed_write(connection: Connection, claim: Claim) -> StoredWrite:
    row = outbox.claimed_row(connection, PLATFORM_WRITES, claim)
    write = _write_of(row)
    placed: Mapping[str, Any] = {}
    if write.action is WriteAction.RELEASE_HOLD:
        placement = latest_placement(connection, write.store_id, write.order_id, write.hold_group)
        placed = placement["remote"] if placement is not None else {}
    return StoredWrite(row.id, row.platform, write, placed, claim.interrupted)


def latest_placement(
    connection: Connection, store_id: str, order_id: str, hold_group: str
) -> dict[str, Any] | None:
    c = platform_writes.c
    row = connection.execute(
        select(platform_writes)
        .where(
            c.store_id == store_id,
            c.order_id == order_id,
            c.hold_group == hold_group,
            c.action == WriteAction.PLACE_HOLD.value,
        )
        .order_by(c.id.desc())
        .limit(1)
    ).first()
    return None if row is None else dict(row._mapping)


def open_placements(connection: Connection, store_id: str, order_id: str) -> list[dict[str, Any]]:
    """Placements done on the platform whose hold Orderline has not released since (no
    later release queued) and nobody released on the platform: the holds still out there."""
    rows = outbox.rows_of_order(connection, PLATFORM_WRITES, store_id, order_id)
    latest: dict[str, dict[str, Any]] = {}
    for row in rows:
        latest[row["hold_group"]] = row
    return [
        row
        for row in latest.values()
        if row["action"] == WriteAction.PLACE_HOLD.value
        and row["state"] == OutboxState.SENT.value
        and row["released_on_platform_at"] is None
    ]


def mark_released_on_platform(connection: Connection, write_id: int, at: datetime, by: str) -> None:
    connection.execute(
        update(platform_writes)
        .where(platform_writes.c.id == write_id)
        .values(released_on_platform_at=at, released_by=by)
    )


def platform_releases_after(
    connection: Connection, store_id: str, order_id: str, groups: set[str], after: datetime
) -> list[HoldsReleased]:
    """The platform's hold releases on any of `groups` that happened after `after`."""
    c = facts.c
    rows = connection.execute(
        select(c.body).where(
            c.store_id == store_id,
            c.order_id == order_id,
            c.fact_type == HoldsReleased.__name__,
            c.occurred_at > after,
        )
    )
    found = [fact_from_dict(row.body) for row in rows]
    return [f for f in found if isinstance(f, HoldsReleased) and f.hold_group in groups]


def list_writes(connection: Connection, store_id: str, order_id: str) -> list[dict[str, Any]]:
    return outbox.rows_of_order(connection, PLATFORM_WRITES, store_id, order_id)


def list_attempts(connection: Connection, store_id: str, order_id: str) -> list[dict[str, Any]]:
    a = platform_write_attempts.c
    rows = connection.execute(
        select(platform_write_attempts, platform_writes.c.action, platform_writes.c.platform)
        .join(platform_writes, platform_writes.c.id == a.write_id)
        .where(a.store_id == store_id, a.order_id == order_id)
        .order_by(a.at, a.id)
    )
    return [dict(row._mapping) for row in rows]
