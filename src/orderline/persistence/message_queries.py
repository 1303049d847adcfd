"""Read models over the message outbox and hand-offs: what the order API shows of an
order's customer messages and hand-offs, and what the messaging audit checks.

The audit reads are one query per kind of finding, never one per order, and stay on
portable SQL (the order's shipments and refunds are taken out of its JSON state with
SQLAlchemy's JSON indexing, which both SQLite and PostgreSQL translate). Deciding what a
row means is the service's (`orderline.services.messaging_audit`).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, case, func, or_, select, type_coerce

from orderline.persistence.exception_tables import order_exceptions
from orderline.persistence.messaging_tables import handoffs, message_attempts, messages
from orderline.persistence.outbox import OutboxState
from orderline.persistence.tables import UtcDateTime, orders

OPEN = "open"


# --- hand-offs of one order ------------------------------------------------------------


def get_handoff(connection: Connection, key: str) -> dict[str, Any] | None:
    row = connection.execute(select(handoffs).where(handoffs.c.key == key)).first()
    return None if row is None else dict(row._mapping)


def count_requested_handoffs(connection: Connection, store_id: str, order_id: str) -> int:
    """Hand-offs a person asked for (escalations have no `requested_by`)."""
    return int(
        connection.execute(
            select(func.count())
            .select_from(handoffs)
            .where(
                handoffs.c.store_id == store_id,
                handoffs.c.order_id == order_id,
                handoffs.c.requested_by.is_not(None),
            )
        ).scalar_one()
    )


def order_exists(connection: Connection, store_id: str, order_id: str) -> bool:
    found = connection.execute(
        select(orders.c.order_id).where(orders.c.store_id == store_id, orders.c.order_id == order_id)
    ).first()
    return found is not None


# --- the messaging audit ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BuyerFacingException:
    """One buyer-facing exception of an order that has one open at the audit's `now`,
    with what the buyer last heard about that order."""

    store_id: str
    order_id: str
    order_number: str | None
    key: str
    type: str
    opened_at: datetime
    resolved_at: datetime | None
    """None while open at `now` (a resolution after `now` has not happened yet)."""
    last_contact: datetime | None


def _open_at(now: datetime) -> ColumnElement[bool]:
    """Open at `now`: opened by then, and not resolved by then (an audit may look back)."""
    e = order_exceptions.c
    return and_(
        e.opened_at <= now,
        or_(e.state == OPEN, e.resolved_at.is_(None), e.resolved_at > now),
    )


def _last_contact(now: datetime) -> Any:
    """Per order, the last time its buyer heard from the store by `now`: a message sent
    (when it was sent), or one the platform sends itself (when that was decided)."""
    m = messages.c
    heard = case((m.state == OutboxState.SENT, m.sent_at), else_=m.decided_at)
    return (
        select(m.store_id, m.order_id, type_coerce(func.max(heard), UtcDateTime()).label("last_contact"))
        .where(
            or_(
                and_(m.state == OutboxState.SENT, m.sent_at <= now),
                and_(m.state == OutboxState.SUPPRESSED, m.decided_at <= now),
            )
        )
        .group_by(m.store_id, m.order_id)
        .subquery()
    )


def buyer_facing_exceptions(
    connection: Connection, types: Collection[str], now: datetime
) -> list[BuyerFacingException]:
    """Every exception of `types` (open or resolved by `now`) of the orders that have one
    open at `now`: resolved ones matter when they chain into the open period."""
    e = order_exceptions.c
    open_orders = (
        select(e.store_id, e.order_id).where(e.type.in_(list(types)), _open_at(now)).distinct().subquery()
    )
    contact = _last_contact(now)
    rows = connection.execute(
        select(e.store_id, e.order_id, orders.c.order_number, e.key, e.type, e.opened_at)
        .add_columns(
            type_coerce(case((_open_at(now), None), else_=e.resolved_at), UtcDateTime()).label("resolved_at")
        )
        .add_columns(contact.c.last_contact)
        .join(open_orders, and_(open_orders.c.store_id == e.store_id, open_orders.c.order_id == e.order_id))
        .outerjoin(orders, and_(orders.c.store_id == e.store_id, orders.c.order_id == e.order_id))
        .outerjoin(contact, and_(contact.c.store_id == e.store_id, contact.c.order_id == e.order_id))
        .where(e.type.in_(list(types)), e.opened_at <= now)
        .order_by(e.store_id, e.order_id, e.opened_at, e.key)
    ).all()
    return [BuyerFacingException(**row._mapping) for row in rows]


@dataclass(frozen=True, slots=True)
class SentMessage:
    """A message sent, beside what the order's own history says now."""

    message_id: int
    store_id: str
    order_id: str
    order_number: str | None
    kind: str
    covers: tuple[str, ...]
    sent_at: datetime
    order_status: str | None
    """None when Orderline has no such order."""
    shipments: list[dict[str, Any]]
    refunds: list[dict[str, Any]]


def sent_messages(connection: Connection, kinds: Collection[str], now: datetime) -> list[SentMessage]:
    """Messages of `kinds` sent by `now`, each with its order's status, shipments and refunds."""
    m = messages.c
    rows = connection.execute(
        select(
            m.id.label("message_id"),
            m.store_id,
            m.order_id,
            orders.c.order_number,
            m.kind,
            m.covers,
            m.sent_at,
            orders.c.status.label("order_status"),
            orders.c.state["shipments"].label("shipments"),
            orders.c.state["refunds"].label("refunds"),
        )
        .outerjoin(orders, and_(orders.c.store_id == m.store_id, orders.c.order_id == m.order_id))
        .where(m.state == OutboxState.SENT, m.kind.in_(list(kinds)), m.sent_at <= now)
        .order_by(m.sent_at, m.id)
    ).all()
    return [
        SentMessage(
            **{
                **row._mapping,
                "covers": tuple(row.covers),
                "shipments": list(row.shipments or []),
                "refunds": list(row.refunds or []),
            }
        )
        for row in rows
    ]


@dataclass(frozen=True, slots=True)
class FailedMessage:
    message_id: int
    store_id: str
    order_id: str
    order_number: str | None
    kind: str
    recipient: str | None
    last_error: str | None
    failed_at: datetime
    """Its last attempt; when it failed before any (it would not render), its decision."""


def failed_messages(connection: Connection, now: datetime) -> list[FailedMessage]:
    m = messages.c
    last_attempt = (
        select(message_attempts.c.message_id, func.max(message_attempts.c.at).label("at"))
        .where(message_attempts.c.at <= now)
        .group_by(message_attempts.c.message_id)
        .subquery()
    )
    failed_at = type_coerce(func.coalesce(last_attempt.c.at, m.decided_at), UtcDateTime())
    rows = connection.execute(
        select(
            m.id.label("message_id"),
            m.store_id,
            m.order_id,
            orders.c.order_number,
            m.kind,
            m.recipient,
            m.last_error,
            failed_at.label("failed_at"),
        )
        .outerjoin(orders, and_(orders.c.store_id == m.store_id, orders.c.order_id == m.order_id))
        .outerjoin(last_attempt, last_attempt.c.message_id == m.id)
        .where(m.state == OutboxState.FAILED, m.decided_at <= now)
        .order_by(m.decided_at, m.id)
    ).all()
    return [FailedMessage(**row._mapping) for row in rows]
