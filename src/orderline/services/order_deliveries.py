"""The platform deliveries behind an order: the inbox rows its facts came from (each fact
keeps the id of the delivery it was read from) and those people retried or skipped on it,
so the console can show the raw event behind the order's history.

Only the topic, ids, times and status of a delivery and its body are shown, never its
headers (they are stored without secrets, but they say nothing a person needs here). The
body is the platform's order, buyer data and all: the console shows it to the roles the
API's inbox routes allow (operations and admin).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, Subquery, select, union

from orderline.persistence.processing_tables import inbox_actions
from orderline.persistence.tables import facts, inbox

MAX_BODY_CHARS = 64_000
"""A body longer than this once pretty-printed is shown cut, saying so."""
MAX_DELIVERIES = 200
"""An order with more deliveries lists its first this many."""


@dataclass(frozen=True, slots=True)
class Delivery:
    """One platform delivery of an order, without its headers."""

    id: int
    platform: str
    store_id: str
    topic: str
    delivery_key: str
    """What tells this delivery from another: the platform's webhook id where it sends one
    (Shopify's X-Shopify-Webhook-Id), else a digest Orderline made of it."""
    event_id: str | None
    """The platform's id of the event delivered, when it sends one."""
    received_at: datetime
    triggered_at: datetime | None
    status: str
    processed_at: datetime | None


@dataclass(frozen=True, slots=True)
class DeliveryBody:
    delivery: Delivery
    text: str
    """The body pretty-printed when it is JSON, else as received (undecodable bytes
    replaced); at most MAX_BODY_CHARS characters."""
    total_chars: int
    """How long the whole text is: more than len(text) when it was cut."""

    @property
    def cut(self) -> bool:
        return self.total_chars > len(self.text)


_COLUMNS = (
    inbox.c.id,
    inbox.c.platform,
    inbox.c.store_id,
    inbox.c.topic,
    inbox.c.dedupe_key,
    inbox.c.event_id,
    inbox.c.received_at,
    inbox.c.triggered_at,
    inbox.c.status,
    inbox.c.processed_at,
)


def _ids_of_order(store_id: str, order_id: str) -> Subquery:
    from_facts = select(facts.c.inbox_id.label("inbox_id")).where(
        facts.c.store_id == store_id, facts.c.order_id == order_id, facts.c.inbox_id.is_not(None)
    )
    acted_on = select(inbox_actions.c.inbox_id.label("inbox_id")).where(
        inbox_actions.c.store_id == store_id, inbox_actions.c.order_id == order_id
    )
    return union(from_facts, acted_on).subquery()


def deliveries_of_order(connection: Connection, store_id: str, order_id: str) -> list[Delivery]:
    """The order's deliveries, oldest first (at most MAX_DELIVERIES)."""
    ids = _ids_of_order(store_id, order_id)
    rows = connection.execute(
        select(*_COLUMNS)
        .where(inbox.c.store_id == store_id, inbox.c.id.in_(select(ids.c.inbox_id)))
        .order_by(inbox.c.received_at, inbox.c.id)
        .limit(MAX_DELIVERIES)
    ).all()
    return [_delivery(row._mapping) for row in rows]


def delivery_of_order(
    connection: Connection, store_id: str, order_id: str, inbox_id: int
) -> DeliveryBody | None:
    """One delivery of the order with its body; None when `inbox_id` is no delivery of it."""
    ids = _ids_of_order(store_id, order_id)
    row = connection.execute(
        select(*_COLUMNS, inbox.c.body).where(
            inbox.c.id == inbox_id,
            inbox.c.store_id == store_id,
            inbox.c.id.in_(select(ids.c.inbox_id)),
        )
    ).first()
    if row is None:
        return None
    text = pretty_body(bytes(row.body))
    return DeliveryBody(_delivery(row._mapping), text[:MAX_BODY_CHARS], len(text))


def _delivery(row: RowMapping) -> Delivery:
    return Delivery(
        id=row["id"],
        platform=row["platform"],
        store_id=row["store_id"],
        topic=row["topic"],
        delivery_key=row["dedupe_key"],
        event_id=row["event_id"],
        received_at=row["received_at"],
        triggered_at=row["triggered_at"],
        status=row["status"],
        processed_at=row["processed_at"],
    )


def pretty_body(body: bytes) -> str:
    """JSON indented with its keys as sent; anything else decoded as it is."""
    text = body.decode("utf-8", errors="replace")
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return text


RECEIVED = "delivery_received"
"""The kind of the order timeline's entry for each delivery behind the order."""


def received_entries(connection: Connection, store_id: str, order_id: str) -> list[dict[str, Any]]:
    """One timeline entry per delivery behind the order, at the moment it was received
    (its body is not in it: the console shows it to operations and admin)."""
    return [
        {
            "at": d.received_at.isoformat(),
            "kind": RECEIVED,
            "summary": f"Delivery {d.id} received: {d.topic}",
            "data": {
                "inbox_id": d.id,
                "platform": d.platform,
                "topic": d.topic,
                "delivery_key": d.delivery_key,
                "event_id": d.event_id,
                "status": d.status,
            },
        }
        for d in deliveries_of_order(connection, store_id, order_id)
    ]
