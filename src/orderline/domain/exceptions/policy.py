"""Exception policy: for each exception type, whether it is detected, who owns it, its
thresholds and its escalation ladder. `DEFAULT_POLICY` is what a store gets when its
configuration names no policy; `merge` (policy_merge.py) overrides it piece by piece.

The defaults are documented, with the reasoning behind each number, in
docs/exception-policy.md; keep the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import ClassVar

from orderline.domain.exceptions.escalation import EscalationLevel, check_ladder, due_levels
from orderline.domain.exceptions.findings import Finding, FindingData, utc
from orderline.domain.vocabulary import DeliveryStatus, ExceptionType, HoldReason, Team

_HOUR = timedelta(hours=1)
_OPERATIONS = Team.OPERATIONS.value
_SUPPORT = Team.SUPPORT.value


def ladder(
    owner: str, first: timedelta = 4 * _HOUR, second: timedelta = 24 * _HOUR
) -> tuple[EscalationLevel, ...]:
    """The default two-level ladder: the owning team's lead at `first`, its manager at
    `second`. Both go to the owning team's queue until a store names e-mails or webhooks."""
    return (EscalationLevel(first, owner), EscalationLevel(second, owner))


@dataclass(frozen=True, slots=True)
class DetectorPolicy:
    """What every exception type has. Subclasses add their thresholds."""

    exception_type: ClassVar[ExceptionType]
    enabled: bool = True
    owner: str = _OPERATIONS
    escalation: tuple[EscalationLevel, ...] = ladder(_OPERATIONS)

    def __post_init__(self) -> None:
        if not self.owner.strip():
            raise ValueError("owner must name a team")
        check_ladder(self.escalation)
        self._check_thresholds()

    def _check_thresholds(self) -> None:
        """Subclasses refuse thresholds that make no sense (zero-argument super() is not
        available in slotted dataclasses, hence a hook rather than an override)."""

    def finding(
        self,
        detail: str,
        opened_at: datetime,
        reason: str,
        hold: HoldReason | None = None,
        data: FindingData = (),
    ) -> Finding:
        """A finding of this type, keyed `"<type>:<detail>"`, with this policy's owner and ladder."""
        opened = utc(opened_at)
        return Finding(
            type=self.exception_type,
            key=f"{self.exception_type}:{detail}",
            opened_at=opened,
            owner=str(self.owner),
            reason=reason,
            hold=hold,
            due_levels=due_levels(self.escalation, opened),
            data=data,
        )


def _positive(name: str, value: float) -> None:
    if value <= 0:
        raise ValueError(f"{name} must be positive, got {value}")


def _positive_duration(name: str, value: timedelta) -> None:
    if value <= timedelta(0):
        raise ValueError(f"{name} must be positive, got {value}")


@dataclass(frozen=True, slots=True)
class AddressPolicy(DetectorPolicy):
    exception_type: ClassVar[ExceptionType] = ExceptionType.ADDRESS_INVALID
    owner: str = _SUPPORT
    escalation: tuple[EscalationLevel, ...] = ladder(_SUPPORT)
    places_hold: bool = True
    required_fields: frozenset[str] = frozenset({"name", "address1", "city", "postal_code", "country_code"})
    label_line_max_chars: int = 35  # UPS and FedEx print 35 characters per address line
    po_box_allowed: bool = True  # set False when the store's carrier (UPS, FedEx, DHL Express) refuses them

    def _check_thresholds(self) -> None:
        _positive("label_line_max_chars", self.label_line_max_chars)
        unknown = self.required_fields - ADDRESS_FIELDS
        if unknown:
            raise ValueError(f"required_fields: unknown field(s) {', '.join(sorted(unknown))}")


ADDRESS_FIELDS = frozenset(
    {"name", "company", "address1", "address2", "city", "province", "postal_code", "country_code", "phone"}
)


@dataclass(frozen=True, slots=True)
class PaymentPolicy(DetectorPolicy):
    exception_type: ClassVar[ExceptionType] = ExceptionType.PAYMENT_FAILED
    owner: str = _SUPPORT
    escalation: tuple[EscalationLevel, ...] = ladder(_SUPPORT)
    places_hold: bool = True
    pending_after: timedelta = 24 * _HOUR
    authorization_validity: timedelta = timedelta(days=7)  # card authorizations lapse after ~7 days
    authorization_warning: timedelta = 24 * _HOUR

    def _check_thresholds(self) -> None:
        _positive_duration("pending_after", self.pending_after)
        _positive_duration("authorization_validity", self.authorization_validity)
        if not timedelta(0) <= self.authorization_warning < self.authorization_validity:
            raise ValueError(
                "authorization_warning must be at least 0 and shorter than authorization_validity"
            )


