"""payment_failed: the payment failed, is pending too long, or its authorization is about to lapse."""

from __future__ import annotations

from datetime import datetime

from orderline.domain.exceptions.business_calendar import DEFAULT_CALENDAR, BusinessCalendar
from orderline.domain.exceptions.findings import Finding, finding_data, hours_text
from orderline.domain.exceptions.order_state import CLOSED, payment_status_since
from orderline.domain.exceptions.policy import ExceptionPolicy, PaymentPolicy
from orderline.domain.order import Order
from orderline.domain.vocabulary import FulfillmentStatus, HoldReason, PaymentStatus


def detect_payment_failed(
    order: Order, policy: ExceptionPolicy, now: datetime, calendar: BusinessCalendar = DEFAULT_CALENDAR
) -> list[Finding]:
    """At most one finding: keyed `failed`, `pending` or `authorization_expiring`."""
    rule = policy.payment_failed
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


def _hold(rule: PaymentPolicy) -> HoldReason | None:
    return HoldReason.PAYMENT if rule.places_hold else None


def _failed(order: Order, rule: PaymentPolicy) -> Finding:
    since = payment_status_since(order)
    reason = "Payment failed; the order must not ship until the buyer pays"
    return rule.finding("failed", since, reason, _hold(rule), finding_data(failed_at=since.isoformat()))


def _pending(order: Order, rule: PaymentPolicy) -> Finding:
    since = payment_status_since(order)
    reason = f"Payment still pending after {hours_text(rule.pending_after)}"
    data = finding_data(pending_since=since.isoformat())
    return rule.finding("pending", since + rule.pending_after, reason, _hold(rule), data)


def _authorization_expiring(order: Order, rule: PaymentPolicy) -> Finding:
    expires_at = payment_status_since(order) + rule.authorization_validity
    reason = f"Payment authorization expires at {expires_at.isoformat()}; capture it or ask for a new one"
    data = finding_data(expires_at=expires_at.isoformat())
    return rule.finding("authorization_expiring", expires_at - rule.authorization_warning, reason, None, data)
