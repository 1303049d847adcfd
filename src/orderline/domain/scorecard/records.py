"""What the KPIs read: one flat record per order and per support ticket.

An order's record is derived from its canonical state (`Order`) and the exceptions opened
on it; the order types are worked out before the KPIs run (`order_types.classify`), so the
formulas never see configuration.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class OrderTraits:
    """The order fields order-type rules may test."""

    line_count: int
    unit_count: int
    total_price: Decimal
    currency: str
    ship_country: str | None
    skus: tuple[str, ...] = ()
    titles: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class OrderRecord:
    """One order as the scorecard counts it. Datetimes are aware (UTC)."""

    store_id: str
    order_id: str
    platform: str
    placed_at: datetime
    first_shipped_at: datetime | None
    """When the first shipment was created; None while nothing has shipped."""
    last_shipped_at: datetime | None
    """When the shipment that completed the order was created; None until every unit that
    will ship has shipped (an order partly shipped has a first but no last shipment)."""
    carrier: str | None
    """The first shipment's carrier, as the platform names it."""
    is_cancelled: bool
    is_refunded: bool
    types: frozenset[str] = frozenset()
    exception_types: frozenset[str] = frozenset()
    """Every exception type ever opened on the order (open or resolved)."""


@dataclass(frozen=True, slots=True)
class TicketRecord:
    """One support ticket: from a helpdesk webhook, a CSV import or an Orderline hand-off."""

    ticket_id: str
    created_at: datetime
    source: str
    store_id: str | None
    order_id: str | None
    """The order it is linked to; None for a ticket about no known order."""
    reason: str
    """Its reason, classified from the subject (`ticket_reasons.classify`)."""


@dataclass(frozen=True, slots=True)
class DriftRecord:
    """One drift incident: the platform and Orderline disagreed about an order (found by a
    reconciliation sweep, the daily count check or a support-tool check)."""

    store_id: str
    order_id: str
    changed_at: datetime
    """When the platform's side last changed: since when they disagreed."""
    detected_at: datetime
    """When Orderline saw it; the incident counts in this week."""
    source: str = "reconciliation"
