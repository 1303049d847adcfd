"""Helpdesk hand-offs in the outbox: asking for one, reading a claimed one back, and an
order's hand-offs.

A hand-off is an outbox row (`HANDOFFS`), claimed, retried and finished by
`store.outbox`; its `key` is the ticket's external id, and the `handoffs` table says
"done" for a ticket made. The ticket itself is remembered with the others in
`support_tickets` (`ticket_records.remember_opened_ticket`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from orderline.persistence import outbox
from orderline.persistence.messaging_tables import handoffs
from orderline.persistence.outbox import Claim, OutboxTable

HANDOFFS = OutboxTable(handoffs, key=handoffs.c.key, claimed_at=handoffs.c.due_at, sent_as="done")


@dataclass(frozen=True, slots=True)
class HandoffAsk:
    store_id: str
    order_id: str
    key: str
    reason: str
    requested_by: str | None = None
    """The person who asked; None for an escalation."""


@dataclass(frozen=True, slots=True)
class StoredHandoff:
    ask: HandoffAsk
    helpdesk: str
    """Where the ticket is made: "zendesk" or "gorgias"."""


def insert_handoff(connection: Connection, ask: HandoffAsk, helpdesk: str, now: datetime) -> bool:
    """Record a hand-off to be made at `now`; False when one with this key exists already."""
    if outbox.key_exists(connection, HANDOFFS, ask.key):
        return False
    values = {**asdict(ask), "helpdesk": helpdesk, "request": {}, "requested_at": now}
    outbox.add(connection, HANDOFFS, values, due_at=now)
    return True


def claimed_handoff(connection: Connection, claim: Claim) -> StoredHandoff:
    row = outbox.claimed_row(connection, HANDOFFS, claim)
    return StoredHandoff(
        HandoffAsk(**{name: getattr(row, name) for name in HandoffAsk.__slots__}), row.helpdesk
    )


def list_handoffs(connection: Connection, store_id: str, order_id: str) -> list[dict[str, Any]]:
    return outbox.rows_of_order(connection, HANDOFFS, store_id, order_id)
