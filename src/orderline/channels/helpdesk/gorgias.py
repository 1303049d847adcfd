"""GorgiasHelpdesk: hand-offs as Gorgias tickets, through the Gorgias REST API.

Facts relied on, and where they come from:

- Create a ticket is `POST /api/tickets`; `messages` is required (1 to 500), and each
  message needs `channel`, `via` and `from_agent`. `external_id` (at most 255
  characters) is "not used by Gorgias, feel free to set it as you wish"; `customer`
  and `tags` are optional. https://developers.gorgias.com/reference/create-ticket
- For an API-channel ticket with an incoming message: ticket and message `channel` and
  `via` are "api", `from_agent` is false, and the message's `sender` has an `id` and/or
  an `email`. Auto-reply rules do not fire for API-channel messages, so the buyer gets
  no automatic answer to Orderline's hand-off.
  https://developers.gorgias.com/docs/create-a-ticket-using-api
- List tickets (`GET /api/tickets`) filters by `external_id`, pages at most 100
  (`limit`), newest first by default, and answers `{"data": [...], "meta": {...}}`;
  `trashed` defaults to true, so a ticket an agent trashed is still found and not
  opened a second time.
  https://developers.gorgias.com/reference/list-tickets
- Authentication for a private app is HTTP Basic with the user's e-mail (username) and
  an API key. https://developers.gorgias.com/docs/access-tokens-api-keys
- Over the rate limit the API answers 429 with `Retry-after` in seconds.
  https://developers.gorgias.com/reference/limitations
- An agent opens ticket N at `{base_url}/app/ticket/N` (the web app's address, not part
  of the API reference).

The documented ticket object has no priority field, so a priority other than normal
travels as a `priority:<level>` tag that Gorgias rules and views can match on. A
hand-off without a buyer e-mail has no customer to send an incoming message, so its
message is an internal note from the API user instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import httpx

from orderline.channels.channel import Outcome
from orderline.channels.helpdesk.exchange import HelpdeskClient, JsonObject, oldest_ticket
from orderline.channels.helpdesk.handoff import HandoffRequest, HandoffResult, Priority

TICKETS_PATH = "/api/tickets"
LOOK_UP_LIMIT = 100
"""The documented page maximum. The list is newest first, so even a server that ignored
the `external_id` filter would show a ticket created moments ago on this first page."""


@dataclass(frozen=True, slots=True, kw_only=True)
class GorgiasSettings:
    """One Gorgias account: `base_url` such as https://acme.gorgias.com, and an API key
    with the username (the user's e-mail) it belongs to."""

    base_url: str
    username: str
    api_key: str
    timeout_s: float = 10.0


class GorgiasHelpdesk(HelpdeskClient):
    """Creates at most one Gorgias ticket per hand-off key. Pass `transport` to talk to a
    fake (`httpx.MockTransport`) instead of the network."""

    name = "gorgias"
    TICKET_PATH = "/app/ticket/{id}"

    def __init__(
        self,
        settings: GorgiasSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        auth = httpx.BasicAuth(settings.username, settings.api_key)
        super().__init__(settings.base_url.rstrip("/"), auth, settings.timeout_s, transport, clock)
        self._username = settings.username

    def create_ticket(self, request: HandoffRequest) -> HandoffResult:
        listed = self.exchange(
            "gorgias look-up",
            lambda: self._http.get(TICKETS_PATH, params={"external_id": request.key, "limit": LOOK_UP_LIMIT}),
        )
        if isinstance(listed, HandoffResult):
            return listed
        existing = oldest_ticket(listed.get("data"), request.key)
        if existing is not None:
            return self._result(existing, created=False)
        payload = ticket_payload(request, api_user=self._username)
        ticket = self.exchange("gorgias create", lambda: self._http.post(TICKETS_PATH, json=payload))
        if isinstance(ticket, HandoffResult):
            return ticket
        if ticket.get("id") is None:
            # Created or not, the next attempt's look-up will tell.
            return HandoffResult(Outcome.TEMPORARY, "gorgias create: the answer carries no ticket id")
        return self._result(ticket, created=True)


def ticket_payload(request: HandoffRequest, *, api_user: str) -> JsonObject:
    """The Create a ticket body for a hand-off; `api_user` signs the internal note a
    hand-off without a buyer e-mail becomes."""
    tags = list(request.tags)
    if request.priority is not Priority.NORMAL:
        tags.append(f"priority:{request.priority}")
    ticket: JsonObject = {
        "external_id": request.key,
        "channel": "api",
        "via": "api",
        "subject": request.subject,
        "tags": [{"name": tag} for tag in tags],
    }
    if request.requester_email:
        customer: JsonObject = {"email": request.requester_email}
        if request.requester_name:
            customer["name"] = request.requester_name
        ticket["customer"] = customer
        ticket["from_agent"] = False
        ticket["messages"] = [_message(request, sender=request.requester_email, channel="api")]
    else:
        ticket["from_agent"] = True
        ticket["messages"] = [_message(request, sender=api_user, channel="internal-note")]
    return ticket


def _message(request: HandoffRequest, *, sender: str, channel: str) -> JsonObject:
    return {
        "channel": channel,
        "via": "api",
        "from_agent": channel == "internal-note",
        "sender": {"email": sender},
        "subject": request.subject,
        "body_text": request.body,
    }
