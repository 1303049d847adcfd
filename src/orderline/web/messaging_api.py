"""Customer messages and support hand-offs over the API: what an order shows of them (its
messages, hand-offs and their timeline entries), a hand-off on demand, and the messaging
audit under /api/v1.

Every message decision and every delivery attempt appears in the order's timeline, so a
support agent sees what the buyer was told, when, and what did not arrive.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Request
from pydantic import BaseModel, Field
from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from orderline.services.handoffs import HandoffAsk, list_handoffs, request_handoff
from orderline.services.messaging_audit import AuditSettings, audit
from orderline.store import message_queries, message_records
from orderline.store.message_records import FAILED, INTERRUPTED, SUPPRESSED, StoredMessage
from orderline.web.auth import Role, current_role, require
from orderline.web.exceptions_api import ActorName

router = APIRouter(prefix="/api/v1", tags=["messaging"])

Reader = Annotated[Role, Depends(current_role)]
Requester = Annotated[Role, Depends(require(Role.OPERATIONS, Role.SUPPORT))]
MAX_KEY = 200
"""The length of `handoffs.key`."""
ATTEMPT_WORDING = {"temporary": "temporary failure", "permanent": "permanent failure"}


# --- an order's messages, hand-offs and timeline entries ---------------------------------


def order_messages(connection: Connection, store_id: str, order_id: str) -> list[dict[str, Any]]:
    return [_message_view(m) for m in message_records.load_messages(connection, store_id, order_id)]


def _message_view(message: StoredMessage) -> dict[str, Any]:
    return {
        "id": message.id,
        "kind": message.kind,
        "channel": message.channel,
        "recipient": message.recipient,
        "state": message.state,
        "decided_at": message.decided_at.isoformat(),
        "sent_at": message.sent_at.isoformat() if message.sent_at else None,
        "attempts": message.attempts,
        "subject": message.subject,
        "idempotency_key": message.idempotency_key,
        "remote_id": message.remote_id,
        "last_error": message.last_error,
        "possible_duplicate": message.possible_duplicate,
        "covers": list(message.covers),
    }


def order_handoffs(connection: Connection, store_id: str, order_id: str) -> list[dict[str, Any]]:
    return [handoff_view(row) for row in list_handoffs(connection, store_id, order_id)]


def handoff_view(row: dict[str, Any]) -> dict[str, Any]:
    names = ("key", "helpdesk", "state", "reason", "requested_by", "ticket_id", "ticket_url", "attempts")
    return {
        **{name: row[name] for name in names},
        "requested_at": row["requested_at"].isoformat(),
        "last_error": row["last_error"],
    }


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
    if message.state == SUPPRESSED or (message.state == FAILED and message.attempts == 0):
        return message.state
    return "queued"


def _decision_entry(message: StoredMessage) -> dict[str, Any]:
    state = _decided_as(message)
    summary = {
        "queued": f"Message {message.kind} queued for {message.recipient or 'the buyer'}",
        SUPPRESSED: f"Message {message.kind} suppressed: the platform sends it itself",
        FAILED: f"Message {message.kind} failed: {message.last_error}",
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


# --- a hand-off on demand --------------------------------------------------------------


class HandoffRequestBody(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class HandoffOut(BaseModel):
    key: str
    helpdesk: str
    state: str
    reason: str
    requested_at: datetime
    requested_by: str | None
    ticket_id: str | None
    ticket_url: str | None
    attempts: int
    last_error: str | None


def manual_key(connection: Connection, store_id: str, order_id: str, client_key: str | None) -> str:
    """The client's idempotency key, so a retried request finds the first hand-off; else the
    next number, so asking again (after the first was dealt with) is a new hand-off."""
    prefix = f"{store_id}:{order_id}:manual:"
    if client_key is None:
        return f"{prefix}{message_queries.count_requested_handoffs(connection, store_id, order_id) + 1}"
    key = f"{prefix}key:{client_key}"
    if len(key) > MAX_KEY:  # the column's limit: a long client key is kept as its digest
        key = f"{prefix}key-sha256:{hashlib.sha256(client_key.encode()).hexdigest()[:48]}"
    return key


@router.post(
    "/stores/{store_id}/orders/{platform_order_id}/handoff",
    response_model=HandoffOut,
    status_code=202,
    responses={404: {"description": "No such order"}, 409: {"description": "No helpdesk is configured"}},
)
def hand_off(
    request: Request,
    store_id: str,
    platform_order_id: str,
    body: HandoffRequestBody,
    _: Requester,
    actor: ActorName,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", min_length=1)] = None,
) -> dict[str, Any]:
    """Ask the helpdesk for a ticket with the order's whole story; the worker makes it.
    With an `Idempotency-Key`, repeating the request returns the first hand-off."""
    context = request.app.state.context
    with context.engine.connect() as connection:
        if not message_queries.order_exists(connection, store_id, platform_order_id):
            raise HTTPException(404, f"no order {platform_order_id} in store {store_id}")
        if context.helpdesk is None:
            raise HTTPException(409, "no helpdesk is configured (the helpdesk: section)")
        key = manual_key(connection, store_id, platform_order_id, idempotency_key)
    ask = HandoffAsk(store_id, platform_order_id, key, body.reason, requested_by=actor)
    try:
        with context.engine.begin() as connection:
            request_handoff(connection, ask, context.helpdesk.kind, context.clock())
    except IntegrityError:
        pass  # a concurrent request with the same key committed first: it is this hand-off
    with context.engine.connect() as connection:
        row = message_queries.get_handoff(connection, key)
    assert row is not None, "recorded above"
    return handoff_view(row)


# --- the messaging audit ---------------------------------------------------------------


class AuditFindingOut(BaseModel):
    store_id: str
    order_id: str
    order_number: str | None
    kind: str
    detail: str
    owner: str
    since: datetime
    message_id: int | None


class AuditReportOut(BaseModel):
    now: datetime
    clean: bool
    counts: dict[str, int]
    findings: list[AuditFindingOut]
    unannounced_history: int = 0
    """Open exceptions never announced because their news was history when Orderline
    learned it (an import, old orders re-sent at go-live): not silent, still in the queue."""


@router.get("/audit/messages", response_model=AuditReportOut, tags=["audit"])
def message_audit(request: Request, _: Reader, now: datetime | None = None) -> dict[str, Any]:
    """Silent orders, contradicting messages and failed deliveries at `now` (default: the
    server's clock; UTC when no offset is given)."""
    context = request.app.state.context
    settings: AuditSettings = context.message_audit or AuditSettings()
    moment = context.clock() if now is None else (now if now.tzinfo else now.replace(tzinfo=UTC))
    with context.engine.connect() as connection:
        report = audit(connection, moment, settings)
    return report.as_dict()
