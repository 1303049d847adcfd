"""The scorecard's reads and its read model `scorecard_orders` (see scorecard_tables.py).

- Refreshing: which orders of a span are missing from the read model or stale (their
  projection changed since), their projections read back, and the derived rows written.
- Reading: a span's orders as `OrderRecord`s with every exception type ever opened on
  them, its support tickets as `TicketRecord`s, and the failure analysis's parts
  (escalations that breached, drift incidents).
- Go-live: the first live webhook of the inbox, and whether any import stored history.

Reads select only the columns they need with SQLAlchemy Core, one query per kind of row,
never one per order: a scorecard reads hundreds of thousands of orders.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, delete, exists, or_, select, true

from orderline.domain.scorecard.figures import BreachedEscalation, DriftIncident
from orderline.domain.scorecard.order_record import TEXT_SEPARATOR, DerivedOrder
from orderline.domain.scorecard.records import DriftRecord, OrderRecord, TicketRecord
from orderline.persistence.exception_tables import order_exceptions
from orderline.persistence.messaging_tables import support_tickets
from orderline.persistence.projections import of_orders, upsert
from orderline.persistence.reconcile_tables import drift_incidents as drift_table
from orderline.persistence.scorecard_tables import (
    CARRIER_CHARS,
    COUNTRY_CHARS,
    CURRENCY_CHARS,
    PLATFORM_CHARS,
    PRICE_CHARS,
    scorecard_orders,
)
from orderline.persistence.tables import inbox, orders

OrderKey = tuple[str, str]  # (store_id, order_id)
Span = tuple[datetime, datetime]
"""[start, end) as UTC instants."""
KEYS_PER_QUERY = 400
RESOLVED = "resolved"


# --- refreshing the read model ---------------------------------------------------------


def stale_keys(
    connection: Connection, span: Span, types_digest: str, store_id: str | None = None
) -> list[OrderKey]:
    """Orders placed in `span` whose row is missing, was derived from an older projection
    or classified under other order-type rules; and rows in `span` whose order is gone
    (replayed away). The version is compared in SQL, one scan of each side: no per-order
    query, and only the projection's short columns are read."""
    o, s = orders.c, scorecard_orders.c
    same_order = and_(s.store_id == o.store_id, s.order_id == o.order_id)
    stale = or_(
        s.order_id.is_(None),
        s.source_updated_at != o.updated_at,
        s.source_fact_count != o.fact_count,
        s.types_digest != types_digest,
    )
    missing = (
        select(o.store_id, o.order_id)
        .select_from(orders.outerjoin(scorecard_orders, same_order))
        .where(o.placed_at >= span[0], o.placed_at < span[1], stale)
    )
    # Existence only: the primary key's index answers it without reading the order's row.
    # (An order whose placement time changed is re-derived once its new weeks are read;
    # platforms never change when an order was placed.)
    orphaned = select(s.store_id, s.order_id).where(
        s.placed_at >= span[0], s.placed_at < span[1], ~exists().where(same_order)
    )
    if store_id is not None:
        missing = missing.where(o.store_id == store_id)
        orphaned = orphaned.where(s.store_id == store_id)
    found = {(row[0], row[1]) for query in (missing, orphaned) for row in connection.execute(query)}
    return sorted(found)


@dataclass(frozen=True, slots=True)
class SourceOrder:
    """An order's projection as a row of the read model is derived from it."""

    store_id: str
    order_id: str
    updated_at: datetime
    fact_count: int
    state: dict[str, Any]


def load_sources(connection: Connection, keys: Sequence[OrderKey]) -> list[SourceOrder]:
    """The projections of `keys` that exist (an order replayed away has none)."""
    o = orders.c
    found: list[SourceOrder] = []
    for start in range(0, len(keys), KEYS_PER_QUERY):
        chunk = keys[start : start + KEYS_PER_QUERY]
        rows = connection.execute(
            select(o.store_id, o.order_id, o.updated_at, o.fact_count, o.state).where(
                of_orders(orders, chunk)
            )
        )
        found.extend(SourceOrder(*row) for row in rows)
    return found


@dataclass(frozen=True, slots=True)
class ScorecardRow:
    """One row of the read model: an order's derivation with where it came from."""

    source: SourceOrder
    platform: str
    placed_at: datetime
    derived: DerivedOrder
    types: frozenset[str]
    types_digest: str


