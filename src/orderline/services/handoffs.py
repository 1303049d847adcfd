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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine

from orderline.channels.helpdesk.handoff import HandoffRequest, HandoffResult, Helpdesk, Priority
from orderline.domain.order import Order
from orderline.persistence.handoff_records import HANDOFFS, StoredHandoff, claimed_handoff, insert_handoff
from orderline.persistence.handoff_records import HandoffAsk as HandoffAsk
from orderline.persistence.handoff_records import list_handoffs as list_handoffs
from orderline.persistence.outbox import Claim, Ending, Sent
from orderline.persistence.ticket_records import OpenedTicket, remember_opened_ticket
from orderline.services.exception_evaluation import Evaluation, ExceptionChange
from orderline.services.order_story import order_story
from orderline.services.outbox_sending import DEFAULT_TERMS, OutboxTerms, OutboxWorker


def escalation_key(change: ExceptionChange) -> str:
    """One ticket per exception of an order: a later level reaching support again (the
    default ladder's manager level) is the same case, already in the helpdesk."""
    return f"{change.store_id}:{change.order_id}:{change.key}"


@dataclass(frozen=True)
class HandoffRequests:
    """Evaluation listener: one helpdesk hand-off per escalation to a hand-off target."""

    targets: frozenset[str]
    helpdesk: str

    def evaluated(
        self, connection: Connection, order: Order, evaluation: Evaluation, now: datetime
    ) -> datetime | None:
        request_for_escalations(connection, evaluation.escalated, self.targets, self.helpdesk, now)
        return None


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


def request_handoff(connection: Connection, ask: HandoffAsk, helpdesk: str, now: datetime) -> bool:
    """Record a hand-off to be made; False when one with this key exists already."""
    return insert_handoff(connection, ask, helpdesk, now)


def compose(connection: Connection, ask: HandoffAsk) -> HandoffRequest:
    """The ticket: the order's story (status, open exceptions, history, messages sent)."""
    story = order_story(connection, ask.store_id, ask.order_id, f"needs support: {ask.reason}")
    return HandoffRequest(
        key=ask.key,
        store_id=ask.store_id,
        order_id=ask.order_id,
        order_number=story.order_number,
        requester_email=story.email,
        requester_name=story.customer_name,
        subject=f"Order {story.order_number}: {ask.reason.split(':')[0]}",
        body=story.text,
        tags=("orderline", ask.store_id),
        priority=Priority.HIGH if ask.requested_by is None else Priority.NORMAL,
    )


Composed = tuple[StoredHandoff, HandoffRequest]


class HandoffWorker(OutboxWorker[Composed, HandoffResult]):
    """Makes due hand-offs: a ticket in the helpdesk for each."""

    def __init__(self, engine: Engine, helpdesk: Helpdesk, terms: OutboxTerms = DEFAULT_TERMS) -> None:
        super().__init__(engine, HANDOFFS, terms)
        self._helpdesk = helpdesk

    def deliver_due(self, now: datetime, limit: int = 20) -> int:
        """Make up to `limit` due hand-offs; how many were attempted."""
        return len(self.drain(now, limit))

    def take(self, connection: Connection, claim: Claim) -> Composed:
        handoff = claimed_handoff(connection, claim)
        return handoff, compose(connection, handoff.ask)

    def attempt(self, item: Composed) -> HandoffResult:
        return self._helpdesk.create_ticket(item[1])

    def record(
        self, connection: Connection, item: Composed, result: HandoffResult, ending: Ending, now: datetime
    ) -> Mapping[str, Any]:
        handoff, request = item
        values: dict[str, Any] = {"request": _json(request)}
        if isinstance(ending, Sent):
            values |= {"ticket_id": result.ticket_id, "ticket_url": result.ticket_url, "last_error": None}
            if result.ticket_id is not None:
                remember_opened_ticket(connection, _opened(handoff, request, result.ticket_id, now))
        return values


def _opened(handoff: StoredHandoff, request: HandoffRequest, ticket_id: str, now: datetime) -> OpenedTicket:
    ask = handoff.ask
    return OpenedTicket(
        handoff.helpdesk,
        ticket_id,
        ask.store_id,
        ask.order_id,
        request.order_number,
        request.requester_email,
        request.subject,
        now,
    )


def _json(request: HandoffRequest) -> dict[str, Any]:
    return {
        "subject": request.subject,
        "body": request.body,
        "tags": list(request.tags),
        "priority": request.priority,
    }
