"""address_invalid: the shipping address would stop a carrier (see address.py for the checks)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from orderline.domain.exceptions.address import AddressProblem, check_address
from orderline.domain.exceptions.business_calendar import DEFAULT_CALENDAR, BusinessCalendar
from orderline.domain.exceptions.findings import Finding, finding_data
from orderline.domain.exceptions.order_state import TO_SHIP
from orderline.domain.exceptions.policy import AddressPolicy, ExceptionPolicy
from orderline.domain.order import Order
from orderline.domain.vocabulary import HoldReason


def detect_address_invalid(
    order: Order, policy: ExceptionPolicy, now: datetime, calendar: BusinessCalendar = DEFAULT_CALENDAR
) -> list[Finding]:
    """One finding per address problem while units are still to ship. An order without a
    shipping address (digital goods, pick-up) has nothing to check."""
    rule = policy.address_invalid
    address = order.shipping_address
    if not rule.enabled or address is None or order.status not in TO_SHIP or order.placed_at > now:
        return []
    return address_findings(order, rule, check_address(address, rule))


def address_findings(order: Order, rule: AddressPolicy, problems: Iterable[AddressProblem]) -> list[Finding]:
    """Findings for `problems`, whether found locally or by an external verifier.

    Opened at placement: the order only keeps its latest address, not when it arrived, and
    placement is the one moment that stays the same on every run.
    """
    hold = HoldReason.ADDRESS if rule.places_hold else None
    return [
        rule.finding(problem.key, order.placed_at, problem.message, hold, finding_data(field=problem.field))
        for problem in problems
    ]
