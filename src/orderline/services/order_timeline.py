"""An order's timeline as the API shows it: the order's own history, its exceptions'
(opened, escalated, acknowledged... with who did it), every customer-message decision and
delivery attempt, what people did to its quarantined deliveries, every hold written
back to the platform with each attempt (`services.platform_writeback`), and each platform
delivery behind the order when it was received (`services.order_deliveries`: topic and ids,
no body), in one list by time.

So a support agent sees what happened, what the buyer was told and when, and what did
not arrive.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from orderline.persistence import exception_records, message_records, order_queries
from orderline.persistence.exception_records import ExceptionEvent
from orderline.persistence.message_records import StoredMessage
from orderline.persistence.outbox import INTERRUPTED, OutboxState
from orderline.services import order_deliveries, platform_writeback, quarantine

ATTEMPT_WORDING = {"temporary": "temporary failure", "permanent": "permanent failure"}


def order_timeline(connection: Connection, store_id: str, order_id: str) -> list[dict[str, Any]]:
    """The whole timeline of one order, oldest first."""
    return with_entries(
        with_exception_events(
            order_queries.get_timeline(connection, store_id, order_id),
            exception_records.list_events(connection, store_id, order_id),
        ),
        [
            *message_entries(connection, store_id, order_id),
            *quarantine.inbox_action_entries(connection, store_id, order_id),
            *platform_writeback.write_entries(connection, store_id, order_id),
            *order_deliveries.received_entries(connection, store_id, order_id),
        ],
    )


def with_exception_events(
    timeline: list[dict[str, Any]], events: list[ExceptionEvent]
) -> list[dict[str, Any]]:
    """The order's own history and its exceptions' in one list, by time; the order's
    entries first at the same instant."""
    merged = [(datetime.fromisoformat(e["at"]), 0, i, e) for i, e in enumerate(timeline)]
    for i, event in enumerate(events):
        entry = {
            "at": event.at.isoformat(),
            "kind": f"exception_{event.action}",
            "summary": f"Exception {event.key} {event.action}"
            + (f" by {event.actor}" if event.actor else ""),
            "data": {"key": event.key, **({"actor": event.actor} if event.actor else {}), **event.detail},
        }
        merged.append((event.at, 1, i, entry))
    return [entry for *_, entry in sorted(merged, key=lambda item: item[:3])]


def with_entries(
    timeline: Sequence[dict[str, Any]], entries: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """`timeline` (already in order) and `entries` in one list by time; at the same instant
    the timeline's entries come first."""
    merged = [
        (datetime.fromisoformat(entry["at"]), rank, i, entry)
        for rank, group in enumerate((timeline, entries))
        for i, entry in enumerate(group)
    ]
    return [entry for *_, entry in sorted(merged, key=lambda item: item[:3])]


def message_entries(connection: Connection, store_id: str, order_id: str) -> list[dict[str, Any]]:
    """One timeline entry per message decision and one per delivery attempt, by time."""
    stored = message_records.load_messages(connection, store_id, order_id)
    attempts = message_records.list_attempts(connection, store_id, order_id)
    timed = [(m.decided_at, 0, m.id, _decision_entry(m)) for m in stored]
    timed += [(a["at"], 1, a["id"], _attempt_entry(a)) for a in attempts]
    return [entry for *_, entry in sorted(timed, key=lambda item: item[:3])]


def _decided_as(message: StoredMessage) -> str:
    """The state the message was decided in: a failure before any attempt (it would not
    render, or there was no address) was decided failed; anything attempted was queued."""
    if message.state == OutboxState.SUPPRESSED or (
        message.state == OutboxState.FAILED and message.attempts == 0
    ):
        return message.state
    return "queued"


def _decision_entry(message: StoredMessage) -> dict[str, Any]:
    state = _decided_as(message)
    summary = {
        "queued": f"Message {message.kind} queued for {message.recipient or 'the buyer'}",
        OutboxState.SUPPRESSED: f"Message {message.kind} suppressed: the platform sends it itself",
        OutboxState.FAILED: f"Message {message.kind} failed: {message.last_error}",
    }[state]
    data = {
        "message_id": message.id,
        "idempotency_key": message.idempotency_key,
        "channel": message.channel,
        "recipient": message.recipient,
        "covers": list(message.covers),
    }
    return {
        "at": message.decided_at.isoformat(),
        "kind": f"message_{state}",
        "summary": summary,
        "data": data,
    }


def _attempt_entry(attempt: dict[str, Any]) -> dict[str, Any]:
    kind, outcome = attempt["kind"], attempt["outcome"]
    if outcome == "sent":
        summary = f"Message {kind} sent ({attempt['detail']})"
    elif outcome == INTERRUPTED:
        summary = f"Message {kind} interrupted: possible duplicate"
    else:
        summary = f"Message {kind} {ATTEMPT_WORDING.get(outcome, outcome)}: {attempt['detail']}"
    data = {
        "message_id": attempt["message_id"],
        "idempotency_key": attempt["idempotency_key"],
        "outcome": outcome,
        "detail": attempt["detail"],
        "possible_duplicate": attempt["possible_duplicate"],
    }
    return {"at": attempt["at"].isoformat(), "kind": "message_attempt", "summary": summary, "data": data}
