"""Support hand-off: a helpdesk ticket with the order's whole story, asked for when an
exception escalates to a hand-off target (by default the `support` team) or on demand.

A hand-off is recorded in the `handoffs` table in the transaction that decides it (the
evaluation, or the API call), with a stable key; the worker then creates the ticket,
retrying temporary failures with backoff. The helpdesk client looks the key up as the
ticket's external id before creating, so a retry after a lost answer finds the first
ticket instead of opening a second. The ticket also counts for the scorecard
(`support_tickets`, source `handoff`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, insert, or_, select, update

from orderline.channels.delivery import Outcome
from orderline.channels.helpdesk.handoff import HandoffRequest, HandoffResult, Helpdesk, Priority
from orderline.domain.order import Order
from orderline.services.delivery import RetryPolicy
from orderline.services.exceptions import ExceptionChange
from orderline.services.order_story import order_story
from orderline.store.messaging_tables import handoffs, support_tickets

QUEUED, SENDING, DONE, FAILED = "queued", "sending", "done", "failed"


def escalation_key(change: ExceptionChange) -> str:
    """One ticket per exception of an order: a later level reaching support again (the
    default ladder's manager level) is the same case, already in the helpdesk."""
    return f"{change.store_id}:{change.order_id}:{change.key}"


def request_for_escalations(
    connection: Connection,
    escalated: Sequence[ExceptionChange],
    targets: frozenset[str],
    helpdesk: str,
    now: datetime,
) -> int:
    """Ask for a ticket for each escalation that reached a hand-off target."""
    asked = 0
    for change in escalated:
        if change.target in targets:
            reason = f"{change.type} escalated to level {change.level} ({change.target}): {change.reason}"
            asked += request_handoff(
                connection,
                HandoffAsk(change.store_id, change.order_id, escalation_key(change), reason),
                helpdesk,
                now,
            )
    return asked


@dataclass(frozen=True, slots=True)
class HandoffAsk:
    store_id: str
    order_id: str
    key: str
    reason: str
    requested_by: str | None = None


def request_handoff(connection: Connection, ask: HandoffAsk, helpdesk: str, now: datetime) -> bool:
    """Record a hand-off to be made; False when one with this key exists already."""
    exists = connection.execute(select(handoffs.c.id).where(handoffs.c.key == ask.key)).first()
    if exists is not None:
        return False
    connection.execute(
        insert(handoffs).values(
            store_id=ask.store_id,
            order_id=ask.order_id,
            key=ask.key,
            helpdesk=helpdesk,
            reason=ask.reason,
            request={},
            state=QUEUED,
            requested_at=now,
            requested_by=ask.requested_by,
            due_at=now,
            attempts=0,
        )
    )
    return True


def compose(connection: Connection, row: Any) -> HandoffRequest:
    """The ticket: the order's story (status, open exceptions, history, messages sent)."""
    story = order_story(connection, row.store_id, row.order_id, f"needs support: {row.reason}")
    return HandoffRequest(
        key=row.key,
        store_id=row.store_id,
        order_id=row.order_id,
        order_number=story.order_number,
        requester_email=story.email,
        requester_name=story.customer_name,
        subject=f"Order {story.order_number}: {row.reason.split(':')[0]}",
        body=story.text,
        tags=("orderline", row.store_id),
        priority=Priority.HIGH if row.requested_by is None else Priority.NORMAL,
    )


class HandoffWorker:
    def __init__(self, engine: Engine, helpdesk: Helpdesk, retry: RetryPolicy | None = None) -> None:
        self._engine, self._helpdesk, self._retry = engine, helpdesk, retry or RetryPolicy()

    def deliver_due(self, now: datetime, limit: int = 20) -> int:
        """Make up to `limit` due hand-offs; how many were attempted."""
        done = 0
        for _ in range(limit):
            with self._engine.begin() as connection:
                claimed = _claim(connection, now, self._retry.lease)
                request = None if claimed is None else compose(connection, claimed)
            if claimed is None or request is None:
                return done
            result = self._helpdesk.create_ticket(request)
            with self._engine.begin() as connection:
                self._record(connection, claimed, request, result, now)
            done += 1
        return done

    def _record(
        self, connection: Connection, row: Any, request: HandoffRequest, result: HandoffResult, now: datetime
    ) -> None:
        attempts = row.attempts + 1
        if result.outcome is Outcome.SENT:
            values: dict[str, Any] = {
                "state": DONE,
                "ticket_id": result.ticket_id,
                "ticket_url": result.ticket_url,
            }
            _remember_ticket(connection, row, request, result, now)
        elif result.outcome is Outcome.TEMPORARY and attempts < self._retry.max_attempts:
            due = now + self._retry.delay(attempts, result.retry_after_s)
            values = {"state": QUEUED, "due_at": due}
        else:
            values = {"state": FAILED}
        values |= {
            "attempts": attempts,
            "last_error": None if result.outcome is Outcome.SENT else result.detail,
        }
        connection.execute(
            update(handoffs).where(handoffs.c.id == row.id).values(request=_json(request), **values)
        )


def _claim(connection: Connection, now: datetime, lease: timedelta) -> Any:
    due = or_(
        and_(handoffs.c.state == QUEUED, handoffs.c.due_at <= now),
        and_(handoffs.c.state == SENDING, handoffs.c.due_at <= now - lease),
    )
    row = connection.execute(
        select(handoffs).where(due).order_by(handoffs.c.due_at, handoffs.c.id).limit(1)
    ).first()
    if row is None:
        return None
    connection.execute(update(handoffs).where(handoffs.c.id == row.id).values(state=SENDING, due_at=now))
    return row


def _remember_ticket(
    connection: Connection, row: Any, request: HandoffRequest, result: HandoffResult, now: datetime
) -> None:
    if result.ticket_id is None:
        return
    known = connection.execute(
        select(support_tickets.c.id).where(
            support_tickets.c.helpdesk == row.helpdesk, support_tickets.c.ticket_id == result.ticket_id
        )
    ).first()
    if known is not None:
        return
    connection.execute(
        insert(support_tickets).values(
            helpdesk=row.helpdesk,
            ticket_id=result.ticket_id,
            source="handoff",
            store_id=row.store_id,
            order_id=row.order_id,
            order_number=request.order_number,
            requester_email=request.requester_email,
            subject=request.subject,
            status="open",
            created_at=now,
        )
    )


def _json(request: HandoffRequest) -> dict[str, Any]:
    return {
        "subject": request.subject,
        "body": request.body,
        "tags": list(request.tags),
        "priority": request.priority,
    }


def list_handoffs(connection: Connection, store_id: str, order_id: str) -> list[dict[str, Any]]:
    rows = connection.execute(
        select(handoffs)
        .where(handoffs.c.store_id == store_id, handoffs.c.order_id == order_id)
        .order_by(handoffs.c.id)
    )
    return [dict(row._mapping) for row in rows]


def is_known_order(order: Order | None) -> bool:
    return order is not None
