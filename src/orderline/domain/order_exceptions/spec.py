"""What Orderline knows about one exception type, written once: its `ExceptionSpec`.

A spec names the type and its settings class (whose field defaults are the type's default
policy: owner, escalation ladder, thresholds), its detector, and the facts the rest of
Orderline derives from it: the hold its findings ask for and whether the platform already
places that hold, whether buyers hear of it by default, whether it is informational, and
the words of its row in docs/exception-policy.md. Each spec lives beside its detector in
detectors/<type>.py; the registry (registry.py) lists them.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Generic, TypeVar

from orderline.domain.order import Order
from orderline.domain.order_exceptions.business_calendar import BusinessCalendar
from orderline.domain.order_exceptions.escalation import due_levels
from orderline.domain.order_exceptions.findings import Finding, FindingData, utc
from orderline.domain.order_exceptions.policy import DetectorPolicy, ExceptionPolicy, HoldingPolicy
from orderline.domain.vocabulary import HoldReason

Detector = Callable[[Order, ExceptionPolicy, datetime, BusinessCalendar], list[Finding]]
"""`(order, policy, now, calendar) -> findings`: pure, reads its own settings with
`policy.rule(SPEC)`, and opens each finding at a moment taken from the order, never at `now`."""

P_co = TypeVar("P_co", bound=DetectorPolicy, covariant=True)

_TYPE_NAME = re.compile(r"[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class ExceptionSpec(Generic[P_co]):
    """One exception type.

    `type` is its name, a `StrEnum` member so that it is stored, compared and formatted
    like a built-in `ExceptionType`. `hold` is the hold reason its findings ask for when
    the settings' `places_hold` is on (its settings class must then be a `HoldingPolicy`);
    `hold_from_platform` says the finding comes from that very hold on the platform, so
    Orderline places no second one. `buyer_facing` puts it in `messaging.exception_types`
    by default; `informational` marks a type with nothing to fix (its owner hears of it).
    `thresholds` and `hold_note` are the words of its row in the docs table.
    """

    type: StrEnum
    settings: builtins.type[P_co]  # `type` is the field above
    detect: Detector
    hold: HoldReason | None = None
    hold_from_platform: bool = False
    buyer_facing: bool = False
    informational: bool = False
    thresholds: str = ""
    hold_note: str = ""
    defaults: P_co = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not _TYPE_NAME.fullmatch(self.type.value):
            raise ValueError(f"exception type {self.type.value!r}: use lowercase letters, digits and '_'")
        if (self.hold is not None) != issubclass(self.settings, HoldingPolicy):
            raise ValueError(
                f"{self.type}: a type names a hold exactly when its settings are a HoldingPolicy"
            )
        if self.hold_from_platform and self.hold is None:
            raise ValueError(f"{self.type}: hold_from_platform needs the hold it comes from")
        object.__setattr__(self, "defaults", self.settings())

    @property
    def default_owner(self) -> str:
        return self.defaults.owner

    def hold_for(self, rule: DetectorPolicy) -> HoldReason | None:
        """The hold reason a finding under `rule` asks for: None unless it places holds."""
        if isinstance(rule, HoldingPolicy) and rule.places_hold:
            return self.hold
        return None

    def finding(
        self,
        rule: DetectorPolicy,
        detail: str,
        opened_at: datetime,
        reason: str,
        data: FindingData = (),
        *,
        may_hold: bool = True,
    ) -> Finding:
        """A finding of this type keyed `"<type>:<detail>"`, with `rule`'s owner and ladder;
        it asks for this type's hold when `rule` places holds, unless `may_hold` is False."""
        opened = utc(opened_at)
        return Finding(
            type=self.type,
            key=f"{self.type}:{detail}",
            opened_at=opened,
            owner=str(rule.owner),
            reason=reason,
            hold=self.hold_for(rule) if may_hold else None,
            due_levels=due_levels(rule.escalation, opened),
            data=data,
        )
