"""split_shipment: the order ships in more than one parcel. Informational: it never holds
anything; operations hears of it once (its ladder has one level, due when it opens)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from orderline.domain.order import Order
from orderline.domain.order_exceptions.business_calendar import DEFAULT_CALENDAR, BusinessCalendar
from orderline.domain.order_exceptions.escalation import EscalationLevel
from orderline.domain.order_exceptions.findings import Finding, finding_data
from orderline.domain.order_exceptions.order_state import active_shipments
from orderline.domain.order_exceptions.policy import OPERATIONS, DetectorPolicy, ExceptionPolicy
from orderline.domain.order_exceptions.spec import ExceptionSpec
from orderline.domain.vocabulary import ExceptionType


@dataclass(frozen=True, slots=True)
class SplitShipmentPolicy(DetectorPolicy):
    # Informational: operations hears of it once, when it opens.
    escalation: tuple[EscalationLevel, ...] = (EscalationLevel(timedelta(0), OPERATIONS),)


def detect_split_shipment(
    order: Order, policy: ExceptionPolicy, now: datetime, calendar: BusinessCalendar = DEFAULT_CALENDAR
) -> list[Finding]:
    """Opened when the second active shipment was created; a third one adds to its data."""
    rule = policy.rule(SPLIT_SHIPMENT)
    shipments = [s for s in active_shipments(order) if s.created_at <= now]
    if not rule.enabled or len(shipments) < 2:
        return []
    data = finding_data(
        shipment_count=len(shipments), shipment_ids=",".join(s.shipment_id for s in shipments)
    )
    reason = f"Order ships in {len(shipments)} parcels"
    return [SPLIT_SHIPMENT.finding(rule, "order", shipments[1].created_at, reason, data)]


SPLIT_SHIPMENT = ExceptionSpec(
    type=ExceptionType.SPLIT_SHIPMENT,
    settings=SplitShipmentPolicy,
    detect=detect_split_shipment,
    informational=True,
    thresholds="two or more active parcels",
)
