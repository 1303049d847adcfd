"""BigCommerce order statuses and their canonical meaning, keyed by `status_id` (reference §3.4).

Merchants can rename status labels (`custom_label`), so nothing reads `status` or
`custom_status`: the id is the meaning. The table is data; the one place where a
BigCommerce status gains a canonical name. What it does not say is deliberate:

- Fulfilment never comes from the status. 2 Shipped and 3 Partially Shipped only say
  "paid"; shipped quantities come from the order's real shipments.
- 0 Incomplete (the shopper reached payment and left) is not an order yet: it is ignored
  until it leaves 0 (`store/order/created` also fires for it).
- An id outside 0-14 is never given a silent default: the snapshot carries it as
  `unmapped_status`, and its payment is read from the `payment_status` field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from orderline.domain.vocabulary import HoldReason, PaymentStatus

INCOMPLETE = 0
HOLD_GROUP = "bc-status"
"""The hold group of holds that come from the status id (12, 13)."""

PaymentRule = Callable[[str], PaymentStatus]
"""The order's payment status from its lower-cased `payment_status` field."""

PAYMENT_FIELD: Mapping[str, PaymentStatus] = MappingProxyType(
    {
        "authorized": PaymentStatus.AUTHORIZED,
        "capture pending": PaymentStatus.AUTHORIZED,
        "captured": PaymentStatus.PAID,
        "paid": PaymentStatus.PAID,
        "partially refunded": PaymentStatus.PARTIALLY_REFUNDED,
        "refunded": PaymentStatus.REFUNDED,
        "void": PaymentStatus.VOIDED,
        "void pending": PaymentStatus.VOIDED,
        "declined": PaymentStatus.FAILED,
    }
)
"""`payment_status` values with a meaning of their own; "pending", "held for review" and
"" mean nothing has been taken yet (each status rule says what that amounts to)."""


def always(payment: PaymentStatus) -> PaymentRule:
    def rule(field: str) -> PaymentStatus:
        return payment

    return rule


def authorized_or_pending(field: str) -> PaymentStatus:
    """7 Awaiting Payment: an authorize-only payment not yet captured, or nothing yet."""
    return PaymentStatus.AUTHORIZED if field == "authorized" else PaymentStatus.PENDING


def as_reported(nothing_taken: PaymentStatus) -> PaymentRule:
    def rule(field: str) -> PaymentStatus:
        return PAYMENT_FIELD.get(field, nothing_taken)

    return rule


@dataclass(frozen=True, slots=True)
class StatusMeaning:
    label: str
    """BigCommerce's default label, for messages only."""
    payment: PaymentRule
    is_cancelled: bool = False
    cancel_reason: str | None = None
    hold: HoldReason | None = None
    hold_note: str | None = None
    delivers_shipments: bool = False
    """10 Completed: for physical goods "shipped/picked up, and receipt is confirmed",
    the nearest thing BigCommerce has to a delivery signal (reference §4)."""


_PAID = always(PaymentStatus.PAID)

STATUSES: Mapping[int, StatusMeaning] = MappingProxyType(
    {
        1: StatusMeaning("Pending", always(PaymentStatus.PENDING)),
        2: StatusMeaning("Shipped", _PAID),
        3: StatusMeaning("Partially Shipped", _PAID),
        4: StatusMeaning("Refunded", always(PaymentStatus.REFUNDED)),
        # A cancelled order whose money was never taken has nothing left to collect.
        5: StatusMeaning("Cancelled", as_reported(PaymentStatus.VOIDED), is_cancelled=True),
        6: StatusMeaning(
            "Declined", always(PaymentStatus.FAILED), is_cancelled=True, cancel_reason="payment declined"
        ),
        7: StatusMeaning("Awaiting Payment", authorized_or_pending),
        8: StatusMeaning("Awaiting Pickup", _PAID),
        9: StatusMeaning("Awaiting Shipment", _PAID),
        10: StatusMeaning("Completed", _PAID, delivers_shipments=True),
        11: StatusMeaning("Awaiting Fulfillment", _PAID),
        12: StatusMeaning(
            "Manual Verification Required",
            as_reported(PaymentStatus.PENDING),
            hold=HoldReason.FRAUD_REVIEW,
            hold_note="Manual Verification Required (status_id=12)",
        ),
        13: StatusMeaning(
            "Disputed",
            _PAID,
            hold=HoldReason.OTHER,
            hold_note="Disputed (status_id=13): the buyer opened a payment dispute (PayPal)",
        ),
        14: StatusMeaning("Partially Refunded", always(PaymentStatus.PARTIALLY_REFUNDED)),
    }
)

UNMAPPED_PAYMENT: PaymentRule = as_reported(PaymentStatus.PENDING)
"""Payment of an order whose status id is not in STATUSES: what its payment_status says."""
