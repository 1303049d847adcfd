"""One HTTP exchange with a helpdesk API, read as JSON or as a failed `HandoffResult`.

Both helpdesk clients make the same two calls (look a ticket up by external id, then
create it) and must classify failures identically, so the reading of an answer lives
here once: see `orderline.channels.helpdesk.handoff` for the classification table.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from types import TracebackType
from typing import Any, Self

import httpx

from orderline.channels.channel import Outcome
from orderline.channels.helpdesk.handoff import HandoffResult
from orderline.clock import system_clock
from orderline.domain.retry import parse_retry_after

JsonObject = dict[str, Any]

_TEMPORARY_STATUSES = frozenset({408, 429})
_REFUSED_CREDENTIALS = frozenset({401, 403})
_DETAIL_LIMIT = 300
"""Enough of an error body to explain a refusal on the timeline, never a whole HTML page."""


class HelpdeskClient:
    """An account's JSON API over one httpx client; a context manager that closes it.
    Pass `transport` to talk to a fake (`httpx.MockTransport`) instead of the network;
    `clock` is what an HTTP-date Retry-After is measured against."""

    def __init__(
        self,
        account_url: str,
        auth: httpx.BasicAuth,
        timeout_s: float,
        transport: httpx.BaseTransport | None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._account_url = account_url
        self._clock = clock or system_clock
        self._http = httpx.Client(
            base_url=account_url,
            auth=auth,
            headers={"Accept": "application/json"},
            timeout=timeout_s,
            transport=transport,
        )

    name = "helpdesk"
    """How the timeline names this helpdesk ("zendesk", "gorgias")."""
    TICKET_PATH = "/tickets/{id}"
    """A ticket's page under the account URL, for people to open."""

    def close(self) -> None:
        self._http.close()

    def exchange(self, step: str, call: Callable[[], httpx.Response]) -> JsonObject | HandoffResult:
        """Make the call; its JSON object on a 2xx answer, otherwise the failure.

        `step` names the call on the timeline ("zendesk look-up", "gorgias create").
        """
        try:
            response = call()
        except httpx.RequestError as error:
            # Connect errors, timeouts, a connection dropped before the answer: the request
            # may or may not have been applied, which the next attempt's look-up settles.
            return HandoffResult(Outcome.TEMPORARY, f"{step}: {type(error).__name__}: {error}")
        if not response.is_success:
            return failure(step, response, self._clock())
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            # A 2xx we cannot read may still have created the ticket: retry and look it up.
            return HandoffResult(Outcome.TEMPORARY, f"{step}: HTTP {response.status_code}: unreadable answer")
        return body

    def _result(self, ticket: JsonObject, *, created: bool) -> HandoffResult:
        """The hand-off's outcome for `ticket` (which has an id): sent, with its link."""
        ticket_id = str(ticket["id"])
        verb = "created" if created else "already exists for this hand-off"
        return HandoffResult(
            Outcome.SENT,
            f"{self.name} ticket {ticket_id} {verb}",
            ticket_id=ticket_id,
            ticket_url=self._account_url + self.TICKET_PATH.format(id=ticket_id),
            created=created,
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def oldest_ticket(tickets: object, key: str) -> JsonObject | None:
    """The lowest-id ticket whose external_id is `key`. Matching again here, rather than
    trusting the query filter, means a server that ignored the filter cannot make us
    mistake some other ticket for this hand-off's."""
    if not isinstance(tickets, list):
        return None
    matching = [
        ticket
        for ticket in tickets
        if isinstance(ticket, dict) and ticket.get("external_id") == key and isinstance(ticket.get("id"), int)
    ]
    return min(matching, key=lambda ticket: int(ticket["id"]), default=None)


def failure(step: str, response: httpx.Response, now: datetime) -> HandoffResult:
    """A non-2xx answer at `now`, classified."""
    status = response.status_code
    if status in _TEMPORARY_STATUSES or status >= 500:
        return HandoffResult(
            Outcome.TEMPORARY,
            f"{step}: HTTP {status}: {_excerpt(response)}",
            retry_after_s=parse_retry_after(response.headers.get("retry-after"), now),
        )
    if status in _REFUSED_CREDENTIALS:
        return HandoffResult(
            Outcome.PERMANENT,
            f"{step}: HTTP {status}: the helpdesk refused Orderline's API credentials "
            "(check the API user and token in the configuration)",
        )
    return HandoffResult(Outcome.PERMANENT, f"{step}: HTTP {status}: {_excerpt(response)}")


def _excerpt(response: httpx.Response) -> str:
    text = " ".join(response.text.split())
    if not text:
        return response.reason_phrase or "no body"
    return text if len(text) <= _DETAIL_LIMIT else text[: _DETAIL_LIMIT - 1] + "…"
