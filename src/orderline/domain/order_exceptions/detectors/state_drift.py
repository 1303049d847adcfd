"""state_drift: the platform and Orderline disagree about an order.

Two findings. `fulfillment`: the platform's own fulfilment rollup in its latest snapshot
(Shopify `fulfillment_status`, BigCommerce status 2 Shipped / 3 Partially Shipped) against
the fulfilment Orderline derives from the shipments it knows. A store that marks an order
shipped without creating shipments, or a lost fulfillment webhook, shows up here. The claim
only counts when no shipment change is newer than it (the fold drops an older claim).

`reconciliation`: the platform's live view, as the latest reconciliation sweep saw it (the
`DriftObserved` the fold keeps on the order), against Orderline's view now. It holds while
any observed field's current text still differs from what the platform said, opened at the
drift's `changed_at`, and goes away by itself once the platform's answer has been folded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from orderline.domain.facts import DriftField
from orderline.domain.order import Order
from orderline.domain.order_exceptions.business_calendar import DEFAULT_CALENDAR, BusinessCalendar
from orderline.domain.order_exceptions.findings import Finding, finding_data, utc
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
    if not rule.enabled:
        return []
    return [*_fulfillment_drift(order, rule, now), *_reconciliation_drift(order, rule, now)]


def _fulfillment_drift(order: Order, rule: DetectorPolicy, now: datetime) -> list[Finding]:
    claimed, since = order.platform_fulfillment, order.platform_claim_at
    if claimed is None or since is None or since > now or claimed is order.fulfillment_status:
        return []
    reason = (
        f"The platform says fulfilment is {claimed.value}; "
        f"Orderline's shipments say {order.fulfillment_status.value}"
    )
    data = finding_data(platform=claimed.value, orderline=order.fulfillment_status.value)
    return [STATE_DRIFT.finding(rule, "fulfillment", since, reason, data)]


def _reconciliation_drift(order: Order, rule: DetectorPolicy, now: datetime) -> list[Finding]:
    since = order.drift_changed_at
    if not order.drift or since is None or since > now:
        return []
    # Imported here, not at the top: the comparison reads the lifecycle, whose owner table
    # reads the exception registry, which lists this detector.
    from orderline.domain.reconciliation import RECONCILED_FIELDS, field_text, view_of

    view = view_of(order)
    still = [
        DriftField(seen.field, current, seen.platform)
        for seen in order.drift
        if seen.field in RECONCILED_FIELDS and (current := field_text(view, seen.field)) != seen.platform
    ]
    if not still:
        return []
    diff = "; ".join(item.summary for item in still)
    reason = f"{diff} — since {utc(since).isoformat().replace('+00:00', 'Z')}"
    data = finding_data(
        fields=",".join(item.field for item in still),
        **{f"{item.field}.orderline": item.orderline for item in still},
        **{f"{item.field}.platform": item.platform for item in still},
    )
    return [STATE_DRIFT.finding(rule, "reconciliation", since, reason, data)]


STATE_DRIFT = ExceptionSpec(
    type=ExceptionType.STATE_DRIFT,
    settings=StateDriftPolicy,
    detect=detect_state_drift,
    thresholds="the platform's fulfilment rollup disagrees with the shipments, or a reconciliation "
    "sweep saw the platform's view differ",
)
