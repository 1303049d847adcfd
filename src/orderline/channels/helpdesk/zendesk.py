"""ZendeskHelpdesk: hand-offs as Zendesk Support tickets, through the Tickets API.

Facts relied on, and where they come from:

- Create Ticket is `POST /api/v2/tickets.json` with `{"ticket": {...}}`: `subject`,
  `comment` `{body, public}`, `requester` `{name, email}` (an unknown address becomes a
  new end user), `tags`, `priority` (urgent, high, normal, low) and `external_id`; the
  answer is 201 with `{"ticket": {...}}`. List Tickets takes `?external_id=` and answers
  `{"tickets": [...]}`; external ids need not be unique, and archived tickets are not
  listed. https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/
- API token authentication is HTTP Basic with `{email_address}/token` as the user name
  and the token as the password.
  https://support.zendesk.com/hc/en-us/articles/4408831452954-Authentication-for-API-requests
- Over the rate limit the API answers 429 with `Retry-After` in seconds.
  https://developer.zendesk.com/api-reference/introduction/rate-limits
- An agent opens ticket N at `{account}/agent/tickets/N` (the agent interface's address,
  not part of the API reference).

The look-up uses List Tickets rather than the Search API on purpose: search results come
from an index that lags behind ticket creation, so a retry seconds after a lost answer
could miss the ticket it is meant to find.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import httpx

from orderline.channels.channel import Outcome
from orderline.channels.helpdesk.exchange import HelpdeskClient, JsonObject, oldest_ticket
from orderline.channels.helpdesk.handoff import HandoffRequest, HandoffResult

TICKETS_PATH = "/api/v2/tickets.json"
_SUBDOMAIN = re.compile(r"[a-z0-9][a-z0-9-]*", re.IGNORECASE)


@dataclass(frozen=True, slots=True, kw_only=True)
class ZendeskSettings:
    """One Zendesk account: `subdomain` ("acme" for acme.zendesk.com) or `base_url`
    (a proxy or a test server), and an API token with the agent e-mail it belongs to."""

    email: str
    api_token: str
    subdomain: str | None = None
    base_url: str | None = None
    timeout_s: float = 10.0

    def __post_init__(self) -> None:
        if (self.subdomain is None) == (self.base_url is None):
            raise ValueError("Zendesk settings need exactly one of subdomain or base_url")
        if self.subdomain is not None and not _SUBDOMAIN.fullmatch(self.subdomain):
            raise ValueError(f"Zendesk subdomain {self.subdomain!r} is not a bare subdomain like 'acme'")

    @property
    def account_url(self) -> str:
        if self.base_url is not None:
            return self.base_url.rstrip("/")
        return f"https://{self.subdomain}.zendesk.com"


class ZendeskHelpdesk(HelpdeskClient):
    """Creates at most one Zendesk ticket per hand-off key. Pass `transport` to talk to a
    fake (`httpx.MockTransport`) instead of the network."""

    name = "zendesk"
    TICKET_PATH = "/agent/tickets/{id}"

    def __init__(
        self,
        settings: ZendeskSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        auth = httpx.BasicAuth(f"{settings.email}/token", settings.api_token)
        super().__init__(settings.account_url, auth, settings.timeout_s, transport, clock)

    def create_ticket(self, request: HandoffRequest) -> HandoffResult:
        listed = self.exchange(
            "zendesk look-up", lambda: self._http.get(TICKETS_PATH, params={"external_id": request.key})
        )
        if isinstance(listed, HandoffResult):
            return listed
        existing = oldest_ticket(listed.get("tickets"), request.key)
        if existing is not None:
            return self._result(existing, created=False)
        answer = self.exchange(
            "zendesk create", lambda: self._http.post(TICKETS_PATH, json=ticket_payload(request))
        )
        if isinstance(answer, HandoffResult):
            return answer
        ticket = answer.get("ticket")
        if not isinstance(ticket, dict) or ticket.get("id") is None:
            # Created or not, the next attempt's look-up will tell.
            return HandoffResult(Outcome.TEMPORARY, "zendesk create: the answer carries no ticket id")
        return self._result(ticket, created=True)


def ticket_payload(request: HandoffRequest) -> JsonObject:
    """The Create Ticket body for a hand-off."""
    ticket: JsonObject = {
        "subject": request.subject,
        # Private: the body is Orderline's context for agents; a public first comment
        # would be e-mailed to the buyer.
        "comment": {"body": request.body, "public": False},
        "priority": str(request.priority),
        # A space inside a Zendesk tag splits it into two tags.
        "tags": ["_".join(tag.split()) for tag in request.tags],
        "external_id": request.key,
    }
    if request.requester_email:
        # A new end user needs a name; the address stands in when the order has none.
        name = request.requester_name or request.requester_email
        ticket["requester"] = {"name": name, "email": request.requester_email}
    return {"ticket": ticket}
