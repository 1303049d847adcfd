"""A made-up exception type, written the way docs/exception-policy.md says a new type is
added: one module with its settings, its detector and its spec. Registering the spec
(`EXCEPTION_TYPES.registered(HIGH_VALUE_ORDER)`) is the only other step.

`high_value_order`: an order worth at least `min_total` that is not delivered or closed
yet, so that sales can look after the buyer. Owned by `sales`, told after 1 h and 8 h.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from orderline.domain.order import Order
from orderline.domain.order_exceptions import (
    DEFAULT_CALENDAR,
    BusinessCalendar,
    DetectorPolicy,
    EscalationLevel,
    ExceptionPolicy,
    ExceptionSpec,
    Finding,
)
from orderline.domain.order_exceptions.findings import finding_data
from orderline.domain.order_exceptions.order_state import SETTLED
from orderline.domain.order_exceptions.policy import check_positive, ladder

SALES = "sales"


class DummyExceptionType(StrEnum):
    HIGH_VALUE_ORDER = "high_value_order"


@dataclass(frozen=True, slots=True)
class HighValuePolicy(DetectorPolicy):
    owner: str = SALES
    escalation: tuple[EscalationLevel, ...] = ladder(SALES, timedelta(hours=1), timedelta(hours=8))
    min_total: float = 1000.0

    def _check_thresholds(self) -> None:
        check_positive("min_total", self.min_total)


def detect_high_value_order(
    order: Order, policy: ExceptionPolicy, now: datetime, calendar: BusinessCalendar = DEFAULT_CALENDAR
) -> list[Finding]:
    rule = policy.rule(HIGH_VALUE_ORDER)
    if not rule.enabled or order.status in SETTLED or order.placed_at > now:
        return []
    if order.total_price < rule.min_total:
        return []
    reason = f"Order worth {order.total_price} {order.currency}"
    data = finding_data(total_price=order.total_price)
    return [HIGH_VALUE_ORDER.finding(rule, "order", order.placed_at, reason, data)]


HIGH_VALUE_ORDER = ExceptionSpec(
    type=DummyExceptionType.HIGH_VALUE_ORDER,
    settings=HighValuePolicy,
    detect=detect_high_value_order,
    thresholds="total price of 1000 or more, until delivered",
)
