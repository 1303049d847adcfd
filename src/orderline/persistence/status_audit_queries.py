"""What the status-transition audit reads: the platform status of every state of a
store's orders, from the stored snapshot facts (`services/status_audit.py`)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Connection, select

from orderline.domain.facts import OrderSnapshot
from orderline.domain.status_audit import StatusSeen
from orderline.persistence.tables import facts


def statuses_seen(connection: Connection, store_id: str) -> Iterator[StatusSeen]:
    """Each snapshot of the store's orders (a distinct state the platform reported), by
    order and then by the state's time."""
    f = facts.c
    query = (
        select(f.order_id, f.occurred_at, f.body)
        .where(f.store_id == store_id, f.fact_type == OrderSnapshot.__name__)
        .order_by(f.order_id, f.occurred_at, f.id)
    )
    for order_id, occurred_at, body in connection.execute(query):
        status = body.get("platform_status") if isinstance(body, dict) else None
        if isinstance(status, str) and status:
            yield StatusSeen(order_id, occurred_at, status)
