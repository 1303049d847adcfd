"""state_drift: the platform and Orderline disagree about an order.

Deciding that needs the platform's current view (a reconciliation fetch), which a folded
`Order` does not hold, so this detector reports nothing. The drift comparison will live
with reconciliation and produce `state_drift` findings through the same policy.
"""

from __future__ import annotations

from datetime import datetime

from orderline.domain.exceptions.business_calendar import DEFAULT_CALENDAR, BusinessCalendar
from orderline.domain.exceptions.findings import Finding
from orderline.domain.exceptions.policy import ExceptionPolicy
from orderline.domain.order import Order


def detect_state_drift(
    order: Order, policy: ExceptionPolicy, now: datetime, calendar: BusinessCalendar = DEFAULT_CALENDAR
) -> list[Finding]:
    """Always empty: see the module docstring."""
    return []
