"""Running every enabled detector over one order: `detect_all`."""

from __future__ import annotations

from datetime import datetime

from orderline.domain.order import Order
from orderline.domain.order_exceptions.business_calendar import DEFAULT_CALENDAR, BusinessCalendar
from orderline.domain.order_exceptions.findings import Finding
from orderline.domain.order_exceptions.policy import ExceptionPolicy
from orderline.domain.order_exceptions.registry import EXCEPTION_TYPES, ExceptionTypes


def _finding_order(finding: Finding) -> tuple[datetime, str, str]:
    return finding.opened_at, finding.type.value, finding.key


def detect_all(
    order: Order,
    policy: ExceptionPolicy,
    now: datetime,
    calendar: BusinessCalendar = DEFAULT_CALENDAR,
    types: ExceptionTypes = EXCEPTION_TYPES,
) -> list[Finding]:
    """Every finding of every enabled detector, sorted by (opened_at, type, key)."""
    findings: list[Finding] = []
    for spec in types:
        if policy.rule(spec).enabled:
            findings.extend(spec.detect(order, policy, now, calendar))
    return sorted(findings, key=_finding_order)
