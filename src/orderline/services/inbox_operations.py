"""The inbox as operators see it: its backlog and processing health (for /readyz and
/metrics), and the quarantine (what is set aside and why, retried or skipped by hand);
see `services.quarantine` for what retrying and skipping do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from orderline.persistence import inbox_queue, order_queries
from orderline.services import order_deliveries, quarantine
from orderline.services.order_deliveries import RECEIVED, Delivery, DeliveryBody
from orderline.services.quarantine import RETRY, SKIP, ProcessingHealth

__all__ = [
    "RECEIVED",
    "RETRY",
    "SKIP",
    "Delivery",
    "DeliveryBody",
    "InboxOperations",
    "InboxState",
    "ProcessingHealth",
]


@dataclass(frozen=True, slots=True)
class InboxState:
    backlog: dict[str, int]
    """Deliveries not (yet) processed, by status (every backlog status, 0 when none)."""
    processing: ProcessingHealth


class InboxOperations:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def state(self, now: datetime) -> InboxState:
        """The backlog and processing health at `now`; raises when the database does not answer."""
        with self._engine.connect() as connection:
            backlog = order_queries.inbox_backlog(connection)
            health = quarantine.processing_health(connection, now)
        return InboxState(backlog, health)

    def set_aside(self, store_id: str | None = None, limit: int = 1_000) -> list[dict[str, Any]]:
        """Quarantined deliveries and those waiting for a platform API, oldest first."""
        with self._engine.connect() as connection:
            return inbox_queue.set_aside(connection, store_id=store_id, limit=limit)

    def release(
        self,
        action: str,
        now: datetime,
        *,
        inbox_ids: Sequence[int] | None = None,
        actor: str | None = None,
        reason: str | None = None,
    ) -> int:
        """Retry (RETRY) or skip (SKIP) quarantined deliveries, every one when `inbox_ids`
        is None; how many changed. Each act is recorded with who did it and why."""
        with self._engine.begin() as connection:
            ids = inbox_queue.quarantined_ids(connection, inbox_ids)
            return inbox_queue.release(
                connection, ids, action=SKIP if action == SKIP else RETRY, now=now, actor=actor, reason=reason
            )

    def deliveries_of_order(self, store_id: str, order_id: str) -> list[Delivery]:
        """The platform deliveries behind an order, oldest first, without bodies or headers."""
        with self._engine.connect() as connection:
            return order_deliveries.deliveries_of_order(connection, store_id, order_id)

    def delivery_of_order(self, store_id: str, order_id: str, inbox_id: int) -> DeliveryBody | None:
        """One delivery of the order with its body pretty-printed and bounded; None when
        it is no delivery of that order."""
        with self._engine.connect() as connection:
            return order_deliveries.delivery_of_order(connection, store_id, order_id, inbox_id)