def save_rows(connection: Connection, rows: Sequence[ScorecardRow]) -> None:
    """Insert or replace the rows (one statement)."""
    if not rows:
        return
    values = [_encoded(row) for row in rows]
    statement = upsert(connection.dialect.name, scorecard_orders)
    statement = statement.on_conflict_do_update(
        index_elements=["store_id", "order_id"],
        set_={name: statement.excluded[name] for name in values[0] if name not in ("store_id", "order_id")},
    )
    connection.execute(statement, values)


def delete_rows(connection: Connection, keys: Sequence[OrderKey]) -> None:
    for start in range(0, len(keys), KEYS_PER_QUERY):
        connection.execute(
            delete(scorecard_orders).where(of_orders(scorecard_orders, keys[start : start + KEYS_PER_QUERY]))
        )


def _encoded(row: ScorecardRow) -> dict[str, Any]:
    derived, traits = row.derived, row.derived.traits
    # Cut to the columns' widths: a platform's odd value must not fail the whole batch.
    return {
        "store_id": row.source.store_id,
        "order_id": row.source.order_id,
        "platform": row.platform[:PLATFORM_CHARS],
        "placed_at": row.placed_at,
        "first_shipped_at": derived.first_shipped_at,
        "last_shipped_at": derived.last_shipped_at,
        "carrier": None if derived.carrier is None else derived.carrier[:CARRIER_CHARS],
        "is_cancelled": derived.is_cancelled,
        "is_refunded": derived.is_refunded,
        "line_count": traits.line_count,
        "unit_count": traits.unit_count,
        "total_price": str(traits.total_price)[:PRICE_CHARS],
        "currency": traits.currency[:CURRENCY_CHARS],
        "ship_country": None if traits.ship_country is None else traits.ship_country[:COUNTRY_CHARS],
        "skus": TEXT_SEPARATOR.join(traits.skus),
        "titles": TEXT_SEPARATOR.join(traits.titles),
        "types": TEXT_SEPARATOR.join(sorted(row.types)),
        "types_digest": row.types_digest,
        "source_updated_at": row.source.updated_at,
        "source_fact_count": row.source.fact_count,
    }


# --- reading a span --------------------------------------------------------------------


def _split(text: str) -> tuple[str, ...]:
    return tuple(text.split(TEXT_SEPARATOR)) if text else ()


def read_orders(connection: Connection, span: Span, store_id: str | None) -> list[OrderRecord]:
    """The read model's orders placed in `span` (of one store, or all), each with its
    order types and every exception type ever opened on it."""
    s = scorecard_orders.c
    query = select(
        s.store_id, s.order_id, s.platform, s.placed_at, s.first_shipped_at, s.last_shipped_at, s.carrier,
        s.is_cancelled, s.is_refunded, s.types,
    ).where(s.placed_at >= span[0], s.placed_at < span[1])  # fmt: skip
    if store_id is not None:
        query = query.where(s.store_id == store_id)
    exceptions = exception_types(connection, store_id)
    none: frozenset[str] = frozenset()
    # Orders share a few combinations of types: one frozenset for each.
    types_of: dict[str, frozenset[str]] = {}
    records = []
    for row in connection.execute(query):
        store, order_id, platform, placed_at, first, last, carrier, cancelled, refunded, types = row
        kinds = types_of.get(types)
        if kinds is None:
            kinds = types_of[types] = frozenset(_split(types))
        records.append(
            OrderRecord(
                store, order_id, platform, placed_at, first, last, carrier, bool(cancelled), bool(refunded),
                kinds, exceptions.get((store, order_id), none),
            )
        )  # fmt: skip
    return records


def exception_types(connection: Connection, store_id: str | None) -> dict[OrderKey, frozenset[str]]:
    """Every exception type ever opened (open or resolved), by order. The table is read
    whole (three short columns): joined to a span's orders, SQLite looked each order up
    in it instead, which took longer than reading it."""
    e = order_exceptions.c
    query = select(e.store_id, e.order_id, e.type).distinct()
    if store_id is not None:
        query = query.where(e.store_id == store_id)
    found: dict[OrderKey, set[str]] = defaultdict(set)
    for store, order_id, kind in connection.execute(query):
        found[(store, order_id)].add(kind)
    return {key: frozenset(kinds) for key, kinds in found.items()}


def read_tickets(
    connection: Connection, span: Span, store_id: str | None, reason_of: Callable[[str], str]
) -> list[TicketRecord]:
    """Tickets created in `span` (with `store_id`, those linked to its orders), each with
    its reason (`reason_of` its subject). A ticket's id is `helpdesk:ticket id`, unique."""
    t = support_tickets.c
    query = select(t.helpdesk, t.ticket_id, t.created_at, t.source, t.store_id, t.order_id, t.subject).where(
        t.created_at >= span[0], t.created_at < span[1]
    )
    if store_id is not None:
        query = query.where(t.store_id == store_id)
    return [
        TicketRecord(f"{helpdesk}:{ticket_id}", created_at, source, store, order_id, reason_of(subject))
        for helpdesk, ticket_id, created_at, source, store, order_id, subject in connection.execute(query)
    ]


