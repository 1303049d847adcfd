"""The order lifecycle as data: statuses, their owners, the moves between them, the
owner table (`Ownership`), and the one function that derives the headline status from an
order's axes.

`LIFECYCLE` is the lifecycle table (docs/lifecycle.md). The fold never refuses a move (the facts are the
truth); a move the table does not allow is applied and recorded as an anomaly. Services
that *propose* a change can ask `can_transition` first, or call `require_transition`.

Why the moves are what they are: status is derived from platform facts that arrive in
coarse steps (a poll may reveal "paid, shipped and delivered" at once), so any forward
move, including one that skips statuses, is allowed. A backward move is allowed only
where a real business event causes it (a fulfilment cancelled on the platform, a
payment voided, a carrier scan after "delivered"). Everything else — an un-cancelled
order, a delivered order that is suddenly unshipped — is worth a human look.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import NamedTuple, TypeVar

from orderline.domain.order_exceptions.registry import EXCEPTION_TYPES
from orderline.domain.vocabulary import (
    DEFAULT_HOLD_OWNERS,
    FulfillmentStatus,
    HoldReason,
    OrderStatus,
    PaymentStatus,
    Team,
)

_S = OrderStatus
K = TypeVar("K")


@dataclass(frozen=True, slots=True)
class StatusRule:
    """One row of the lifecycle table.

    `owner` is the default owner team; None means "the owner of the highest-priority
    open hold" (only `on_hold`). `why` explains the allowed `next` statuses.
    """

    owner: str | None
    next: frozenset[OrderStatus]
    meaning: str
    why: str


LIFECYCLE: Mapping[OrderStatus, StatusRule] = MappingProxyType(
    {
        _S.PENDING_PAYMENT: StatusRule(
            owner=Team.SUPPORT,
            next=frozenset(
                {_S.ON_HOLD, _S.READY_TO_FULFILL, _S.PARTIALLY_SHIPPED, _S.SHIPPED, _S.DELIVERED}
                | {_S.CANCELLED, _S.REFUNDED}
            ),
            meaning="placed, payment not yet authorized/captured",
            why="Any forward move: cash-on-delivery and net-terms orders ship before they are paid.",
        ),
        _S.ON_HOLD: StatusRule(
            owner=None,
            next=frozenset(
                {_S.PENDING_PAYMENT, _S.READY_TO_FULFILL, _S.PARTIALLY_SHIPPED, _S.SHIPPED, _S.DELIVERED}
                | {_S.CANCELLED, _S.REFUNDED}
            ),
            meaning="at least one open hold blocks fulfilment",
            why="A release returns the order to whatever its axes say; the rest may ship around a "
            "hold on part of the order.",
        ),
        _S.READY_TO_FULFILL: StatusRule(
            owner=Team.OPERATIONS,
            next=frozenset(
                {_S.PENDING_PAYMENT, _S.ON_HOLD, _S.PARTIALLY_SHIPPED, _S.SHIPPED, _S.DELIVERED}
                | {_S.CANCELLED, _S.REFUNDED}
            ),
            meaning="paid or authorized, nothing shipped yet",
            why="Back to pending_payment when an authorization is voided or a capture fails.",
        ),
        _S.PARTIALLY_SHIPPED: StatusRule(
            owner=Team.OPERATIONS,
            next=frozenset(
                {_S.ON_HOLD, _S.READY_TO_FULFILL, _S.SHIPPED, _S.DELIVERED}
                | {_S.CANCELLED, _S.REFUNDED, _S.RETURNED}
            ),
            meaning="some units shipped, some not (split shipment / backorder)",
            why="Back to ready_to_fulfill when the platform cancels the only shipment.",
        ),
        _S.SHIPPED: StatusRule(
            owner=Team.SUPPORT,
            next=frozenset(
                {_S.READY_TO_FULFILL, _S.PARTIALLY_SHIPPED, _S.DELIVERED}
                | {_S.CANCELLED, _S.REFUNDED, _S.RETURNED}
            ),
            meaning="every unit shipped, not all delivered",
            why="Back to partially_shipped or ready_to_fulfill when a shipment is cancelled or an "
            "order edit adds units. The carrier owns it in reality; support owns the exceptions.",
        ),
        _S.DELIVERED: StatusRule(
            owner=Team.SUPPORT,
            next=frozenset({_S.SHIPPED, _S.CANCELLED, _S.REFUNDED, _S.RETURNED}),
            meaning="every shipment delivered",
            why="Back to shipped only when a carrier scan follows the delivered one (misdelivery, "
            "returned to sender) or a replacement ships. Unshipping a delivered order is an anomaly.",
        ),
        _S.CANCELLED: StatusRule(
            owner=Team.SUPPORT,
            next=frozenset({_S.REFUNDED}),
            meaning="cancelled",
            why="Nothing undoes a cancellation: a platform that un-cancels an order is an anomaly. "
            "refunded is allowed for a cancelled order's money, although derive_status keeps showing "
            "cancelled today.",
        ),
        _S.REFUNDED: StatusRule(
            owner=Team.SUPPORT,
            next=frozenset({_S.RETURNED, _S.CANCELLED}),
            meaning="fully refunded, nothing left to fulfil",
            why="The goods may come back after the money went out (returned); a refund often "
            "precedes the cancellation that carries it (cancelled).",
        ),
        _S.RETURNED: StatusRule(
            owner=Team.SUPPORT,
            next=frozenset(),
            meaning="returned after delivery",
            why="Terminal: the goods and the money are back; anything after it is worth a look.",
        ),
    }
)

HOLD_PRIORITY: tuple[HoldReason, ...] = (
    HoldReason.FRAUD_REVIEW,
    HoldReason.PAYMENT,
    HoldReason.ADDRESS,
    HoldReason.BACKORDER,
    HoldReason.CUSTOMER_REQUEST,
    HoldReason.OTHER,
)
"""Which open hold names the owner of an on_hold order: the first in this list."""

HOLD_RANK: Mapping[HoldReason, int] = MappingProxyType({r: i for i, r in enumerate(HOLD_PRIORITY)})


OWNED_STATUSES: tuple[OrderStatus, ...] = tuple(s for s in OrderStatus if LIFECYCLE[s].owner is not None)
"""Every status with an owner of its own (all but `on_hold`, owned by its hold reason)."""


def _plain_teams(table: Mapping[K, str]) -> Mapping[K, str]:
    # str() turns Team members into plain strings, so lookups and as_mapping() never leak enums.
    return MappingProxyType({key: str(team) for key, team in table.items()})


@dataclass(frozen=True, slots=True)
class Ownership:
    """Who owns each status, hold reason and exception type: the default owner table with
    the configuration's overrides (`statuses`, `holds`, `exceptions`; anything not named
    keeps its default).

    The defaults are written once each: a status's in `LIFECYCLE`, a hold reason's in
    `DEFAULT_HOLD_OWNERS`, an exception type's in its settings class (its spec's
    `default_owner`), so a type registered later has its owner here too.
    """

    statuses: Mapping[OrderStatus, str] = field(default_factory=dict)
    holds: Mapping[HoldReason, str] = field(default_factory=dict)
    exceptions: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if OrderStatus.ON_HOLD in self.statuses:
            raise ValueError("on_hold is owned by the hold reason, not by a team of its own")
        unknown = [name for name in self.exceptions if name not in EXCEPTION_TYPES]
        if unknown:
            raise ValueError(f"unknown exception type(s): {', '.join(map(str, unknown))}")
        unowned = [
            *(f"status {s}" for s, team in self.statuses.items() if not str(team).strip()),
            *(f"hold {r}" for r, team in self.holds.items() if not str(team).strip()),
            *(f"exception {t}" for t, team in self.exceptions.items() if not str(team).strip()),
        ]
        if unowned:
            raise ValueError(f"no owner for: {', '.join(unowned)}")
        object.__setattr__(self, "statuses", _plain_teams(self.statuses))
        object.__setattr__(self, "holds", _plain_teams(self.holds))
        object.__setattr__(self, "exceptions", _plain_teams(self.exceptions))

    @classmethod
    def with_overrides(
        cls,
        statuses: Mapping[OrderStatus, str] | None = None,
        holds: Mapping[HoldReason, str] | None = None,
        exceptions: Mapping[str, str] | None = None,
    ) -> Ownership:
        """The default owners with the given entries replaced (None: none replaced)."""
        return cls(statuses or {}, holds or {}, exceptions or {})

    def owner_of_status(self, status: OrderStatus) -> str:
        """The team owning orders in `status`; `on_hold` has none (ask `status_owner`)."""
        default = LIFECYCLE[status].owner
        if default is None:
            raise ValueError(f"{status} is owned by the hold reason; use hold_owner")
        return self.statuses.get(status) or str(default)

    def hold_owner(self, reason: HoldReason) -> str:
        return self.holds.get(reason) or str(DEFAULT_HOLD_OWNERS[reason])

    def exception_owner(self, exception_type: str) -> str:
        return self.exceptions.get(exception_type) or str(EXCEPTION_TYPES[exception_type].default_owner)

    def status_owner(self, status: OrderStatus, open_holds: tuple[HoldReason, ...] = ()) -> str:
        """The team that owns an order in `status` with `open_holds`."""
        if status is not OrderStatus.ON_HOLD:
            return self.owner_of_status(status)
        if open_holds:
            return self.hold_owner(min(open_holds, key=HOLD_RANK.__getitem__))
        # on_hold without an open hold cannot be derived; operations is the safe catch-all.
        return Team.OPERATIONS.value

    def as_mapping(self) -> dict[str, dict[str, str]]:
        """The whole table in plain strings, in vocabulary and registry order."""
        return {
            "statuses": {str(s): self.owner_of_status(s) for s in OWNED_STATUSES},
            "holds": {str(r): self.hold_owner(r) for r in HoldReason},
            "exceptions": {str(spec.type): self.exception_owner(spec.type) for spec in EXCEPTION_TYPES},
        }


DEFAULT_OWNERSHIP = Ownership()
"""The default owner table (no overrides)."""


class TransitionNotAllowed(ValueError):
    """A proposed status change that the lifecycle table does not allow."""


def can_transition(current: OrderStatus, proposed: OrderStatus) -> bool:
    """Whether the table allows `current` -> `proposed`; staying put is always allowed."""
    return current is proposed or proposed in LIFECYCLE[current].next


def transition_refusal(order_label: str, current: OrderStatus, proposed: OrderStatus) -> str:
    return f"Can't move order {order_label} from {current.value} to {proposed.value}"


def require_transition(order_label: str, current: OrderStatus, proposed: OrderStatus) -> None:
    if not can_transition(current, proposed):
        raise TransitionNotAllowed(transition_refusal(order_label, current, proposed))


# --- the one place a status is computed ---------------------------------------------


class StatusInputs(NamedTuple):
    """The axes `derive_status` reads. Unit counts are over the order's known lines and
    active shipments only; `*_unrefunded` / `*_unreturned` subtract refunded (resp.
    restocked) quantities line by line. A NamedTuple rather than a dataclass because the
    fold builds one per fact on its hot path (0.5 µs against 1.3 µs)."""

    payment_status: PaymentStatus
    fulfillment_status: FulfillmentStatus
    is_cancelled: bool = False
    has_open_holds: bool = False
    shipped_units: int = 0
    shipped_unrefunded_units: int = 0
    delivered_units: int = 0
    delivered_unreturned_units: int = 0
    active_shipments: int = 0
    delivered_shipments: int = 0


_REFUNDABLE = frozenset({PaymentStatus.PAID, PaymentStatus.AUTHORIZED, PaymentStatus.PARTIALLY_REFUNDED})


def derive_payment_status(
    reported: PaymentStatus, refunded_amount: Decimal, total_price: Decimal
) -> PaymentStatus:
    """The platform's payment status, refined by the refunds known so far.

    A refund is often learned before the snapshot that reflects it. Refunds only ever move
    a paid or authorized order towards refunded; they never lower what the platform says.
    """
    if reported not in _REFUNDABLE or refunded_amount <= 0:
        return reported
    if total_price > 0 and refunded_amount >= total_price:
        return PaymentStatus.REFUNDED
    return PaymentStatus.PARTIALLY_REFUNDED


_UNPAID = frozenset({PaymentStatus.PENDING, PaymentStatus.FAILED, PaymentStatus.VOIDED})


def derive_status(axes: StatusInputs) -> OrderStatus:
    """The headline status. The first rule that matches wins."""
    # A cancellation is final whatever else happened; money and goods are on the axes.
    if axes.is_cancelled:
        return _S.CANCELLED
    # Returned: every delivered unit came back (restocking refunds) and nothing is left to
    # ship. Checked before refunded because a return usually refunds the money too.
    fulfilled = axes.fulfillment_status is FulfillmentStatus.FULFILLED
    if fulfilled and axes.delivered_units > 0 and axes.delivered_unreturned_units == 0:
        return _S.RETURNED
    # Refunded: the money went back and every unit that shipped was refunded too.
    if axes.payment_status is PaymentStatus.REFUNDED and axes.shipped_unrefunded_units == 0:
        return _S.REFUNDED
    # A hold only blocks what is still to ship; a fully shipped order moves on past it.
    if axes.has_open_holds and not fulfilled:
        return _S.ON_HOLD
    # Goods already out of the door (cash on delivery, net terms) outrank a missing payment.
    if axes.payment_status in _UNPAID and axes.shipped_units == 0:
        return _S.PENDING_PAYMENT
    if axes.fulfillment_status is FulfillmentStatus.UNFULFILLED:
        return _S.READY_TO_FULFILL
    if axes.fulfillment_status is FulfillmentStatus.PARTIAL:
        return _S.PARTIALLY_SHIPPED
    # Fulfilled: delivered once every active shipment is (and there is at least one).
    all_delivered = axes.active_shipments > 0 and axes.delivered_shipments == axes.active_shipments
    return _S.DELIVERED if all_delivered else _S.SHIPPED