@dataclass(frozen=True, slots=True)
class FraudReviewPolicy(DetectorPolicy):
    exception_type: ClassVar[ExceptionType] = ExceptionType.FRAUD_REVIEW
    places_hold: bool = True


@dataclass(frozen=True, slots=True)
class BackorderPolicy(DetectorPolicy):
    exception_type: ClassVar[ExceptionType] = ExceptionType.BACKORDER
    # Waiting for stock is slow by nature: escalate after a day and after three.
    escalation: tuple[EscalationLevel, ...] = ladder(_OPERATIONS, 24 * _HOUR, 72 * _HOUR)
    # False: the rest of the order ships first, the platform's hold on the backordered
    # part stays as it is. True: the whole order waits for the stock.
    places_hold: bool = False


@dataclass(frozen=True, slots=True)
class SplitShipmentPolicy(DetectorPolicy):
    exception_type: ClassVar[ExceptionType] = ExceptionType.SPLIT_SHIPMENT
    # Informational: operations hears of it once, when it opens.
    escalation: tuple[EscalationLevel, ...] = (EscalationLevel(timedelta(0), _OPERATIONS),)


@dataclass(frozen=True, slots=True)
class FulfillmentDelayPolicy(DetectorPolicy):
    exception_type: ClassVar[ExceptionType] = ExceptionType.FULFILLMENT_DELAYED
    # 48 business hours: two working days on the default all-day Monday-Friday calendar.
    sla_business_hours: float = 48.0

    def _check_thresholds(self) -> None:
        _positive("sla_business_hours", self.sla_business_hours)


DELIVERY_PROBLEMS = frozenset(
    {DeliveryStatus.FAILED_ATTEMPT, DeliveryStatus.EXCEPTION, DeliveryStatus.RETURNED_TO_SENDER}
)


@dataclass(frozen=True, slots=True)
class DeliveryExceptionPolicy(DetectorPolicy):
    exception_type: ClassVar[ExceptionType] = ExceptionType.DELIVERY_EXCEPTION
    owner: str = _SUPPORT
    escalation: tuple[EscalationLevel, ...] = ladder(_SUPPORT)
    statuses: frozenset[DeliveryStatus] = DELIVERY_PROBLEMS
    grace: timedelta = timedelta(0)  # how long a carrier status must last before it counts

    def _check_thresholds(self) -> None:
        if self.grace < timedelta(0):
            raise ValueError(f"grace must not be negative, got {self.grace}")


@dataclass(frozen=True, slots=True)
class StaleOrderPolicy(DetectorPolicy):
    exception_type: ClassVar[ExceptionType] = ExceptionType.STALE_ORDER
    no_progress_for: timedelta = 72 * _HOUR

    def _check_thresholds(self) -> None:
        _positive_duration("no_progress_for", self.no_progress_for)


@dataclass(frozen=True, slots=True)
class StateDriftPolicy(DetectorPolicy):
    exception_type: ClassVar[ExceptionType] = ExceptionType.STATE_DRIFT


@dataclass(frozen=True, slots=True)
class ExceptionPolicy:
    """One policy per exception type; each field is named by its type's value."""

    address_invalid: AddressPolicy = field(default_factory=AddressPolicy)
    payment_failed: PaymentPolicy = field(default_factory=PaymentPolicy)
    fraud_review: FraudReviewPolicy = field(default_factory=FraudReviewPolicy)
    backorder: BackorderPolicy = field(default_factory=BackorderPolicy)
    split_shipment: SplitShipmentPolicy = field(default_factory=SplitShipmentPolicy)
    fulfillment_delayed: FulfillmentDelayPolicy = field(default_factory=FulfillmentDelayPolicy)
    delivery_exception: DeliveryExceptionPolicy = field(default_factory=DeliveryExceptionPolicy)
    stale_order: StaleOrderPolicy = field(default_factory=StaleOrderPolicy)
    state_drift: StateDriftPolicy = field(default_factory=StateDriftPolicy)

    def rule(self, exception_type: ExceptionType) -> DetectorPolicy:
        """The policy of `exception_type`."""
        rule: DetectorPolicy = getattr(self, exception_type.value)
        return rule


DEFAULT_POLICY = ExceptionPolicy()
