"""What the console's read-only boards show (web/console_pages.py), from Orderline's own
records only (no platform is asked):

- the ownership board: each order status, hold reason and exception type with its owner
  team (the table `check-config` prints), how many are open, the oldest one's age and how
  many have breached their SLA;
- dead letters, newest first, a page at a time, with the start of each body;
- recent reconciliation sweeps and drift incidents.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from orderline.config.ownership_table import OwnershipRow
from orderline.persistence import console_queries as queries
from orderline.persistence.reconcile_records import SweepRow, recent_sweeps

PREVIEW_BYTES = 2_000
"""How much of a dead letter's body the console shows."""


@dataclass(frozen=True, slots=True)
class BoardRow:
    kind: str
    """`status`, `hold` or `exception`."""
    name: str
    owner: str
    open: int
    oldest_age_s: float | None
    breaches: int


@dataclass(frozen=True, slots=True)
class DeadLetterPage:
    items: list[dict[str, Any]]
    next_before: int | None
    """The `before` of the next (older) page; None on the last page."""


class ConsoleBoards:
    def __init__(self, engine: Engine, ownership: Sequence[OwnershipRow]) -> None:
        self._engine = engine
        self._ownership = tuple(ownership)

    def ownership(self, now: datetime) -> list[BoardRow]:
        """One row per status, hold reason and exception type, in the ownership table's order.
        A status counts its orders (age: since the oldest one last changed); a hold reason and
        an exception type count their open exceptions (age: since the oldest one opened)."""
        with self._engine.connect() as connection:
            tallies = {
                "status": queries.orders_by_status(connection),
                "hold": queries.open_exceptions_by(connection, "hold", now),
                "exception": queries.open_exceptions_by(connection, "type", now),
            }
        rows = []
        for row in self._ownership:
            tally = tallies.get(row.kind, {}).get(row.name)
            if tally is None:
                rows.append(BoardRow(row.kind, row.name, row.owner, 0, None, 0))
                continue
            age = None if tally.oldest is None else max(0.0, (now - tally.oldest).total_seconds())
            rows.append(BoardRow(row.kind, row.name, row.owner, tally.count, age, tally.breaches))
        return rows

    def dead_letters(self, before: int | None, limit: int) -> DeadLetterPage:
        """Dead letters older than id `before` (all when None), newest first."""
        with self._engine.connect() as connection:
            rows = queries.dead_letter_page(connection, before, limit + 1, PREVIEW_BYTES)
        more = len(rows) > limit
        items = rows[:limit]
        return DeadLetterPage(items, int(items[-1]["id"]) if more and items else None)

    def reconciliation(self, limit: int) -> tuple[list[SweepRow], list[dict[str, Any]]]:
        """The latest sweeps and drift incidents, newest first."""
        with self._engine.connect() as connection:
            return recent_sweeps(connection, None, limit), queries.recent_incidents(connection, limit)
