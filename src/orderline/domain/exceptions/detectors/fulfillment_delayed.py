"""fulfillment_delayed: the order is not fully shipped within its SLA, counted in business
hours on the store's calendar.

The clock starts when the order first became ready to fulfil (placement for an order paid
at checkout; the payment for one that waited for it; the release for one held from the
start). A hold placed later does not stop the clock, but the detector stays quiet while
the order is on hold: the hold is an exception of its own, with its own owner. Once it is
released, an order past its SLA is reported at once, opened at the SLA's due time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from orderline.domain.exceptions.business_calendar import DEFAULT_CALENDAR, BusinessCalendar
from orderline.domain.exceptions.findings import Finding, finding_data
from orderline.domain.exceptions.order_state import ready_since
from orderline.domain.exceptions.policy import ExceptionPolicy
from orderline.domain.order import Order
from orderline.domain.vocabulary import OrderStatus

_AWAITING_SHIPMENT = frozenset({OrderStatus.READY_TO_FULFILL, OrderStatus.PARTIALLY_SHIPPED})


def detect_fulfillment_delayed(
    order: Order, policy: ExceptionPolicy, now: datetime, calendar: BusinessCalendar = DEFAULT_CALENDAR
) -> list[Finding]:
    """Reported from the due time on (`due_at <= now`), not a minute before."""
    rule = policy.fulfillment_delayed
    if not rule.enabled or order.status not in _AWAITING_SHIPMENT:
        return []
    sla_hours = rule.sla_business_hours
    # Business time never runs faster than real time, so a younger order cannot be late;
    # this spares the calendar walk for most orders.
    if now - order.placed_at < timedelta(hours=sla_hours):
        return []
    started_at = ready_since(order)
    if started_at is None:
        return []
    due_at = calendar.add_business_hours(started_at, sla_hours)
    if due_at > now:
        return []
    reason = f"Not fully shipped within {sla_hours:g} business hours (due {due_at.isoformat()})"
    data = finding_data(
        clock_started_at=started_at.isoformat(),
        due_at=due_at.isoformat(),
        sla_business_hours=f"{sla_hours:g}",
    )
    return [rule.finding("sla", due_at, reason, None, data)]
