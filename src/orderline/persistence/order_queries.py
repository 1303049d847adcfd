"""Read models for the API: one order, and filtered, cursor-paginated order lists."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, or_, select

from orderline.persistence.projections import of_orders
from orderline.persistence.tables import dead_letters, inbox, orders


class BadCursor(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class OrderFilter:
    store_id: str | None = None
    status: str | None = None
    owner: str | None = None
    placed_from: datetime | None = None
    placed_to: datetime | None = None


@dataclass(frozen=True, slots=True)
class OrderPage:
    items: list[dict[str, Any]]
    next_cursor: str | None


_ORDER_STATE = select(orders.c.state).where(
    orders.c.store_id == bindparam("store_id"), orders.c.order_id == bindparam("order_id")
)


def get_order(connection: Connection, store_id: str, order_id: str) -> dict[str, Any] | None:
    state = connection.execute(
        _ORDER_STATE, {"store_id": store_id, "order_id": order_id}
    ).scalar_one_or_none()
    if state is None:
        return None
    result: dict[str, Any] = dict(state)
    return result


def get_orders(
    connection: Connection, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], dict[str, Any]]:
    """`get_order` of many orders in a few queries (an unknown order is absent)."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for start in range(0, len(keys), 400):
        chunk = keys[start : start + 400]
        query = select(orders.c.store_id, orders.c.order_id, orders.c.state).where(of_orders(orders, chunk))
        for store_id, order_id, state in connection.execute(query):
            found[(store_id, order_id)] = dict(state)
    return found


def projected_fact_counts(
    connection: Connection, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], int]:
    """How many facts each order's stored projection was folded from (an unknown order is
    absent): a cached fold of as many facts is the same order (facts are only ever added)."""
    found: dict[tuple[str, str], int] = {}
    for start in range(0, len(keys), 400):
        chunk = keys[start : start + 400]
        query = select(orders.c.store_id, orders.c.order_id, orders.c.fact_count).where(
            of_orders(orders, chunk)
        )
        found.update(((store_id, order_id), int(n)) for store_id, order_id, n in connection.execute(query))
    return found


def get_timeline(connection: Connection, store_id: str, order_id: str) -> list[dict[str, Any]]:
    """The order's own history, oldest first: kept once, in the projection's state
    (a separate timeline table, rewritten on every change, went in migration 0013)."""
    state = get_order(connection, store_id, order_id)
    return [] if state is None else list(state.get("timeline", []))


def _encode_cursor(placed_at: datetime, store_id: str, order_id: str) -> str:
    raw = json.dumps([placed_at.isoformat(), store_id, order_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, str, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        placed, store_id, order_id = json.loads(raw)
        return datetime.fromisoformat(placed), str(store_id), str(order_id)
    except (ValueError, TypeError) as error:
        raise BadCursor(f"cursor {cursor!r} is not one this API issued") from error


def list_orders(connection: Connection, where: OrderFilter, limit: int, cursor: str | None) -> OrderPage:
    """Newest placed first; the cursor is the last row's (placed_at, store_id, order_id)."""
    conditions = []
    if where.store_id is not None:
        conditions.append(orders.c.store_id == where.store_id)
    if where.status is not None:
        conditions.append(orders.c.status == where.status)
    if where.owner is not None:
        conditions.append(orders.c.owner == where.owner)
    if where.placed_from is not None:
        conditions.append(orders.c.placed_at >= where.placed_from)
    if where.placed_to is not None:
        conditions.append(orders.c.placed_at < where.placed_to)
    if cursor is not None:
        placed, store_id, order_id = _decode_cursor(cursor)
        conditions.append(
            or_(
                orders.c.placed_at < placed,
                and_(orders.c.placed_at == placed, orders.c.store_id > store_id),
                and_(
                    orders.c.placed_at == placed, orders.c.store_id == store_id, orders.c.order_id > order_id
                ),
            )
        )
    rows = connection.execute(
        select(
            orders.c.store_id,
            orders.c.order_id,
            orders.c.order_number,
            orders.c.status,
            orders.c.payment_status,
            orders.c.fulfillment_status,
            orders.c.owner,
            orders.c.placed_at,
            orders.c.updated_at,
        )
        .where(*conditions)
        .order_by(orders.c.placed_at.desc(), orders.c.store_id, orders.c.order_id)
        .limit(limit + 1)
    ).all()
    items = [
        {
            "store_id": r.store_id,
            "order_id": r.order_id,
            "order_number": r.order_number,
            "status": r.status,
            "payment_status": r.payment_status,
            "fulfillment_status": r.fulfillment_status,
            "owner": r.owner,
            "placed_at": r.placed_at.isoformat(),
            "updated_at": r.updated_at.isoformat(),
        }
        for r in rows[:limit]
    ]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = _encode_cursor(last.placed_at, last.store_id, last.order_id)
    return OrderPage(items, next_cursor)


def count_orders(connection: Connection) -> int:
    return int(connection.execute(select(func.count()).select_from(orders)).scalar_one())


BACKLOG_STATUSES = ("pending", "waiting", "unresolved", "quarantined", "failed")


def inbox_backlog(connection: Connection) -> dict[str, int]:
    """Deliveries not (yet) processed, by status. Counts only those, through the
    (status, id) index: processed rows grow without bound and are never scanned."""
    rows = connection.execute(
        select(inbox.c.status, func.count())
        .where(inbox.c.status.in_(BACKLOG_STATUSES))
        .group_by(inbox.c.status)
    ).all()
    found = {status: 0 for status in BACKLOG_STATUSES}
    found.update({status: int(n) for status, n in rows})
    return found


def list_dead_letters(connection: Connection, limit: int) -> list[dict[str, Any]]:
    rows = connection.execute(
        select(
            dead_letters.c.id,
            dead_letters.c.received_at,
            dead_letters.c.platform,
            dead_letters.c.store_id,
            dead_letters.c.path,
            dead_letters.c.status_code,
            dead_letters.c.reason,
            func.length(dead_letters.c.body).label("body_bytes"),
        )
        .order_by(dead_letters.c.id.desc())
        .limit(limit)
    ).all()
    return [
        {
            "id": r.id,
            "received_at": r.received_at.isoformat(),
            "platform": r.platform,
            "store_id": r.store_id,
            "path": r.path,
            "status_code": r.status_code,
            "reason": r.reason,
            "body_bytes": r.body_bytes,
        }
        for r in rows
    ]
