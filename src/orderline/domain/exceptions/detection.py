"""Running every enabled detector over one order: `detect_all`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from types import MappingProxyType

from orderline.domain.exceptions.business_calendar import DEFAULT_CALENDAR, BusinessCalendar
from orderline.domain.exceptions.detectors.address_invalid import detect_address_invalid
from orderline.domain.exceptions.detectors.backorder import detect_backorder
from orderline.domain.exceptions.detectors.delivery_exception import detect_delivery_exception
from orderline.domain.exceptions.detectors.fraud_review import detect_fraud_review
from orderline.domain.exceptions.detectors.fulfillment_delayed import detect_fulfillment_delayed
from orderline.domain.exceptions.detectors.payment_failed import detect_payment_failed
from orderline.domain.exceptions.detectors.split_shipment import detect_split_shipment
from orderline.domain.exceptions.detectors.stale_order import detect_stale_order
from orderline.domain.exceptions.detectors.state_drift import detect_state_drift
from orderline.domain.exceptions.findings import Finding
from orderline.domain.exceptions.policy import ExceptionPolicy
from orderline.domain.order import Order
from orderline.domain.vocabulary import ExceptionType

Detector = Callable[[Order, ExceptionPolicy, datetime, BusinessCalendar], list[Finding]]

DETECTORS: Mapping[ExceptionType, Detector] = MappingProxyType(
    {
        ExceptionType.ADDRESS_INVALID: detect_address_invalid,
        ExceptionType.PAYMENT_FAILED: detect_payment_failed,
        ExceptionType.FRAUD_REVIEW: detect_fraud_review,
        ExceptionType.BACKORDER: detect_backorder,
        ExceptionType.SPLIT_SHIPMENT: detect_split_shipment,
        ExceptionType.FULFILLMENT_DELAYED: detect_fulfillment_delayed,
        ExceptionType.DELIVERY_EXCEPTION: detect_delivery_exception,
        ExceptionType.STALE_ORDER: detect_stale_order,
        ExceptionType.STATE_DRIFT: detect_state_drift,
    }
)
"""Exactly one detector per exception type."""


def _finding_order(finding: Finding) -> tuple[datetime, str, str]:
    return finding.opened_at, finding.type.value, finding.key


def detect_all(
    order: Order, policy: ExceptionPolicy, now: datetime, calendar: BusinessCalendar = DEFAULT_CALENDAR
) -> list[Finding]:
    """Every finding of every enabled detector, sorted by (opened_at, type, key)."""
    findings: list[Finding] = []
    for exception_type, detector in DETECTORS.items():
        if policy.rule(exception_type).enabled:
            findings.extend(detector(order, policy, now, calendar))
    return sorted(findings, key=_finding_order)
