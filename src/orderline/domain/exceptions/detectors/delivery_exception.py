"""delivery_exception: the carrier reports a problem with a parcel (by default a failed
delivery attempt, an exception, or a return to sender). One finding per shipment, opened
when the shipment entered that status (plus the policy's grace, zero by default)."""

from __future__ import annotations

from datetime import datetime

from orderline.domain.exceptions.business_calendar import DEFAULT_CALENDAR, BusinessCalendar
from orderline.domain.exceptions.findings import Finding, finding_data
from orderline.domain.exceptions.order_state import CLOSED, active_shipments, delivery_status_since
from orderline.domain.exceptions.policy import DeliveryExceptionPolicy, ExceptionPolicy
from orderline.domain.order import Order, Shipment


def detect_delivery_exception(
    order: Order, policy: ExceptionPolicy, now: datetime, calendar: BusinessCalendar = DEFAULT_CALENDAR
) -> list[Finding]:
    rule = policy.delivery_exception
    if not rule.enabled or order.status in CLOSED:
        return []
    findings = [
        _finding(order, shipment, rule)
        for shipment in active_shipments(order)
        if shipment.delivery_status in rule.statuses
    ]
    return [finding for finding in findings if finding.opened_at <= now]


def _finding(order: Order, shipment: Shipment, rule: DeliveryExceptionPolicy) -> Finding:
    since = delivery_status_since(order, shipment)
    via = f" ({shipment.carrier})" if shipment.carrier else ""
    reason = f"Shipment {shipment.shipment_id}: carrier{via} reports {shipment.delivery_status}"
    data = finding_data(
        carrier=shipment.carrier,
        delivery_status=shipment.delivery_status,
        shipment_id=shipment.shipment_id,
        since=since.isoformat(),
        tracking_numbers=",".join(shipment.tracking_numbers) or None,
    )
    return rule.finding(shipment.shipment_id, since + rule.grace, reason, None, data)
