"""fulfillment_delayed: the order is not fully shipped within its SLA, counted in business
hours on the store's calendar.

The clock starts when the order first became ready to fulfil (placement for an order paid
at checkout; the payment for one that waited for it; the release for one held from the
start). A hold placed later does not stop the clock, but the detector stays quiet while
the order is on hold: the hold is an exception of its own, with its own owner. Once it is
released, an order past its SLA is reported at once, opened at the SLA's due time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from orderline.domain.order import Order
from orderline.domain.order_exceptions.business_calendar import DEFAULT_CALENDAR, BusinessCalendar
from orderline.domain.order_exceptions.findings import Finding, finding_data
from orderline.domain.order_exceptions.order_state import ready_since
from orderline.domain.order_exceptions.policy import DetectorPolicy, ExceptionPolicy, check_positive
from orderline.domain.order_exceptions.spec import ExceptionSpec
from orderline.domain.vocabulary import ExceptionType, OrderStatus

_AWAITING_SHIPMENT = frozenset({OrderStatus.READY_TO_FULFILL, OrderStatus.PARTIALLY_SHIPPED})


@dataclass(frozen=True, slots=True)
class FulfillmentDelayPolicy(DetectorPolicy):
    # 48 business hours: two working days on the default all-day Monday-Friday calendar.
    sla_business_hours: float = 48.0

    def _check_thresholds(self) -> None:
        check_positive("sla_business_hours", self.sla_business_hours)

    def latest_firing(self, last_fact_at: datetime, calendar: BusinessCalendar) -> datetime:
        """The SLA counts business hours, which may span a weekend or a holiday."""
        return calendar.add_business_hours(last_fact_at, self.sla_business_hours)


def waits_for_fulfilment(order: Order) -> bool:
    """Whether the order is in the wait this type measures: not fully shipped and not on
    hold, with a clock that has started. `stale_order` leaves such a wait to this type, so
    one wait raises one exception."""
    return order.status in _AWAITING_SHIPMENT and ready_since(order) is not None


def detect_fulfillment_delayed(
    order: Order, policy: ExceptionPolicy, now: datetime, calendar: BusinessCalendar = DEFAULT_CALENDAR
) -> list[Finding]:
    """Reported from the due time on (`due_at <= now`), not a minute before."""
    rule = policy.rule(FULFILLMENT_DELAYED)
    if not rule.enabled or order.status not in _AWAITING_SHIPMENT:
        return []
    sla_hours = rule.sla_business_hours
    # Business time never runs faster than real time, so a younger order cannot be late;
    # this spares the calendar walk for most orders.
    if now - order.placed_at < timedelta(hours=sla_hours):
        return []
    started_at = ready_since(order)
    if started_at is None:
        return []
    due_at = calendar.add_business_hours(started_at, sla_hours)
    if due_at > now:
        return []
    reason = f"Not fully shipped within {sla_hours:g} business hours (due {due_at.isoformat()})"
    data = finding_data(
        clock_started_at=started_at.isoformat(),
        due_at=due_at.isoformat(),
        sla_business_hours=f"{sla_hours:g}",
    )
    return [FULFILLMENT_DELAYED.finding(rule, "sla", due_at, reason, data)]


FULFILLMENT_DELAYED = ExceptionSpec(
    type=ExceptionType.FULFILLMENT_DELAYED,
    settings=FulfillmentDelayPolicy,
    detect=detect_fulfillment_delayed,
    buyer_facing=True,
    thresholds="48 business hours from when the order became ready to fulfil",
)
