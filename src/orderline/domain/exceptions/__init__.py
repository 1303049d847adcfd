"""Exception detection: policy, detectors and what they report (DESIGN §2, issue 4).

Pure domain: a detector is a function of (order, policy, now, calendar) and reads no
clock. The service layer turns findings into open exceptions, holds and escalation timers.
"""

from orderline.domain.exceptions.address import (
    AddressProblem,
    AddressVerifier,
    VerificationResult,
    check_address,
)
from orderline.domain.exceptions.business_calendar import DEFAULT_CALENDAR, BusinessCalendar
from orderline.domain.exceptions.detection import DETECTORS, Detector, detect_all
from orderline.domain.exceptions.detectors.address_invalid import address_findings, detect_address_invalid
from orderline.domain.exceptions.detectors.backorder import detect_backorder, promise_date
from orderline.domain.exceptions.detectors.delivery_exception import detect_delivery_exception
from orderline.domain.exceptions.detectors.fraud_review import detect_fraud_review
from orderline.domain.exceptions.detectors.fulfillment_delayed import detect_fulfillment_delayed
from orderline.domain.exceptions.detectors.payment_failed import detect_payment_failed
from orderline.domain.exceptions.detectors.split_shipment import detect_split_shipment
from orderline.domain.exceptions.detectors.stale_order import detect_stale_order
from orderline.domain.exceptions.detectors.state_drift import detect_state_drift
from orderline.domain.exceptions.escalation import EscalationDue, EscalationLevel, TargetKind, target_kind
from orderline.domain.exceptions.findings import Finding
from orderline.domain.exceptions.policy import (
    DEFAULT_POLICY,
    AddressPolicy,
    BackorderPolicy,
    DeliveryExceptionPolicy,
    DetectorPolicy,
    ExceptionPolicy,
    FraudReviewPolicy,
    FulfillmentDelayPolicy,
    PaymentPolicy,
    SplitShipmentPolicy,
    StaleOrderPolicy,
    StateDriftPolicy,
)
from orderline.domain.exceptions.policy_merge import PolicyError, merge

__all__ = [
    "DEFAULT_CALENDAR",
    "DEFAULT_POLICY",
    "DETECTORS",
    "AddressPolicy",
    "AddressProblem",
    "AddressVerifier",
    "BackorderPolicy",
    "BusinessCalendar",
    "DeliveryExceptionPolicy",
    "Detector",
    "DetectorPolicy",
    "EscalationDue",
    "EscalationLevel",
    "ExceptionPolicy",
    "Finding",
    "FraudReviewPolicy",
    "FulfillmentDelayPolicy",
    "PaymentPolicy",
    "PolicyError",
    "SplitShipmentPolicy",
    "StaleOrderPolicy",
    "StateDriftPolicy",
    "TargetKind",
    "VerificationResult",
    "address_findings",
    "check_address",
    "detect_address_invalid",
    "detect_all",
    "detect_backorder",
    "detect_delivery_exception",
    "detect_fraud_review",
    "detect_fulfillment_delayed",
    "detect_payment_failed",
    "detect_split_shipment",
    "detect_stale_order",
    "detect_state_drift",
    "merge",
    "promise_date",
    "target_kind",
]
