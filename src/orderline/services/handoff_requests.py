"""A hand-off asked for by a person (over the API): a helpdesk ticket with the order's
whole story, recorded here and made by the hand-off worker.

A client's idempotency key makes a retried request find the first hand-off; without one,
asking again (after the first was dealt with) is a new hand-off.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError

from orderline.persistence import message_queries
from orderline.services.handoffs import HandoffAsk, request_handoff
from orderline.services.order_reads import handoff_view

MAX_KEY = 200
"""The length of `handoffs.key`."""


class UnknownOrder(LookupError):
    pass


class NoHelpdesk(LookupError):
    pass


@dataclass(frozen=True, slots=True)
class HandoffQuestion:
    store_id: str
    order_id: str
    reason: str
    requested_by: str
    idempotency_key: str | None = None


@dataclass(frozen=True, slots=True)
class HandoffDesk:
    engine: Engine
    helpdesk: str | None
    """The configured helpdesk's kind; None when there is none (nothing can be handed off)."""

    def request(self, question: HandoffQuestion, now: datetime) -> dict[str, Any]:
        """Record the hand-off (once per key) and return it as the API shows it.
        Raises UnknownOrder, or NoHelpdesk when no helpdesk is configured."""
        store_id, order_id = question.store_id, question.order_id
        with self.engine.connect() as connection:
            if not message_queries.order_exists(connection, store_id, order_id):
                raise UnknownOrder(f"no order {order_id} in store {store_id}")
            if self.helpdesk is None:
                raise NoHelpdesk("no helpdesk is configured (the helpdesk: section)")
            key = manual_key(connection, store_id, order_id, question.idempotency_key)
        ask = HandoffAsk(store_id, order_id, key, question.reason, requested_by=question.requested_by)
        try:
            with self.engine.begin() as connection:
                request_handoff(connection, ask, self.helpdesk, now)
        except IntegrityError:
            pass  # a concurrent request with the same key committed first: it is this hand-off
        with self.engine.connect() as connection:
            row = message_queries.get_handoff(connection, key)
        assert row is not None, "recorded above"
        return handoff_view(row)


def manual_key(connection: Connection, store_id: str, order_id: str, client_key: str | None) -> str:
    """The client's idempotency key, so a retried request finds the first hand-off; else the
    next number, so asking again (after the first was dealt with) is a new hand-off."""
    prefix = f"{store_id}:{order_id}:manual:"
    if client_key is None:
        return f"{prefix}{message_queries.count_requested_handoffs(connection, store_id, order_id) + 1}"
    key = f"{prefix}key:{client_key}"
    if len(key) > MAX_KEY:  # the column's limit: a long client key is kept as its digest
        key = f"{prefix}key-sha256:{hashlib.sha256(client_key.encode()).hexdigest()[:48]}"
    return key
