"""fraud_review: the platform holds the order for a fraud check.

The connectors turn the platforms' risk signals into `fraud_review` holds (Shopify's
HIGH_RISK_OF_FRAUD hold reason, BigCommerce status 12 "Manual Verification Required"),
so the detector reads the open holds. Shopify holds each fulfillment order separately;
the review is of the buyer, so the order gets one finding whatever the number of holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from orderline.domain.order import Order
from orderline.domain.order_exceptions.business_calendar import DEFAULT_CALENDAR, BusinessCalendar
from orderline.domain.order_exceptions.findings import Finding, finding_data
from orderline.domain.order_exceptions.order_state import CLOSED
from orderline.domain.order_exceptions.policy import ExceptionPolicy, HoldingPolicy
from orderline.domain.order_exceptions.spec import ExceptionSpec
from orderline.domain.vocabulary import ExceptionType, HoldReason


@dataclass(frozen=True, slots=True)
class FraudReviewPolicy(HoldingPolicy):
    pass


def detect_fraud_review(
    order: Order, policy: ExceptionPolicy, now: datetime, calendar: BusinessCalendar = DEFAULT_CALENDAR
) -> list[Finding]:
    rule = policy.rule(FRAUD_REVIEW)
    if not rule.enabled or order.status in CLOSED:
        return []
    holds = [h for h in order.holds if h.reason is HoldReason.FRAUD_REVIEW and h.placed_at <= now]
    if not holds:
        return []
    notes = sorted({h.note for h in holds if h.note})
    reason = "Held for fraud review" + (f": {'; '.join(notes)}" if notes else "")
    data = finding_data(hold_groups=",".join(sorted(h.hold_group for h in holds)))
    return [FRAUD_REVIEW.finding(rule, "order", min(h.placed_at for h in holds), reason, data)]


FRAUD_REVIEW = ExceptionSpec(
    type=ExceptionType.FRAUD_REVIEW,
    settings=FraudReviewPolicy,
    detect=detect_fraud_review,
    hold=HoldReason.FRAUD_REVIEW,
    hold_from_platform=True,
    # Never buyer-facing: a buyer is not told that their order is checked for fraud.
    buyer_facing=False,
    thresholds="none: the platform's hold is the signal",
)
