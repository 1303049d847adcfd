"""What people do to an exception: acknowledge, assign, annotate, resolve.

One place for the API and the CLI: each action is applied to the stored exception and
recorded in its history with who did it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Connection

from orderline.persistence import exception_records as records
from orderline.persistence.exception_records import ExceptionEvent, StoredException
from orderline.services import scheduler


class Action(StrEnum):
    ACKNOWLEDGE = "acknowledged"
    ASSIGN = "assigned"
    NOTE = "noted"
    RESOLVE = "resolved"


class ExceptionNotFound(LookupError):
    pass


class ExceptionClosed(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class ExceptionRef:
    store_id: str
    order_id: str
    key: str


def act(
    connection: Connection, ref: ExceptionRef, action: Action, actor: str, now: datetime, text: str = ""
) -> StoredException:
    """Apply `action` (with `text`: the assignee, the note or the resolution) and record it.

    Raises ExceptionNotFound, or ExceptionClosed for anything but a note on a resolved one.
    """
    row = _existing(connection, ref)
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
