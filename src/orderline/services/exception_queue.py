"""The exception queue as the API and the CLI use it: matching exceptions with their SLA
state, counts per owner, and the actions people take (through `exception_actions`).

An exception's SLA state has one definition, in the queue's query
(`exception_records.sla_state`): the listing filters and reports with it, and an action's
answer reads the acted-on exception's state from the same expression.

Informational exception types (`ExceptionSpec.informational`, e.g. split_shipment) have
nothing to fix: their SLA state is `none`, they never breach, and the queue lists them
apart from the problems (after them, and with their own `kind`, which the filter takes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import Engine

from orderline.persistence import exception_records as records
from orderline.persistence.exception_records import (
    INFORMATIONAL,
    KINDS,
    NO_SLA,
    PROBLEM,
    QueueFilter,
    StoredException,
)
from orderline.services.exception_actions import (
    EVERY_TEAM,
    Action,
    ExceptionClosed,
    ExceptionNotFound,
    ExceptionRef,
    NotOwnerTeam,
    act,
    team_of,
)

__all__ = [
    "DUE_SOON",
    "EVERY_TEAM",
    "INFORMATIONAL",
    "KINDS",
    "NO_SLA",
    "PROBLEM",
    "Action",
    "ExceptionClosed",
    "ExceptionNotFound",
    "ExceptionQueue",
    "ExceptionRef",
    "ExceptionState",
    "NotOwnerTeam",
    "QueueEntry",
    "QueueFilter",
    "StoredException",
    "team_of",
]


class ExceptionState(StrEnum):
    """An exception's state, as the store keeps it: open until resolved, by a person or
    because its cause cleared."""

    OPEN = records.OPEN
    RESOLVED = records.RESOLVED


DUE_SOON = timedelta(hours=1)
"""How close to its first escalation level an exception is `due_soon`, unless asked otherwise."""


@dataclass(frozen=True, slots=True)
class QueueEntry:
    exception: StoredException
    sla: str
    """`ok`, `due_soon` or `breached` at the moment asked; `none` for an informational type."""

    @property
    def kind(self) -> str:
        """`informational` (nothing to fix, no SLA) or `problem`."""
        return INFORMATIONAL if self.sla == NO_SLA else PROBLEM


class ExceptionQueue:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def entries(
        self, where: QueueFilter, now: datetime, *, due_soon: timedelta = DUE_SOON, limit: int = 100
    ) -> list[QueueEntry]:
        """Matching exceptions, problems first, then informational ones, each part oldest
        first, with its SLA state at `now`."""
        with self._engine.connect() as connection:
            rows = records.list_queue(connection, where, now, due_soon, limit)
        return [QueueEntry(row, sla) for row, sla in rows]

    def counts_by_owner(
        self, where: QueueFilter, now: datetime, *, due_soon: timedelta = DUE_SOON
    ) -> dict[str, int]:
        """Counts per owner over the same filter with the owner left out (a queue's tabs)."""
        with self._engine.connect() as connection:
            return records.count_by_owner(connection, where, now, due_soon)

    def act(
        self,
        ref: ExceptionRef,
        action: Action,
        actor: str,
        now: datetime,
        text: str = "",
        *,
        team: str | None = EVERY_TEAM,
    ) -> QueueEntry:
        """Apply one action (see `exception_actions.act`: `actor` acting for `team`) and
        return the exception as the queue shows it at `now` (default window). Raises
        ExceptionNotFound, NotOwnerTeam or ExceptionClosed."""
        with self._engine.begin() as connection:
            updated = act(connection, ref, action, actor, now, text, team=team)
            sla = records.sla_of(connection, updated.id, now, DUE_SOON)
        return QueueEntry(updated, sla)
