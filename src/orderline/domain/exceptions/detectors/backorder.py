"""backorder: part of the order waits for stock.

The connectors place `backorder` holds from the platforms' signals (Shopify's
INVENTORY_OUT_OF_STOCK hold, WooCommerce's backordered line meta), one per held part
(`hold_group`), and so does this detector. The promise date is known when the hold's note
carries an ISO date (YYYY-MM-DD, the first one in the note), as a merchant or a
purchase-order integration writes it ("restock expected 2024-05-02").
"""

from __future__ import annotations

import re
from datetime import date, datetime

from orderline.domain.exceptions.business_calendar import DEFAULT_CALENDAR, BusinessCalendar
from orderline.domain.exceptions.findings import Finding, finding_data
from orderline.domain.exceptions.order_state import CLOSED
from orderline.domain.exceptions.policy import ExceptionPolicy
from orderline.domain.order import Hold, Order
from orderline.domain.vocabulary import HoldReason

_ISO_DATE = re.compile(r"(?<![0-9])([0-9]{4}-[0-9]{2}-[0-9]{2})(?![0-9])")


def promise_date(note: str | None) -> date | None:
    """The first valid ISO date in a hold note, if any."""
    for match in _ISO_DATE.finditer(note or ""):
        try:
            return date.fromisoformat(match.group(1))
        except ValueError:
            continue
    return None


def detect_backorder(
    order: Order, policy: ExceptionPolicy, now: datetime, calendar: BusinessCalendar = DEFAULT_CALENDAR
) -> list[Finding]:
    rule = policy.backorder
    if not rule.enabled or order.status in CLOSED:
        return []
    outstanding = sum(
        max(line.quantity - line.shipped_quantity - line.refunded_quantity, 0) for line in order.lines
    )
    hold = HoldReason.BACKORDER if rule.places_hold else None
    return [
        rule.finding(held.hold_group, held.placed_at, _reason(held), hold, _data(held, outstanding))
        for held in order.holds
        if held.reason is HoldReason.BACKORDER and held.placed_at <= now
    ]


def _reason(held: Hold) -> str:
    promised = promise_date(held.note)
    detail = f" ({held.note})" if held.note else ""
    return f"Backordered{detail}" + (f"; promised for {promised.isoformat()}" if promised else "")


def _data(held: Hold, outstanding: int) -> tuple[tuple[str, str], ...]:
    promised = promise_date(held.note)
    return finding_data(
        hold_group=held.hold_group,
        promised_on=promised.isoformat() if promised else None,
        units_outstanding=outstanding,
    )
