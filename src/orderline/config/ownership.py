"""Who owns each status, hold reason and exception type (DESIGN §2), resolved.

The defaults here are the design's table; a configuration overrides any of them.
`on_hold` has no owner of its own: an order on hold belongs to the owner of its hold
reason, so it is never in the status table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TypeVar

from orderline.domain.vocabulary import (
    DEFAULT_HOLD_OWNERS,
    ExceptionType,
    HoldReason,
    OrderStatus,
    Team,
)

K = TypeVar("K")

OWNED_STATUSES: tuple[OrderStatus, ...] = tuple(s for s in OrderStatus if s is not OrderStatus.ON_HOLD)
"""Every status with an owner of its own (all but `on_hold`)."""

DEFAULT_STATUS_OWNERS: Mapping[OrderStatus, str] = MappingProxyType(
    {
        OrderStatus.PENDING_PAYMENT: Team.SUPPORT,
        OrderStatus.READY_TO_FULFILL: Team.OPERATIONS,
        OrderStatus.PARTIALLY_SHIPPED: Team.OPERATIONS,
        OrderStatus.SHIPPED: Team.SUPPORT,
        OrderStatus.DELIVERED: Team.SUPPORT,
        OrderStatus.CANCELLED: Team.SUPPORT,
        OrderStatus.REFUNDED: Team.SUPPORT,
        OrderStatus.RETURNED: Team.SUPPORT,
    }
)

DEFAULT_EXCEPTION_OWNERS: Mapping[ExceptionType, str] = MappingProxyType(
    {
        ExceptionType.ADDRESS_INVALID: Team.SUPPORT,
        ExceptionType.PAYMENT_FAILED: Team.SUPPORT,
        ExceptionType.FRAUD_REVIEW: Team.OPERATIONS,
        ExceptionType.BACKORDER: Team.OPERATIONS,
        ExceptionType.SPLIT_SHIPMENT: Team.OPERATIONS,
        ExceptionType.FULFILLMENT_DELAYED: Team.OPERATIONS,
        ExceptionType.DELIVERY_EXCEPTION: Team.SUPPORT,
        ExceptionType.STALE_ORDER: Team.OPERATIONS,
        ExceptionType.STATE_DRIFT: Team.OPERATIONS,
    }
)


@dataclass(frozen=True)
class Ownership:
    """The complete owner table: every owned status, hold reason and exception type has a team.

    Build it with `Ownership.with_overrides(...)`; team names are plain strings.
    """

    statuses: Mapping[OrderStatus, str]
    holds: Mapping[HoldReason, str]
    exceptions: Mapping[ExceptionType, str]

    def __post_init__(self) -> None:
        unowned = [
            *(f"status {s}" for s in OWNED_STATUSES if s not in self.statuses),
            *(f"hold {r}" for r in HoldReason if r not in self.holds),
            *(f"exception {t}" for t in ExceptionType if t not in self.exceptions),
        ]
        if unowned:
            raise ValueError(f"no owner for: {', '.join(unowned)}")
        if OrderStatus.ON_HOLD in self.statuses:
            raise ValueError("on_hold is owned by the hold reason, not by a team of its own")

    @classmethod
    def with_overrides(
        cls,
        statuses: Mapping[OrderStatus, str] | None = None,
        holds: Mapping[HoldReason, str] | None = None,
        exceptions: Mapping[ExceptionType, str] | None = None,
    ) -> Ownership:
        """The design's default owners with the given entries replaced."""
        return cls(
            statuses=_frozen_merge(DEFAULT_STATUS_OWNERS, statuses),
            holds=_frozen_merge(DEFAULT_HOLD_OWNERS, holds),
            exceptions=_frozen_merge(DEFAULT_EXCEPTION_OWNERS, exceptions),
        )

    def owner_of_status(self, status: OrderStatus) -> str:
        """The team owning orders in `status`; `on_hold` has none (ask `owner_of_hold`)."""
        if status is OrderStatus.ON_HOLD:
            raise ValueError("on_hold is owned by the hold reason; use owner_of_hold")
        return self.statuses[status]

    def owner_of_hold(self, reason: HoldReason) -> str:
        return self.holds[reason]

    def owner_of_exception(self, exception_type: ExceptionType) -> str:
        return self.exceptions[exception_type]

    def as_mapping(self) -> dict[str, dict[str, str]]:
        """Plain strings throughout, in vocabulary order, for the domain fold's overrides."""
        return {
            "statuses": {str(s): str(self.owner_of_status(s)) for s in OWNED_STATUSES},
            "holds": {str(r): str(self.owner_of_hold(r)) for r in HoldReason},
            "exceptions": {str(t): str(self.owner_of_exception(t)) for t in ExceptionType},
        }


def _frozen_merge(defaults: Mapping[K, str], overrides: Mapping[K, str] | None) -> Mapping[K, str]:
    # str() turns Team members into plain strings, so lookups and as_mapping() never leak enums.
    return MappingProxyType({key: str(team) for key, team in {**defaults, **(overrides or {})}.items()})
