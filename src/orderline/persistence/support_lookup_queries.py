"""The orders a helpdesk lookup finds: by the buyer's e-mail, by order number, or both."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from orderline.persistence.tables import orders


def find_orders(
    connection: Connection, email: str | None, order_number: str | None, limit: int
) -> list[dict[str, Any]]:
    """Newest placed first, at most `limit`; an order number matches with or without its `#`.
    Each is the stored canonical order (its projection's state)."""
    query = select(orders.c.state).order_by(orders.c.placed_at.desc(), orders.c.store_id, orders.c.order_id)
    if email:
        query = query.where(orders.c.email.in_(sorted({email, email.lower()})))
    if order_number:
        bare = order_number.lstrip("#")
        query = query.where(orders.c.order_number.in_(sorted({order_number, bare, f"#{bare}"})))
    return [dict(state) for state in connection.execute(query.limit(limit)).scalars()]
