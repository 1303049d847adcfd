"""The ownership table `check-config` prints: status / hold reason / exception type ->
owner -> escalation levels (after -> target).

Statuses have owners but no escalation; a hold reason escalates along the ladder of
the exception type that places it; `customer_request` and `other` holds are placed by
hand or by the platform and have none.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple
from urllib.parse import urlsplit

from orderline.config.durations import format_duration
from orderline.config.model import OrderlineConfig
from orderline.config.ownership import OWNED_STATUSES
from orderline.domain.order_exceptions import (
    EXCEPTION_TYPES,
    AnySpec,
    EscalationLevel,
    ExceptionPolicy,
    TargetKind,
)
from orderline.domain.vocabulary import HoldReason, OrderStatus

HOLD_OWNER_OF_STATUS = "(owner of the hold reason)"


class OwnershipRow(NamedTuple):
    kind: str
    name: str
    owner: str
    escalation: str


def ownership_rows(config: OrderlineConfig) -> list[OwnershipRow]:
    """One row per status, hold reason and exception type, in vocabulary (and registry) order."""
    ownership = config.ownership.resolve()
    policy = config.exception_policy()
    rows = [
        OwnershipRow("status", status, ownership.owner_of_status(status), "")
        if status in OWNED_STATUSES
        else OwnershipRow("status", status, HOLD_OWNER_OF_STATUS, "")
        for status in OrderStatus
    ]
    rows += [
        OwnershipRow("hold", reason, ownership.hold_owner(reason), _hold_escalation(policy, reason))
        for reason in HoldReason
    ]
    rows += [
        OwnershipRow(
            "exception", spec.type, ownership.exception_owner(spec.type), _exception_escalation(policy, spec)
        )
        for spec in EXCEPTION_TYPES
    ]
    return rows


def render_ownership_rows(rows: Sequence[OwnershipRow]) -> list[str]:
    name_width = max(len(row.name) for row in rows)
    # Only rows that go on past the owner set its column; `(owner of the hold reason)` ends its row.
    owner_width = max((len(row.owner) for row in rows if row.escalation), default=0)
    return [
        f"  {row.kind:<10} {row.name:<{name_width}}  {row.owner:<{owner_width}}  {row.escalation}".rstrip()
        for row in rows
    ]


def levels_text(levels: Sequence[EscalationLevel]) -> str:
    """`4h -> support, 1d -> ops-lead@example.com`."""
    return ", ".join(f"{format_duration(level.after)} -> {_shown_target(level)}" for level in levels)


def _shown_target(level: EscalationLevel) -> str:
    # A webhook URL may carry a token in its user info or query; show where it goes, not how.
    if level.target_kind is not TargetKind.WEBHOOK:
        return level.target
    parts = urlsplit(level.target)
    return f"{parts.scheme}://{parts.hostname}{parts.path}"


def _exception_escalation(policy: ExceptionPolicy, spec: AnySpec) -> str:
    rule = policy.rule(spec)
    return levels_text(rule.escalation) if rule.enabled else "(detector disabled)"


def _hold_escalation(policy: ExceptionPolicy, reason: HoldReason) -> str:
    placer = EXCEPTION_TYPES.placing(reason)
    if placer is None:
        return "(no escalation: placed by hand or by the platform)"
    return f"{_exception_escalation(policy, placer)} (as {placer.type})"
