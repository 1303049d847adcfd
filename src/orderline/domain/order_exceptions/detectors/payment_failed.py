"""payment_failed: the payment failed, is pending too long, or its authorization is about to lapse."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from orderline.domain.order import Order
from orderline.domain.order_exceptions.business_calendar import DEFAULT_CALENDAR, BusinessCalendar
from orderline.domain.order_exceptions.escalation import EscalationLevel
from orderline.domain.order_exceptions.findings import Finding, finding_data, hours_text
from orderline.domain.order_exceptions.order_state import CLOSED, payment_status_since
from orderline.domain.order_exceptions.policy import (
    HOUR,
    SUPPORT,
    ExceptionPolicy,
    HoldingPolicy,
    check_positive_duration,
    ladder,
)
from orderline.domain.order_exceptions.spec import ExceptionSpec
from orderline.domain.vocabulary import ExceptionType, FulfillmentStatus, HoldReason, PaymentStatus


@dataclass(frozen=True, slots=True)
class PaymentPolicy(HoldingPolicy):
    owner: str = SUPPORT
    escalation: tuple[EscalationLevel, ...] = ladder(SUPPORT)
    pending_after: timedelta = 24 * HOUR
    authorization_validity: timedelta = timedelta(days=7)  # card authorizations lapse after ~7 days
    authorization_warning: timedelta = 24 * HOUR

    def _check_thresholds(self) -> None:
        check_positive_duration("pending_after", self.pending_after)
        check_positive_duration("authorization_validity", self.authorization_validity)
        if not timedelta(0) <= self.authorization_warning < self.authorization_validity:
            raise ValueError(
                "authorization_warning must be at least 0 and shorter than authorization_validity"
            )


def detect_payment_failed(
    order: Order, policy: ExceptionPolicy, now: datetime, calendar: BusinessCalendar = DEFAULT_CALENDAR
) -> list[Finding]:
    """At most one finding: keyed `failed`, `pending` or `authorization_expiring`."""
    rule = policy.rule(PAYMENT_FAILED)
    if not rule.enabled or order.status in CLOSED:
        return []
    status = order.payment_status
    if status is PaymentStatus.FAILED:
        finding = _failed(order, rule)
    elif status is PaymentStatus.PENDING and order.fulfillment_status is FulfillmentStatus.UNFULFILLED:
        finding = _pending(order, rule)
    elif status is PaymentStatus.AUTHORIZED:
        # Cheap early exit: the authorization cannot be older than the order.
        if order.placed_at + rule.authorization_validity - rule.authorization_warning > now:
            return []
        finding = _authorization_expiring(order, rule)
    else:
        return []
    return [finding] if finding.opened_at <= now else []


def _failed(order: Order, rule: PaymentPolicy) -> Finding:
    since = payment_status_since(order)
    reason = "Payment failed; the order must not ship until the buyer pays"
    return PAYMENT_FAILED.finding(rule, "failed", since, reason, finding_data(failed_at=since.isoformat()))


def _pending(order: Order, rule: PaymentPolicy) -> Finding:
    since = payment_status_since(order)
    reason = f"Payment still pending after {hours_text(rule.pending_after)}"
    data = finding_data(pending_since=since.isoformat())
    return PAYMENT_FAILED.finding(rule, "pending", since + rule.pending_after, reason, data)


def _authorization_expiring(order: Order, rule: PaymentPolicy) -> Finding:
    """Warns only: the order may still ship on the authorization it has."""
    expires_at = payment_status_since(order) + rule.authorization_validity
    reason = f"Payment authorization expires at {expires_at.isoformat()}; capture it or ask for a new one"
    data = finding_data(expires_at=expires_at.isoformat())
    opened_at = expires_at - rule.authorization_warning
    return PAYMENT_FAILED.finding(rule, "authorization_expiring", opened_at, reason, data, may_hold=False)


PAYMENT_FAILED = ExceptionSpec(
    type=ExceptionType.PAYMENT_FAILED,
    settings=PaymentPolicy,
    detect=detect_payment_failed,
    hold=HoldReason.PAYMENT,
    buyer_facing=True,
    thresholds="pending for 24 h; authorization valid for 7 days, warned 24 h before it lapses",
    hold_note="failed or pending; not an expiring authorization",
)
