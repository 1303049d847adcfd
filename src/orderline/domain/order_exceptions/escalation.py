"""Escalation paths: ordered levels, each due a fixed time after an exception opened.

A level's `target` is a team name, an e-mail address or a webhook URL; `TargetKind`
tells which, so the channel layer can route it and the config lint can check that a
named team exists. Due times are wall-clock (`opened_at + after`), not business hours:
an escalation is a promise about elapsed time, whereas an SLA may be a business one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from itertools import pairwise
from typing import NamedTuple


class TargetKind(StrEnum):
    TEAM = "team"
    EMAIL = "email"
    WEBHOOK = "webhook"


def target_kind(target: str) -> TargetKind:
    """How `target` is reached: an http(s) URL is a webhook, anything with an @ an e-mail
    address, anything else a team name."""
    lowered = target.lower()
    if lowered.startswith(("https://", "http://")):
        return TargetKind.WEBHOOK
    if "@" in target:
        return TargetKind.EMAIL
    return TargetKind.TEAM


@dataclass(frozen=True, slots=True)
class EscalationLevel:
    """Escalate to `target` once the exception has been open for `after`."""

    after: timedelta
    target: str

    def __post_init__(self) -> None:
        if self.after < timedelta(0):
            raise ValueError(f"escalation 'after' must not be negative, got {self.after}")
        if not self.target.strip():
            raise ValueError("escalation level has no target")

    @property
    def target_kind(self) -> TargetKind:
        return target_kind(self.target)


class EscalationDue(NamedTuple):
    """One level of one open exception: level numbers start at 1."""

    level: int
    due_at: datetime
    target: str


def check_ladder(levels: Sequence[EscalationLevel]) -> None:
    """Levels must be ordered: each due no earlier than the one before it."""
    for number, (earlier, later) in enumerate(pairwise(levels), start=2):
        if later.after < earlier.after:
            raise ValueError(
                f"escalation level {number} is due after {later.after}, "
                f"before level {number - 1} ({earlier.after}); list levels in order"
            )


def due_levels(levels: Sequence[EscalationLevel], opened_at: datetime) -> tuple[EscalationDue, ...]:
    """The ladder of an exception opened at `opened_at`: exactly `opened_at + after` per level."""
    return tuple(
        EscalationDue(number, opened_at + level.after, level.target)
        for number, level in enumerate(levels, start=1)
    )
