"""Read models for the order API: one order with everything support needs on it (its
exceptions, customer messages, hand-offs and whole timeline), filtered cursor-paginated
order lists, and the dead-letter list of refused deliveries.

The states its messages and hand-offs are in are named here (`OutboxState`,
`HandoffState`) for the API, which reaches the store only through services.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Engine

from orderline.persistence import exception_records, message_records, order_queries
from orderline.persistence.exception_records import StoredException
from orderline.persistence.handoff_records import HANDOFFS
from orderline.persistence.message_records import StoredMessage
from orderline.persistence.order_queries import BadCursor, OrderFilter, OrderPage
from orderline.persistence.outbox import OutboxState
from orderline.services.handoffs import list_handoffs
from orderline.services.order_timeline import order_timeline

__all__ = [
    "BadCursor",
    "HandoffState",
    "OrderFilter",
    "OrderPage",
    "OrderReads",
    "OutboxState",
    "handoff_view",
]


class HandoffState(StrEnum):
    """A support hand-off's state as its outbox table keeps it: the outbox's states, with
    the table's own word for a ticket made."""

    QUEUED = OutboxState.QUEUED.value
    SENDING = OutboxState.SENDING.value
    DONE = HANDOFFS.stored(OutboxState.SENT)
    FAILED = OutboxState.FAILED.value


class OrderReads:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def order(self, store_id: str, order_id: str) -> dict[str, Any] | None:
        """The canonical order with its exceptions, messages, hand-offs and timeline;
        None when there is no such order."""
        with self._engine.connect() as connection:
            state = order_queries.get_order(connection, store_id, order_id)
            if state is None:
                return None
            state["timeline"] = order_timeline(connection, store_id, order_id)
            state["exceptions"] = [
                exception_view(e)
                for e in exception_records.load_exceptions(connection, store_id, order_id).values()
            ]
            state["messages"] = _order_messages(connection, store_id, order_id)
            state["handoffs"] = [handoff_view(row) for row in list_handoffs(connection, store_id, order_id)]
        return state

    def orders(self, where: OrderFilter, limit: int, cursor: str | None) -> OrderPage:
        """Newest placed first, `limit` at a time; raises BadCursor for a cursor not issued here."""
        with self._engine.connect() as connection:
            return order_queries.list_orders(connection, where, limit, cursor)

    def dead_letters(self, limit: int) -> list[dict[str, Any]]:
        """Refused and unprocessable deliveries with their reasons, newest first."""
        with self._engine.connect() as connection:
            return order_queries.list_dead_letters(connection, limit)


def exception_view(stored: StoredException) -> dict[str, Any]:
    return {
        "key": stored.key,
        "type": stored.type,
        "state": stored.state,
        "owner": stored.owner,
        "opened_at": stored.opened_at.isoformat(),
        "reason": stored.reason,
        "hold": stored.hold,
        "level_reached": stored.level_reached,
        "assignee": stored.assignee,
        "acknowledged_by": stored.acknowledged_by,
        "resolved_at": stored.resolved_at.isoformat() if stored.resolved_at else None,
        "resolution": stored.resolution,
    }


def _order_messages(connection: Connection, store_id: str, order_id: str) -> list[dict[str, Any]]:
    return [_message_view(m) for m in message_records.load_messages(connection, store_id, order_id)]


def _message_view(message: StoredMessage) -> dict[str, Any]:
    return {
        "id": message.id,
        "kind": message.kind,
        "channel": message.channel,
        "recipient": message.recipient,
        "state": message.state,
        "decided_at": message.decided_at.isoformat(),
        "sent_at": message.sent_at.isoformat() if message.sent_at else None,
        "attempts": message.attempts,
        "subject": message.subject,
        "idempotency_key": message.idempotency_key,
        "remote_id": message.remote_id,
        "last_error": message.last_error,
        "possible_duplicate": message.possible_duplicate,
        "covers": list(message.covers),
    }


def handoff_view(row: dict[str, Any]) -> dict[str, Any]:
    """A hand-off as the API shows it (on its order, and as the answer to asking for one)."""
    names = ("key", "helpdesk", "state", "reason", "requested_by", "ticket_id", "ticket_url", "attempts")
    return {
        **{name: row[name] for name in names},
        "requested_at": row["requested_at"].isoformat(),
        "last_error": row["last_error"],
    }
