"""state_drift: the platform and Orderline disagree about an order.

What a folded order can compare: the platform's own fulfilment rollup in its latest
snapshot (Shopify `fulfillment_status`, BigCommerce status 2 Shipped / 3 Partially
Shipped) against the fulfilment Orderline derives from the shipments it knows. A store
that marks an order shipped without creating shipments, or a lost fulfillment webhook,
shows up here. The claim only counts when no shipment change is newer than it (the fold
drops an older claim). Comparing with the platform's live view belongs to reconciliation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from orderline.domain.order import Order
from orderline.domain.order_exceptions.business_calendar import DEFAULT_CALENDAR, BusinessCalendar
from orderline.domain.order_exceptions.findings import Finding, finding_data
from orderline.domain.order_exceptions.policy import DetectorPolicy, ExceptionPolicy
from orderline.domain.order_exceptions.spec import ExceptionSpec
from orderline.domain.vocabulary import ExceptionType


@dataclass(frozen=True, slots=True)
class StateDriftPolicy(DetectorPolicy):
    pass


def detect_state_drift(
    order: Order, policy: ExceptionPolicy, now: datetime, calendar: BusinessCalendar = DEFAULT_CALENDAR
) -> list[Finding]:
    rule = policy.rule(STATE_DRIFT)
    claimed, since = order.platform_fulfillment, order.platform_claim_at
    if not rule.enabled or claimed is None or since is None or since > now:
        return []
    if claimed is order.fulfillment_status:
        return []
    reason = (
        f"The platform says fulfilment is {claimed.value}; "
        f"Orderline's shipments say {order.fulfillment_status.value}"
    )
    data = finding_data(platform=claimed.value, orderline=order.fulfillment_status.value)
    return [STATE_DRIFT.finding(rule, "fulfillment", since, reason, data)]


STATE_DRIFT = ExceptionSpec(
    type=ExceptionType.STATE_DRIFT,
    settings=StateDriftPolicy,
    detect=detect_state_drift,
    thresholds="the platform's fulfilment rollup disagrees with the shipments",
)
