"""address_invalid: the shipping address would stop a carrier (see address.py for the checks)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime

from orderline.domain.order import Order
from orderline.domain.order_exceptions.address import ADDRESS_FIELDS, AddressProblem, check_address
from orderline.domain.order_exceptions.business_calendar import DEFAULT_CALENDAR, BusinessCalendar
from orderline.domain.order_exceptions.countries import BUILT_IN_RULES
from orderline.domain.order_exceptions.country_formats import AddressRules
from orderline.domain.order_exceptions.escalation import EscalationLevel
from orderline.domain.order_exceptions.findings import Finding, finding_data
from orderline.domain.order_exceptions.order_state import TO_SHIP
from orderline.domain.order_exceptions.policy import (
    SUPPORT,
    WIRED,
    ExceptionPolicy,
    HoldingPolicy,
    check_positive,
    ladder,
)
from orderline.domain.order_exceptions.spec import ExceptionSpec
from orderline.domain.vocabulary import ExceptionType, HoldReason


@dataclass(frozen=True, slots=True)
class AddressPolicy(HoldingPolicy):
    owner: str = SUPPORT
    escalation: tuple[EscalationLevel, ...] = ladder(SUPPORT)
    required_fields: frozenset[str] = frozenset({"name", "address1", "city", "postal_code", "country_code"})
    label_line_max_chars: int = 35  # UPS and FedEx print 35 characters per address line
    po_box_allowed: bool = True  # set False when the store's carrier (UPS, FedEx, DHL Express) refuses them
    # Countries' postal-code formats and optional fields: chosen at start-up, not written in
    # the configuration (the service wires in Google's address metadata).
    country_rules: AddressRules = field(default=BUILT_IN_RULES, repr=False, metadata=WIRED)

    def _check_thresholds(self) -> None:
        check_positive("label_line_max_chars", self.label_line_max_chars)
        unknown = self.required_fields - ADDRESS_FIELDS
        if unknown:
            raise ValueError(f"required_fields: unknown field(s) {', '.join(sorted(unknown))}")


def detect_address_invalid(
    order: Order, policy: ExceptionPolicy, now: datetime, calendar: BusinessCalendar = DEFAULT_CALENDAR
) -> list[Finding]:
    """One finding per address problem while units are still to ship. An order without a
    shipping address (digital goods, pick-up) has nothing to check."""
    rule = policy.rule(ADDRESS_INVALID)
    address = order.shipping_address
    if not rule.enabled or address is None or order.status not in TO_SHIP or order.placed_at > now:
        return []
    return address_findings(order, rule, check_address(address, rule))


def with_address_rules(policy: ExceptionPolicy, rules: AddressRules) -> ExceptionPolicy:
    """`policy` with its address checks reading countries' formats from `rules`."""
    return policy.with_rules(
        {ADDRESS_INVALID.type: replace(policy.rule(ADDRESS_INVALID), country_rules=rules)}
    )


def address_findings(order: Order, rule: AddressPolicy, problems: Iterable[AddressProblem]) -> list[Finding]:
    """Findings for `problems`, whether found locally or by an external verifier.

    Opened at placement: the order only keeps its latest address, not when it arrived, and
    placement is the one moment that stays the same on every run.
    """
    return [
        ADDRESS_INVALID.finding(
            rule, problem.key, order.placed_at, problem.message, finding_data(field=problem.field)
        )
        for problem in problems
    ]


ADDRESS_INVALID = ExceptionSpec(
    type=ExceptionType.ADDRESS_INVALID,
    settings=AddressPolicy,
    detect=detect_address_invalid,
    hold=HoldReason.ADDRESS,
    buyer_facing=True,
    thresholds="required: name, address1, city, postal code (where the country uses one), country; "
    "label lines up to 35 characters; PO boxes allowed",
)
