"""What a detector reports: one `Finding` per exception it sees on an order.

A finding is a value, not an event: running a detector again at a later `now` on the same
order gives an equal finding (same key, same `opened_at`, same due times), which is what
lets the service layer open each exception once and close it when its key disappears.
Times are normalised to UTC so that equal findings also serialise equally.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from orderline.domain.order_exceptions.escalation import EscalationDue
from orderline.domain.vocabulary import HoldReason

FindingData = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Finding:
    """One exception on one order.

    `type` is its exception type (an `ExceptionType` member for the built-in types);
    `key` is its stable identity within the order ("address_invalid:postal_code");
    `hold` is the hold reason it asks for when it should block fulfilment, else None;
    `due_levels` is its escalation ladder; `data` pairs are sorted by key.
    """

    type: StrEnum
    key: str
    opened_at: datetime
    owner: str
    reason: str
    hold: HoldReason | None
    due_levels: tuple[EscalationDue, ...]
    data: FindingData = ()

    def levels_due(self, now: datetime) -> tuple[EscalationDue, ...]:
        """The escalation levels whose due time has come at `now` (due_at <= now)."""
        return tuple(level for level in self.due_levels if level.due_at <= now)


def finding_data(**values: object) -> FindingData:
    """Data pairs sorted by key; None values are left out."""
    return tuple(sorted((key, str(value)) for key, value in values.items() if value is not None))


def utc(moment: datetime) -> datetime:
    """`moment` in UTC. A naive datetime is refused: converting it would read the
    machine's local zone, and the domain never depends on the machine."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"a time zone is required, got naive {moment.isoformat()}")
    return moment.astimezone(UTC)


def hours_text(duration: timedelta) -> str:
    """A duration as people write it in a reason: "24 h", "1.5 h"."""
    return f"{duration / timedelta(hours=1):g} h"
