"""fraud_review: the platform holds the order for a fraud check.

The connectors turn the platforms' risk signals into `fraud_review` holds (Shopify's
HIGH_RISK_OF_FRAUD hold reason, BigCommerce status 12 "Manual Verification Required"),
so the detector reads the open holds. Shopify holds each fulfillment order separately;
the review is of the buyer, so the order gets one finding whatever the number of holds.
"""

from __future__ import annotations

from datetime import datetime

from orderline.domain.exceptions.business_calendar import DEFAULT_CALENDAR, BusinessCalendar
from orderline.domain.exceptions.findings import Finding, finding_data
from orderline.domain.exceptions.order_state import CLOSED
from orderline.domain.exceptions.policy import ExceptionPolicy
from orderline.domain.order import Order
from orderline.domain.vocabulary import HoldReason


def detect_fraud_review(
    order: Order, policy: ExceptionPolicy, now: datetime, calendar: BusinessCalendar = DEFAULT_CALENDAR
) -> list[Finding]:
    rule = policy.fraud_review
    if not rule.enabled or order.status in CLOSED:
        return []
    holds = [h for h in order.holds if h.reason is HoldReason.FRAUD_REVIEW and h.placed_at <= now]
    if not holds:
        return []
    notes = sorted({h.note for h in holds if h.note})
    reason = "Held for fraud review" + (f": {'; '.join(notes)}" if notes else "")
    data = finding_data(hold_groups=",".join(sorted(h.hold_group for h in holds)))
    hold = HoldReason.FRAUD_REVIEW if rule.places_hold else None
    return [rule.finding("order", min(h.placed_at for h in holds), reason, hold, data)]
