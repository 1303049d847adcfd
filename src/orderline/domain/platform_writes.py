"""Holds written back to the platform: what one write is, the marker that names
Orderline's own writes, and what a platform writer answers.

A hold Orderline places (hold group `orderline:<exception key>`) is placed on the
platform too, and released there when Orderline releases it. Each write is one outbox row
(`services.platform_writeback`); the platform's package (`connectors/<platform>/writeback.py`)
performs it through the store's API client, idempotently: it looks at what the platform
holds before it writes, and a hold carrying Orderline's marker is Orderline's.

The marker is how Orderline recognises its own write when the platform reports it back
in a webhook (an "echo"): the text `Orderline hold <exception key>` in the hold's notes,
the order note or the staff notes, and on WooCommerce the order meta `_orderline_hold`
(the one place a WooCommerce order webhook carries it). Connectors map a hold carrying
the marker to no fact at all, so an echo neither holds the order a second time nor
differs from Orderline's view.

Standard library only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from orderline.domain.order import HOLD_GROUP_PREFIX
from orderline.domain.vocabulary import HoldReason

MARKER_PREFIX = "Orderline hold "


class WriteAction(StrEnum):
    PLACE_HOLD = "place_hold"
    RELEASE_HOLD = "release_hold"


@dataclass(frozen=True, slots=True)
class PlatformWrite:
    """One hold to place on, or release from, one platform order."""

    store_id: str
    order_id: str
    action: WriteAction
    hold_group: str
    """Orderline's hold group, `orderline:<exception key>`."""
    reason: HoldReason
    note: str = ""
    """Why Orderline holds the order (the finding's reason), for the people on the platform."""

    @property
    def hold_key(self) -> str:
        """The exception key the hold belongs to."""
        return self.hold_group.removeprefix(HOLD_GROUP_PREFIX)

    @property
    def marker(self) -> str:
        return marker(self.hold_group)

    def key(self, decided_at: datetime) -> str:
        """The outbox key: one write per hold change (an evaluation releases or places a
        hold once; a hold placed again later is a new change at a later moment)."""
        return f"{self.store_id}:{self.order_id}:{self.hold_group}:{self.action}:{decided_at.isoformat()}"

    def text(self) -> str:
        """The note written with the write. A placement's carries the marker (how its echo is
        recognised); a release's must not, or the note would mark the order held again."""
        if self.action is WriteAction.RELEASE_HOLD:
            return f"Orderline released hold {self.hold_key}"
        return f"{self.marker}: {self.note}" if self.note else self.marker


def marker(hold_group: str) -> str:
    """The text naming Orderline's hold `hold_group` on the platform."""
    return f"{MARKER_PREFIX}{hold_group.removeprefix(HOLD_GROUP_PREFIX)}"


def marked_key(text: object) -> str | None:
    """The exception key in a text carrying Orderline's marker; None for any other text."""
    if not isinstance(text, str):
        return None
    start = text.find(MARKER_PREFIX)
    if start < 0:
        return None
    rest = text[start + len(MARKER_PREFIX) :].split()
    return rest[0].removesuffix(":") if rest else None


def is_orderline_text(text: object) -> bool:
    return marked_key(text) is not None


class WriteOutcome(StrEnum):
    DONE = "done"
    """The platform holds (or no longer holds) the order as asked, now or already."""
    TEMPORARY = "temporary"
    """Failed for now (a timeout, 429, 5xx): tried again later."""
    PERMANENT = "permanent"
    """Refused (unknown order, a 4xx): never tried again."""


@dataclass(frozen=True, slots=True)
class WriteResult:
    outcome: WriteOutcome
    detail: str
    retry_after_s: float | None = None
    remote: Mapping[str, Any] = field(default_factory=dict)
    """What the writer keeps for later: the platform's hold ids, the fulfillment orders
    held, the status the order had before the hold (WooCommerce, BigCommerce), and
    `groups`, the platform's own hold groups the write touched."""


class HoldWriter(Protocol):
    """Performs platform writes for one store (`connectors/<platform>/writeback.py`)."""

    def write(self, write: PlatformWrite, placed: Mapping[str, Any]) -> WriteResult:
        """Perform `write`; for a release, `placed` is what the placement's result kept."""
        ...

    def close(self) -> None: ...
