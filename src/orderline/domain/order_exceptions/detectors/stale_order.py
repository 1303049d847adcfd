"""stale_order: nothing has happened to the order for too long while it is still open.

"Something happened" is any fact at all (`Order.updated_at`): a snapshot, a shipment, a
carrier scan, a refund, a hold. The finding's key carries the status it got stuck in, so
an order that moves on and gets stuck again opens a new exception.

One wait raises one exception: while the order waits to be shipped (`waits_for_fulfilment`)
and fulfillment_delayed is enabled, that wait is fulfillment_delayed's, measured against
its SLA, and this detector stays quiet. An order with no fulfilment wait (pending payment,
on hold, shipped without carrier news) still goes stale; so does a waiting order when
fulfillment_delayed is disabled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from orderline.domain.order import Order
from orderline.domain.order_exceptions.business_calendar import DEFAULT_CALENDAR, BusinessCalendar
from orderline.domain.order_exceptions.detectors.fulfillment_delayed import (
    FULFILLMENT_DELAYED,
    waits_for_fulfilment,
)
from orderline.domain.order_exceptions.findings import Finding, finding_data, hours_text
from orderline.domain.order_exceptions.order_state import SETTLED
from orderline.domain.order_exceptions.policy import (
    HOUR,
    DetectorPolicy,
    ExceptionPolicy,
    check_positive_duration,
)
from orderline.domain.order_exceptions.spec import ExceptionSpec
from orderline.domain.vocabulary import ExceptionType


@dataclass(frozen=True, slots=True)
class StaleOrderPolicy(DetectorPolicy):
    no_progress_for: timedelta = 72 * HOUR

    def _check_thresholds(self) -> None:
        check_positive_duration("no_progress_for", self.no_progress_for)


def detect_stale_order(
    order: Order, policy: ExceptionPolicy, now: datetime, calendar: BusinessCalendar = DEFAULT_CALENDAR
) -> list[Finding]:
    rule = policy.rule(STALE_ORDER)
    if not rule.enabled or order.status in SETTLED or is_fulfilment_wait(order, policy):
        return []
    opened_at = order.updated_at + rule.no_progress_for
    if opened_at > now:
        return []
    reason = f"No progress for {hours_text(rule.no_progress_for)} while {order.status}"
    data = finding_data(last_progress_at=order.updated_at.isoformat(), status=order.status)
    return [STALE_ORDER.finding(rule, str(order.status), opened_at, reason, data)]


def is_fulfilment_wait(order: Order, policy: ExceptionPolicy) -> bool:
    """The precedence of the two waiting types: True when the order's wait belongs to
    fulfillment_delayed (enabled, and the order waits to be shipped), so it is not stale."""
    return policy.rule(FULFILLMENT_DELAYED).enabled and waits_for_fulfilment(order)


STALE_ORDER = ExceptionSpec(
    type=ExceptionType.STALE_ORDER,
    settings=StaleOrderPolicy,
    detect=detect_stale_order,
    thresholds=(
        "72 h without any new fact in a status that is not terminal, "
        "except a wait to ship (fulfillment_delayed's)"
    ),
)
