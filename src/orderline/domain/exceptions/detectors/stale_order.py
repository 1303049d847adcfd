"""stale_order: nothing has happened to the order for too long while it is still open.

"Something happened" is any fact at all (`Order.updated_at`): a snapshot, a shipment, a
carrier scan, a refund, a hold. The finding's key carries the status it got stuck in, so
an order that moves on and gets stuck again opens a new exception.
"""

from __future__ import annotations

from datetime import datetime

from orderline.domain.exceptions.business_calendar import DEFAULT_CALENDAR, BusinessCalendar
from orderline.domain.exceptions.findings import Finding, finding_data, hours_text
from orderline.domain.exceptions.order_state import SETTLED
from orderline.domain.exceptions.policy import ExceptionPolicy
from orderline.domain.order import Order


def detect_stale_order(
    order: Order, policy: ExceptionPolicy, now: datetime, calendar: BusinessCalendar = DEFAULT_CALENDAR
) -> list[Finding]:
    rule = policy.stale_order
    if not rule.enabled or order.status in SETTLED:
        return []
    opened_at = order.updated_at + rule.no_progress_for
    if opened_at > now:
        return []
    reason = f"No progress for {hours_text(rule.no_progress_for)} while {order.status}"
    data = finding_data(last_progress_at=order.updated_at.isoformat(), status=order.status)
    return [rule.finding(str(order.status), opened_at, reason, None, data)]
