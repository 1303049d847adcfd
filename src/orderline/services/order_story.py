"""An order's story in plain text, for the people who take it over: canonical status,
open exceptions, recent history and the messages the buyer got. Helpdesk tickets and
escalation notifications carry it, so nobody has to open Orderline to understand."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from orderline.persistence import exception_records, order_queries
from orderline.persistence import message_records as outbox

TIMELINE_LINES = 12


@dataclass(frozen=True, slots=True)
class OrderStory:
    order_number: str
    email: str | None
    customer_name: str | None
    text: str


def order_story(connection: Connection, store_id: str, order_id: str, headline: str) -> OrderStory:
    order = order_queries.get_order(connection, store_id, order_id) or {}
    number = str(order.get("order_number") or order_id)
    lines = [
        f"Order {number} (store {store_id}): {headline}",
        "",
        f"Status: {order.get('status')} · payment {order.get('payment_status')} · "
        f"fulfilment {order.get('fulfillment_status')} · owner {order.get('owner')}",
        "",
        "Open exceptions:",
    ]
    stored = exception_records.load_exceptions(connection, store_id, order_id).values()
    opened = [f"- {e.type}: {e.reason} (since {e.opened_at:%Y-%m-%d %H:%M} UTC)" for e in stored if e.is_open]
    lines += opened or ["- none"]
    lines += ["", "Recent history:"]
    timeline = order_queries.get_timeline(connection, store_id, order_id)[-TIMELINE_LINES:]
    lines += [f"- {entry['at'][:16].replace('T', ' ')} {entry['summary']}" for entry in timeline]
    lines += ["", "Messages to the buyer:"]
    sent = outbox.load_messages(connection, store_id, order_id)
    lines += [f"- {m.decided_at:%Y-%m-%d %H:%M} {m.kind} ({m.state})" for m in sent] or ["- none"]
    address = order.get("shipping_address") or {}
    return OrderStory(number, order.get("email"), address.get("name"), "\n".join(lines))
