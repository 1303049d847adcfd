"""Exception detection: the registry of exception types, their policy, detectors and what
they report.

Pure domain: a detector is a function of (order, policy, now, calendar) and reads no
clock. The service layer turns findings into open exceptions, holds and escalation timers.
Each type is one spec (spec.py) in one module (detectors/<type>.py), listed in
registry.py; everything else that lists types derives from `EXCEPTION_TYPES`.
"""

from orderline.domain.order_exceptions.address import (
    AddressProblem,
    AddressVerifier,
    VerificationResult,
    check_address,
)
from orderline.domain.order_exceptions.business_calendar import DEFAULT_CALENDAR, BusinessCalendar
from orderline.domain.order_exceptions.countries import BUILT_IN_RULES
from orderline.domain.order_exceptions.country_formats import AddressRules, CountryFormat
from orderline.domain.order_exceptions.detection import detect_all
from orderline.domain.order_exceptions.detectors.address_invalid import (
    ADDRESS_INVALID,
    AddressPolicy,
    address_findings,
    detect_address_invalid,
    with_address_rules,
)
from orderline.domain.order_exceptions.detectors.backorder import (
    BACKORDER,
    BackorderPolicy,
    detect_backorder,
    promise_date,
)
from orderline.domain.order_exceptions.detectors.delivery_exception import (
    DELIVERY_EXCEPTION,
    DeliveryExceptionPolicy,
    detect_delivery_exception,
)
from orderline.domain.order_exceptions.detectors.fraud_review import (
    FRAUD_REVIEW,
    FraudReviewPolicy,
    detect_fraud_review,
)
from orderline.domain.order_exceptions.detectors.fulfillment_delayed import (
    FULFILLMENT_DELAYED,
    FulfillmentDelayPolicy,
    detect_fulfillment_delayed,
)
from orderline.domain.order_exceptions.detectors.payment_failed import (
    PAYMENT_FAILED,
    PaymentPolicy,
    detect_payment_failed,
)
from orderline.domain.order_exceptions.detectors.split_shipment import (
    SPLIT_SHIPMENT,
    SplitShipmentPolicy,
    detect_split_shipment,
)
from orderline.domain.order_exceptions.detectors.stale_order import (
    STALE_ORDER,
    StaleOrderPolicy,
    detect_stale_order,
)
from orderline.domain.order_exceptions.detectors.state_drift import (
    STATE_DRIFT,
    StateDriftPolicy,
    detect_state_drift,
)
from orderline.domain.order_exceptions.escalation import (
    EscalationDue,
    EscalationLevel,
    TargetKind,
    target_kind,
)
from orderline.domain.order_exceptions.findings import Finding
from orderline.domain.order_exceptions.policy import (
    DEFAULT_POLICY,
    DetectorPolicy,
    ExceptionPolicy,
    HoldingPolicy,
)
from orderline.domain.order_exceptions.policy_merge import PolicyError, merge
from orderline.domain.order_exceptions.registry import BUILT_IN, EXCEPTION_TYPES, AnySpec, ExceptionTypes
from orderline.domain.order_exceptions.spec import Detector, ExceptionSpec

__all__ = [
    "ADDRESS_INVALID",
    "BACKORDER",
    "BUILT_IN",
    "BUILT_IN_RULES",
    "DEFAULT_CALENDAR",
    "DEFAULT_POLICY",
    "DELIVERY_EXCEPTION",
    "EXCEPTION_TYPES",
    "FRAUD_REVIEW",
    "FULFILLMENT_DELAYED",
    "PAYMENT_FAILED",
    "SPLIT_SHIPMENT",
    "STALE_ORDER",
    "STATE_DRIFT",
    "AddressPolicy",
    "AddressProblem",
    "AddressRules",
    "AddressVerifier",
    "AnySpec",
    "BackorderPolicy",
    "BusinessCalendar",
    "CountryFormat",
    "DeliveryExceptionPolicy",
    "Detector",
    "DetectorPolicy",
    "EscalationDue",
    "EscalationLevel",
    "ExceptionPolicy",
    "ExceptionSpec",
    "ExceptionTypes",
    "Finding",
    "FraudReviewPolicy",
    "FulfillmentDelayPolicy",
    "HoldingPolicy",
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
    "with_address_rules",
]
