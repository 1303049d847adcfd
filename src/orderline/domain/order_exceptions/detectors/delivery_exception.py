"""delivery_exception: the carrier reports a problem with a parcel (a failed
delivery attempt, an exception, or a return to sender). One finding per shipment, opened
when the shipment entered that status (plus the policy's grace, zero by default)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from orderline.domain.order import Order, Shipment
from orderline.domain.order_exceptions.business_calendar import DEFAULT_CALENDAR, BusinessCalendar
from orderline.domain.order_exceptions.escalation import EscalationLevel
from orderline.domain.order_exceptions.findings import Finding, finding_data
from orderline.domain.order_exceptions.order_state import CLOSED, active_shipments, delivery_status_since
from orderline.domain.order_exceptions.policy import SUPPORT, DetectorPolicy, ExceptionPolicy, ladder
from orderline.domain.order_exceptions.spec import ExceptionSpec
from orderline.domain.vocabulary import DeliveryStatus, ExceptionType

DELIVERY_PROBLEMS = frozenset(
    {DeliveryStatus.FAILED_ATTEMPT, DeliveryStatus.EXCEPTION, DeliveryStatus.RETURNED_TO_SENDER}
)


@dataclass(frozen=True, slots=True)
class DeliveryExceptionPolicy(DetectorPolicy):
    owner: str = SUPPORT
    escalation: tuple[EscalationLevel, ...] = ladder(SUPPORT)
    statuses: frozenset[DeliveryStatus] = DELIVERY_PROBLEMS
    grace: timedelta = timedelta(0)  # how long a carrier status must last before it counts

    def _check_thresholds(self) -> None:
        if self.grace < timedelta(0):
            raise ValueError(f"grace must not be negative, got {self.grace}")


def detect_delivery_exception(
    order: Order, policy: ExceptionPolicy, now: datetime, calendar: BusinessCalendar = DEFAULT_CALENDAR
) -> list[Finding]:
    rule = policy.rule(DELIVERY_EXCEPTION)
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
    return DELIVERY_EXCEPTION.finding(rule, shipment.shipment_id, since + rule.grace, reason, data)


DELIVERY_EXCEPTION = ExceptionSpec(
    type=ExceptionType.DELIVERY_EXCEPTION,
    settings=DeliveryExceptionPolicy,
    detect=detect_delivery_exception,
    buyer_facing=True,
    thresholds="carrier status `failed_attempt`, `exception` or `returned_to_sender`, "
    "counted at once (grace 0)",
)
