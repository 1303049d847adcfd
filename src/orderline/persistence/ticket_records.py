"""Support tickets in the `support_tickets` table: recording one, the rule that links a
ticket to an order, and the reads the scorecard and the API need.

A ticket is identified by its helpdesk and the helpdesk's own id; recording it again (a
webhook retry, a second CSV import) refreshes the row instead of adding one, so every
ticket counts once whatever number of sources reported it.

The store layer does not import the helpdesk channel (they are sibling layers), so a
ticket comes in as anything with `IncomingTicket`'s fields: `TicketFields`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection, Insert, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from orderline.persistence.messaging_tables import handoffs, support_tickets
from orderline.persistence.tables import orders

OrderLink = tuple[str, str]
"""(store_id, order_id) of the order a ticket is about."""

_COLUMNS = (
    support_tickets.c.helpdesk,
    support_tickets.c.ticket_id,
    support_tickets.c.source,
    support_tickets.c.store_id,
    support_tickets.c.order_id,
    support_tickets.c.order_number,
    support_tickets.c.requester_email,
    support_tickets.c.subject,
    support_tickets.c.status,
    support_tickets.c.created_at,
)


class TicketFields(Protocol):
    """What a ticket must carry to be recorded (`IncomingTicket` has all of it)."""

    @property
    def helpdesk(self) -> str: ...
    @property
    def ticket_id(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def subject(self) -> str: ...
    @property
    def requester_email(self) -> str | None: ...
    @property
    def order_number(self) -> str | None: ...
    @property
    def status(self) -> str | None: ...
    @property
    def order_status(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class TicketFilter:
    store_id: str | None = None
    """Only tickets linked to an order of this store."""
    created_from: datetime | None = None
    created_to: datetime | None = None
    """Exclusive."""


def upsert_ticket(connection: Connection, ticket: TicketFields, source: str, link: OrderLink | None) -> bool:
    """Record `ticket`; True when it is new.

    A known ticket (same helpdesk and ticket id) gets the newer status, subject, order
    number, requester and link; a value the new report lacks keeps the stored one, so a
    later report without an order never unlinks a ticket. Its source and created_at stay
    those of the first report. Safe against a concurrent insert of the same ticket.
    """
    store_id, order_id = link if link is not None else (None, None)
    values = {
        "helpdesk": str(ticket.helpdesk),
        "ticket_id": ticket.ticket_id,
        "source": source,
        "store_id": store_id,
        "order_id": order_id,
        "order_number": ticket.order_number,
        "requester_email": ticket.requester_email,
        "subject": ticket.subject,
        "status": ticket.status,
        "order_status": ticket.order_status,
        "created_at": ticket.created_at,
    }
    # RETURNING, not rowcount: psycopg reports -1 for an INSERT that returns rows.
    inserted = connection.execute(
        _insert_unless_known(connection.dialect.name).values(values).returning(support_tickets.c.id)
    ).first()
    if inserted is not None:
        return True
    changes = {
        name: value
        for name, value in values.items()
        if name
        in ("store_id", "order_id", "order_number", "requester_email", "subject", "status", "order_status")
        and value not in (None, "")
    }
    if changes:
        connection.execute(update(support_tickets).where(*_same_ticket(ticket)).values(changes))
    return False


@dataclass(frozen=True, slots=True)
class OpenedTicket:
    """A ticket Orderline opened itself (a hand-off)."""

    helpdesk: str
    ticket_id: str
    store_id: str
    order_id: str
    order_number: str | None
    requester_email: str | None
    subject: str
    created_at: datetime


def remember_opened_ticket(connection: Connection, ticket: OpenedTicket) -> None:
    """Record a ticket Orderline opened, `open`, unless it is known already (the
    helpdesk's webhook about it came first): what the helpdesk said stays."""
    values = {**asdict(ticket), "source": "handoff", "status": "open"}
    connection.execute(_insert_unless_known(connection.dialect.name).values(values))


def _insert_unless_known(dialect_name: str) -> Insert:
    keys = ["helpdesk", "ticket_id"]
    if dialect_name == "postgresql":
        return postgresql.insert(support_tickets).on_conflict_do_nothing(index_elements=keys)
    return sqlite.insert(support_tickets).on_conflict_do_nothing(index_elements=keys)


def _same_ticket(ticket: TicketFields) -> tuple[Any, Any]:
    return (
        support_tickets.c.helpdesk == str(ticket.helpdesk),
        support_tickets.c.ticket_id == ticket.ticket_id,
    )


def ticket_link(connection: Connection, helpdesk: str, ticket_id: str) -> OrderLink | None:
    """The order a recorded ticket is linked to, if any."""
    row = connection.execute(
        select(support_tickets.c.store_id, support_tickets.c.order_id).where(
            support_tickets.c.helpdesk == helpdesk, support_tickets.c.ticket_id == ticket_id
        )
    ).first()
    if row is None or row.store_id is None or row.order_id is None:
        return None
    return (row.store_id, row.order_id)


def find_order_for_ticket(
    connection: Connection, order_number: str | None, email: str | None, store_ids: Sequence[str]
) -> OrderLink | None:
    """The order a ticket is about, among the orders of `store_ids`.

    1. An order whose number matches, "1001" and "#1001" alike (Shopify numbers its
       orders "#1001", buyers and agents often drop the "#"). When several stores have
       that number, the one whose e-mail is the requester's; when none of them is, the
       ticket stays unlinked: a guess would put it on another store's scorecard.
    2. Failing a number (none given, or no order has it), the requester's latest-placed
       order.
    3. Otherwise None: the ticket is still recorded and counted, unlinked.
    """
    if not store_ids:
        return None
    number = (order_number or "").strip().lstrip("#").strip()
    email = (email or "").strip().lower() or None
    if number:
        candidates = connection.execute(
            select(orders.c.store_id, orders.c.order_id, orders.c.email)
            .where(orders.c.store_id.in_(store_ids), orders.c.order_number.in_([number, f"#{number}"]))
            .order_by(orders.c.placed_at.desc(), orders.c.store_id, orders.c.order_id)
        ).all()
        if candidates:
            return _one_of(candidates, email)
    return _latest_order_of(connection, email, store_ids) if email else None


def _one_of(candidates: Sequence[Any], email: str | None) -> OrderLink | None:
    """The only candidate, else the latest one that is the requester's, else None."""
    if len(candidates) == 1:
        return (candidates[0].store_id, candidates[0].order_id)
    mine = [row for row in candidates if email and (row.email or "").lower() == email]
    return (mine[0].store_id, mine[0].order_id) if mine else None


def _latest_order_of(connection: Connection, email: str, store_ids: Sequence[str]) -> OrderLink | None:
    latest = connection.execute(
        select(orders.c.store_id, orders.c.order_id)
        .where(orders.c.store_id.in_(store_ids), func.lower(orders.c.email) == email)
        .order_by(orders.c.placed_at.desc(), orders.c.store_id, orders.c.order_id)
        .limit(1)
    ).first()
    return (latest.store_id, latest.order_id) if latest is not None else None


def handoff_order(connection: Connection, key: str) -> OrderLink | None:
    """The order of the hand-off whose key is `key`: Orderline writes a hand-off's key as
    its ticket's external id, so the helpdesk's report of that ticket carries it back."""
    row = connection.execute(
        select(handoffs.c.store_id, handoffs.c.order_id).where(handoffs.c.key == key)
    ).first()
    return (row.store_id, row.order_id) if row is not None else None


def count_tickets(connection: Connection, start: datetime, end: datetime, store_id: str | None = None) -> int:
    """Tickets created in [start, end); with `store_id`, only those linked to its orders."""
    query = (
        select(func.count())
        .select_from(support_tickets)
        .where(support_tickets.c.created_at >= start, support_tickets.c.created_at < end)
    )
    if store_id is not None:
        query = query.where(support_tickets.c.store_id == store_id)
    return int(connection.execute(query).scalar_one())


def list_tickets(connection: Connection, store_id: str, order_id: str) -> list[dict[str, Any]]:
    """The tickets linked to one order, oldest first."""
    rows = connection.execute(
        select(*_COLUMNS)
        .where(support_tickets.c.store_id == store_id, support_tickets.c.order_id == order_id)
        .order_by(support_tickets.c.created_at, support_tickets.c.id)
    )
    return [dict(row._mapping) for row in rows]


def search_tickets(connection: Connection, where: TicketFilter, limit: int) -> list[dict[str, Any]]:
    """Tickets matching `where`, newest first, at most `limit`."""
    query = select(*_COLUMNS)
    if where.store_id is not None:
        query = query.where(support_tickets.c.store_id == where.store_id)
    if where.created_from is not None:
        query = query.where(support_tickets.c.created_at >= where.created_from)
    if where.created_to is not None:
        query = query.where(support_tickets.c.created_at < where.created_to)
    query = query.order_by(support_tickets.c.created_at.desc(), support_tickets.c.id.desc()).limit(limit)
    return [dict(row._mapping) for row in connection.execute(query)]
