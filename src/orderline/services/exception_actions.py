"""What people do to an exception: acknowledge, assign, annotate, resolve.

One place for the API and the CLI: each action is applied to the stored exception and
recorded in its history with who did it.

Rights: an exception is acted on by its owner team, or by someone acting for every team.
A role acts for the team of the same name (`operations`, `support`); admin, and the CLI
(an operator on the machine), act for every team. A hold Orderline placed for an
exception is released only with it: resolving it makes the order due, and the next tick
releases the hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Connection

from orderline.persistence import exception_records as records
from orderline.persistence.exception_records import ExceptionEvent, StoredException
from orderline.services import scheduler
from orderline.services.api_tokens import Role


class Action(StrEnum):
    ACKNOWLEDGE = "acknowledged"
    ASSIGN = "assigned"
    NOTE = "noted"
    RESOLVE = "resolved"


class ExceptionNotFound(LookupError):
    pass


class ExceptionClosed(ValueError):
    pass


class NotOwnerTeam(PermissionError):
    """The actor's team does not own the exception."""


EVERY_TEAM = None
"""`team` for whoever may act on any team's exception: admin, and the CLI."""


def team_of(role: Role) -> str | None:
    """The team a role acts for: the team of its name; admin acts for every team."""
    return EVERY_TEAM if role is Role.ADMIN else role.value


@dataclass(frozen=True, slots=True)
class ExceptionRef:
    store_id: str
    order_id: str
    key: str


def act(
    connection: Connection,
    ref: ExceptionRef,
    action: Action,
    actor: str,
    now: datetime,
    text: str = "",
    *,
    team: str | None = EVERY_TEAM,
) -> StoredException:
    """Apply `action` (with `text`: the assignee, the note or the resolution) and record it,
    `actor` acting for `team` (EVERY_TEAM: admin, the CLI).

    Raises ExceptionNotFound, NotOwnerTeam when `team` does not own the exception (nothing
    is changed), or ExceptionClosed for anything but a note on a resolved one.
    """
    row = _existing(connection, ref)
    if team is not EVERY_TEAM and row.owner != team:
        raise NotOwnerTeam(
            f"exception {ref.key} of order {ref.order_id} is owned by {row.owner}; "
            f"{team} may not act on it (its owner team or admin may)"
        )
    if not row.is_open and action is not Action.NOTE:
        raise ExceptionClosed(
            f"exception {ref.key} of order {ref.order_id} is resolved; it cannot be {action}"
        )
    detail: dict[str, str] = {}
    if action is Action.ACKNOWLEDGE:
        records.acknowledge_exception(connection, row.id, now, actor)
    elif action is Action.ASSIGN:
        records.assign_exception(connection, row.id, text)
        detail = {"assignee": text}
    elif action is Action.NOTE:
        records.add_note(connection, row.id, now, actor, text)
        detail = {"text": text}
    else:
        records.resolve_exception(connection, row.id, now, text, actor)
        # Due now: the next tick releases the hold this exception placed, if any.
        scheduler.enqueue_now(connection, [(ref.store_id, ref.order_id)], now)
        detail = {"resolution": text}
    event = ExceptionEvent(ref.store_id, ref.order_id, ref.key, now, action.value, actor, detail)
    records.record_events(connection, [event])
    return _existing(connection, ref)


def _existing(connection: Connection, ref: ExceptionRef) -> StoredException:
    row = records.get_exception(connection, ref.store_id, ref.order_id, ref.key)
    if row is None:
        raise ExceptionNotFound(f"no exception {ref.key} on order {ref.order_id} in store {ref.store_id}")
    return row