def read_drifts(connection: Connection, span: Span, store_id: str | None) -> list[DriftRecord]:
    """Drift incidents detected in `span` (of `store_id` only, when set)."""
    d = drift_table.c
    query = select(d.store_id, d.order_id, d.changed_at, d.detected_at, d.source).where(
        d.detected_at >= span[0], d.detected_at < span[1]
    )
    if store_id is not None:
        query = query.where(d.store_id == store_id)
    return [DriftRecord(*row) for row in connection.execute(query)]


# --- failure analysis ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoreWeeks:
    """Each store's week as UTC bounds, and the bounds of stores not listed."""

    by_store: Mapping[str, Span]
    other: Span | None
    """None: only the listed stores."""

    def contain(self, store: Any, moment: Any) -> ColumnElement[bool]:
        """`moment` (a column) falls in the week of its row's `store` (a column)."""
        parts = [and_(store == sid, moment >= a, moment < b) for sid, (a, b) in sorted(self.by_store.items())]
        if self.other is not None:
            a, b = self.other
            unlisted = store.not_in(list(self.by_store)) if self.by_store else true()
            parts.append(and_(unlisted, moment >= a, moment < b))
        return or_(*parts) if parts else ~true()


def breached_escalations(
    connection: Connection, weeks: StoreWeeks, now: datetime, skip_types: Collection[str]
) -> list[BreachedEscalation]:
    """Exceptions whose first escalation level fell due in their store's week (by `now`)
    before they were resolved, or that are still open past it. A level due the moment the
    exception opened is a notice, not a deadline, and `skip_types` (informational ones)
    have nothing to breach."""
    e = order_exceptions.c
    rows = connection.execute(
        select(e.store_id, e.order_id, e.type, e.owner, e.opened_at, e.level_reached, e.state)
        .where(
            weeks.contain(e.store_id, e.first_due_at),
            e.first_due_at <= now,
            e.first_due_at > e.opened_at,
            e.type.not_in(list(skip_types)) if skip_types else true(),
            or_(e.state != RESOLVED, e.resolved_at.is_(None), e.resolved_at > e.first_due_at),
        )
        .order_by(e.first_due_at, e.store_id, e.order_id, e.key)
    )
    return [
        BreachedEscalation(store, order_id, kind, owner, opened_at, level, state == RESOLVED)
        for store, order_id, kind, owner, opened_at, level, state in rows
    ]


def drift_incidents(connection: Connection, weeks: StoreWeeks, drift_type: str) -> list[DriftIncident]:
    """Exceptions of `drift_type` opened in their store's week."""
    e = order_exceptions.c
    rows = connection.execute(
        select(e.store_id, e.order_id, e.opened_at, e.reason, e.state)
        .where(e.type == drift_type, weeks.contain(e.store_id, e.opened_at))
        .order_by(e.opened_at, e.store_id, e.order_id, e.key)
    )
    return [
        DriftIncident(store, order_id, opened_at, reason, state == RESOLVED)
        for store, order_id, opened_at, reason, state in rows
    ]


# --- go-live ---------------------------------------------------------------------------


def _imported(prefix: str) -> ColumnElement[bool]:
    return inbox.c.dedupe_key.startswith(prefix, autoescape=True)


def has_imports(connection: Connection, import_prefix: str, store_id: str | None = None) -> bool:
    """Whether an import stored any delivery (of `store_id`'s)."""
    query = select(inbox.c.id).where(_imported(import_prefix)).limit(1)
    if store_id is not None:
        query = query.where(inbox.c.store_id == store_id)
    return connection.execute(query).first() is not None


def first_live_delivery(
    connection: Connection, import_prefix: str, store_id: str | None = None
) -> datetime | None:
    """When the first webhook (the first delivery stored that no import stored) was received."""
    # By id, which grows as deliveries are stored: the scan stops at the first webhook
    # instead of reading the whole inbox for the smallest `received_at`.
    query = select(inbox.c.received_at).where(~_imported(import_prefix)).order_by(inbox.c.id).limit(1)
    if store_id is not None:
        query = query.where(inbox.c.store_id == store_id)
    first: datetime | None = connection.execute(query).scalar_one_or_none()
    return first
