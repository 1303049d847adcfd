"""The quarantine's health and history: what /readyz and /metrics report of processing
(quarantined deliveries, stores whose API is unreachable, the backlog's age), and the
timeline entries of what people did to quarantined deliveries.

A quarantined delivery keeps its raw body in the inbox; retrying it (`InboxOperations`)
puts it back in line, skipping marks it done without facts. Both are recorded with who
did it and why, and shown on the order's timeline when the delivery names one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, select

from orderline.persistence import inbox_queue, workers
from orderline.persistence.tables import inbox

RETRY = "retry"
SKIP = inbox_queue.SKIPPED


@dataclass(frozen=True, slots=True)
class ProcessingHealth:
    """What /readyz and /metrics say of processing."""

    quarantined: int
    waiting_by_store: dict[str, int]
    """Deliveries waiting for their store's platform API, per store."""
    waiting_errors: dict[str, str]
    """The last reason each such store's API gave."""
    oldest_pending_age_s: float | None
    workers: int

    def problems(self, max_backlog_age_s: float) -> list[str]:
        found = []
        if self.quarantined:
            found.append(f"{self.quarantined} deliveries quarantined")
        found += [f"store {store}: platform API unreachable" for store in sorted(self.waiting_by_store)]
        if self.oldest_pending_age_s is not None and self.oldest_pending_age_s > max_backlog_age_s:
            found.append(f"oldest pending delivery is {self.oldest_pending_age_s:.0f} s old")
        return found


def inbox_action_entries(connection: Connection, store_id: str, order_id: str) -> list[dict[str, Any]]:
    """Timeline entries of what people did to the order's quarantined deliveries."""
    return [
        {
            "at": row["at"].isoformat(),
            "kind": f"delivery_{row['action']}",
            "summary": f"Delivery {row['inbox_id']} {row['action']}"
            + (f" by {row['actor']}" if row["actor"] else "")
            + (f": {row['reason']}" if row["reason"] else ""),
            "data": {"inbox_id": row["inbox_id"], "actor": row["actor"], "reason": row["reason"]},
        }
        for row in inbox_queue.actions_of_order(connection, store_id, order_id)
    ]


def processing_health(connection: Connection, now: datetime) -> ProcessingHealth:
    quarantined = connection.execute(
        select(func.count()).select_from(inbox).where(inbox.c.status.in_(inbox_queue.SET_ASIDE))
    ).scalar_one()
    waiting = connection.execute(
        select(inbox.c.store_id, func.count(), func.max(inbox.c.error))
        .where(inbox.c.status == inbox_queue.WAITING)
        .group_by(inbox.c.store_id)
    ).all()
    oldest = connection.execute(
        select(inbox.c.received_at).where(inbox.c.status == inbox_queue.PENDING).order_by(inbox.c.id).limit(1)
    ).scalar_one_or_none()
    alive = workers.alive(connection, now, timedelta(seconds=15))
    return ProcessingHealth(
        quarantined=int(quarantined),
        waiting_by_store={store: int(n) for store, n, _ in waiting},
        waiting_errors={store: str(error or "") for store, _, error in waiting},
        oldest_pending_age_s=None if oldest is None else max(0.0, (now - oldest).total_seconds()),
        workers=len(alive),
    )
