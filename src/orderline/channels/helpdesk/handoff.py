"""What a helpdesk hand-off takes and answers, and the contract every helpdesk client keeps.

A hand-off turns one order exception (or escalation level) into one support ticket. The
caller composes the ticket's text; the client only carries it to the helpdesk. Like
every channel, a helpdesk client never retries by itself and never raises for a remote
problem: the delivery worker owns retries and the record of every attempt.

Idempotency: the request's `key` is written as the ticket's `external_id`, and
`create_ticket` first looks a ticket with that external id up. A retry after a lost
answer (the helpdesk created the ticket, we never heard back) therefore finds the ticket
instead of opening a second one.

Classification, the same for every helpdesk (`detail` names the step that failed):

- a connection error, a timeout, a dropped connection, HTTP 408, 429 or 5xx, or a 2xx
  answer we cannot read -> TEMPORARY (`retry_after_s` carries the helpdesk's
  `Retry-After` when it sent one);
- HTTP 401 or 403 -> PERMANENT with a detail saying the credentials were refused: no
  retry will fix them, an admin must;
- any other 4xx -> PERMANENT with the helpdesk's own error text.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from orderline.channels.channel import Outcome


class Priority(StrEnum):
    """The four priorities both Zendesk and Orderline's escalation levels speak."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


@dataclass(frozen=True, slots=True)
class HandoffRequest:
    key: str
    """Stable for the hand-off's whole life, e.g. "acme:1001:exception:backorder:level2"."""
    store_id: str
    order_id: str
    order_number: str
    requester_email: str | None
    requester_name: str | None
    subject: str
    body: str
    """Plain-text order context, already composed by the caller."""
    tags: tuple[str, ...] = ()
    priority: Priority = Priority.NORMAL


@dataclass(frozen=True, slots=True)
class HandoffResult:
    outcome: Outcome
    detail: str
    """What happened, for the order's timeline ("created zendesk ticket 42", "HTTP 503 ...")."""
    ticket_id: str | None = None
    ticket_url: str | None = None
    """Where an agent opens the ticket in the helpdesk's own web app."""
    created: bool = False
    """False when an existing ticket with the request's key was found instead."""
    retry_after_s: float | None = None
    """The helpdesk's own hint (HTTP Retry-After), when it gave one."""


class Helpdesk(Protocol):
    name: str

    def create_ticket(self, request: HandoffRequest) -> HandoffResult:
        """The ticket for `request.key`: the existing one (created=False) or a new one."""
        ...
