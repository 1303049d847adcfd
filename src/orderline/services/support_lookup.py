"""What a helpdesk agent sees beside a ticket: a compact summary of the buyer's orders
(canonical status and its axes, owner, open holds and exceptions, the last customer
message, the buyer's status-page link), for a Gorgias HTTP integration widget or a Zendesk
sidebar app (`GET /api/v1/support/lookup`, docs/helpdesk-lookup.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from orderline.persistence import exception_records, message_records
from orderline.persistence.support_lookup_queries import find_orders
from orderline.services.status_pages import StatusPages, web_url

MAX_ORDERS = 5
"""A sidebar shows a handful; an agent with more to see opens the console."""


class SupportLookup:
    def __init__(self, engine: Engine, pages: StatusPages) -> None:
        self._engine = engine
        self._pages = pages

    def lookup(self, email: str | None, order_number: str | None, now: datetime) -> list[dict[str, Any]]:
        """The matching orders, newest first (at most MAX_ORDERS); empty without a criterion."""
        if not email and not order_number:
            return []
        with self._engine.connect() as connection:
            states = find_orders(connection, email, order_number, MAX_ORDERS)
            found = [(state, _extras(connection, state)) for state in states]
        return [_summary(state, extras, self._link(state, now)) for state, extras in found]

    def _link(self, state: dict[str, Any], now: datetime) -> str | None:
        if self._pages.links is None:
            return None
        return self._pages.url_for(state["store_id"], state["order_id"], now)


def _extras(connection: Any, state: dict[str, Any]) -> dict[str, Any]:
    store_id, order_id = state["store_id"], state["order_id"]
    exceptions = exception_records.load_exceptions(connection, store_id, order_id).values()
    messages = message_records.load_messages(connection, store_id, order_id)
    last = max(messages, key=lambda m: (m.decided_at, m.id), default=None)
    return {
        "open_exceptions": [
            {
                "type": e.type,
                "owner": e.owner,
                "escalation_level": e.level_reached,
                "opened_at": e.opened_at.isoformat(),
                "hold": e.hold,
                "assignee": e.assignee,
                "acknowledged": e.acknowledged_at is not None,
            }
            for e in sorted(exceptions, key=lambda e: e.opened_at)
            if e.is_open
        ],
        "last_message": None
        if last is None
        else {
            "kind": last.kind,
            "state": last.state.value,
            "channel": last.channel,
            "decided_at": last.decided_at.isoformat(),
            "sent_at": last.sent_at.isoformat() if last.sent_at else None,
            "subject": last.subject,
        },
    }


def _summary(state: dict[str, Any], extras: dict[str, Any], link: str | None) -> dict[str, Any]:
    return {
        "store_id": state["store_id"],
        "order_id": state["order_id"],
        "order_number": state["order_number"],
        "placed_at": state["placed_at"],
        "status": state["status"],
        "axes": {"payment": state["payment_status"], "fulfillment": state["fulfillment_status"]},
        "owner": state["owner"],
        "holds": [{"reason": h["reason"], "owner": h["owner"]} for h in state.get("holds", [])],
        "shipments": [
            {
                "carrier": s.get("carrier"),
                "tracking_numbers": s.get("tracking_numbers", []),
                "tracking_url": web_url(s.get("tracking_url")),
                "delivery_status": s.get("delivery_status"),
            }
            for s in state.get("shipments", [])
            if s.get("state") == "active"
        ],
        **extras,
        "status_page_url": link,
    }
