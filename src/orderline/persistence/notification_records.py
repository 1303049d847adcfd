"""Escalation notices in the outbox: queuing one, reading a claimed one back, and an
order's notices.

A notice is an outbox row (`NOTIFICATIONS`), claimed, retried and finished by
`store.outbox`; its `key` (one per exception, level and target) is its Idempotency-Key.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from orderline.persistence import outbox
from orderline.persistence.messaging_tables import notifications
from orderline.persistence.outbox import Claim, OutboxTable

NOTIFICATIONS = OutboxTable(notifications, key=notifications.c.key, claimed_at=notifications.c.due_at)


@dataclass(frozen=True, slots=True)
class Notice:
    store_id: str
    order_id: str
    key: str
    target: str
    """An e-mail address or a webhook URL."""
    channel: str
    """How `target` is reached: "email" or "webhook"."""
    subject: str
    body_text: str


def notice_known(connection: Connection, key: str) -> bool:
    return outbox.key_exists(connection, NOTIFICATIONS, key)


def queue_notice(connection: Connection, notice: Notice, now: datetime) -> None:
    outbox.add(connection, NOTIFICATIONS, {**asdict(notice), "created_at": now}, due_at=now)


def claimed_notice(connection: Connection, claim: Claim) -> Notice:
    row = outbox.claimed_row(connection, NOTIFICATIONS, claim)
    return Notice(**{name: getattr(row, name) for name in Notice.__slots__})


def list_notifications(connection: Connection, store_id: str, order_id: str) -> list[dict[str, Any]]:
    return outbox.rows_of_order(connection, NOTIFICATIONS, store_id, order_id)
