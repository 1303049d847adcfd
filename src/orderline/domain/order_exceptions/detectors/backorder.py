"""backorder: part of the order waits for stock.

The connectors place `backorder` holds from the platforms' signals (Shopify's
INVENTORY_OUT_OF_STOCK hold, WooCommerce's backordered line meta), one per held part
(`hold_group`), and so does this detector. The promise date is known when the hold's note
carries an ISO date (YYYY-MM-DD, the first one in the note), as a merchant or a
purchase-order integration writes it ("restock expected 2024-05-02").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from orderline.domain.order import Hold, Order
from orderline.domain.order_exceptions.business_calendar import DEFAULT_CALENDAR, BusinessCalendar
from orderline.domain.order_exceptions.escalation import EscalationLevel
from orderline.domain.order_exceptions.findings import Finding, finding_data
from orderline.domain.order_exceptions.order_state import CLOSED
from orderline.domain.order_exceptions.policy import HOUR, OPERATIONS, ExceptionPolicy, HoldingPolicy, ladder
from orderline.domain.order_exceptions.spec import ExceptionSpec
from orderline.domain.vocabulary import ExceptionType, HoldReason

_ISO_DATE = re.compile(r"(?<![0-9])([0-9]{4}-[0-9]{2}-[0-9]{2})(?![0-9])")


@dataclass(frozen=True, slots=True)
class BackorderPolicy(HoldingPolicy):
    # Waiting for stock is slow by nature: escalate after a day and after three.
    escalation: tuple[EscalationLevel, ...] = ladder(OPERATIONS, 24 * HOUR, 72 * HOUR)
    # False: the rest of the order ships first, the platform's hold on the backordered
    # part stays as it is. True: the whole order waits for the stock.
    places_hold: bool = False


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
    rule = policy.rule(BACKORDER)
    if not rule.enabled or order.status in CLOSED:
        return []
    outstanding = sum(
        max(line.quantity - line.shipped_quantity - line.refunded_quantity, 0) for line in order.lines
    )
    return [
        BACKORDER.finding(rule, held.hold_group, held.placed_at, _reason(held), _data(held, outstanding))
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


BACKORDER = ExceptionSpec(
    type=ExceptionType.BACKORDER,
    settings=BackorderPolicy,
    detect=detect_backorder,
    hold=HoldReason.BACKORDER,
    hold_from_platform=True,
    buyer_facing=True,
    thresholds="none: the platform's hold is the signal",
    hold_note="the rest of the order ships first",
)
