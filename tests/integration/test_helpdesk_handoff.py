"""Helpdesk hand-offs against fake Zendesk and Gorgias APIs: one ticket per hand-off key.

Every test runs against both helpdesks through `httpx.MockTransport`; the last ones go
over a real loopback socket, where a lost response is a connection closed unanswered.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import httpx
import pytest

from orderline.channels.channel import Outcome
from orderline.channels.helpdesk import (
    GorgiasHelpdesk,
    GorgiasSettings,
    HandoffRequest,
    Helpdesk,
    Priority,
    ZendeskHelpdesk,
    ZendeskSettings,
)
from tests.fakes.helpdesks import FakeGorgias, FakeHelpdesk, FakeHelpdeskServer, FakeZendesk

KEY = "acme:1001:exception:backorder:level2"
REQUEST = HandoffRequest(
    key=KEY,
    store_id="acme",
    order_id="5001",
    order_number="1001",
    requester_email="ada@example.com",
    requester_name="Ada Lovelace",
    subject="Order #1001: backorder past its SLA",
    body="Order #1001 placed 2026-11-01.\nLine SKU-7 x2 is backordered; level 2 escalation.",
    tags=("orderline", "backorder"),
    priority=Priority.HIGH,
)


@dataclass(frozen=True)
class TicketView:
    """What a stored ticket says, read the same way from either fake."""

    external_id: str
    subject: str
    body: str
    requester_email: str | None
    tags: frozenset[str]


def zendesk_view(fake: FakeZendesk, ticket: dict[str, Any]) -> TicketView:
    requester = fake.requester(ticket)
    return TicketView(
        ticket["external_id"],
        ticket["subject"],
        ticket["description"],
        requester["email"] if requester else None,
        frozenset(ticket["tags"]),
    )


def gorgias_view(ticket: dict[str, Any]) -> TicketView:
    customer = ticket["customer"]
    return TicketView(
        ticket["external_id"],
        ticket["subject"],
        ticket["messages"][0]["body_text"],
        customer["email"] if customer else None,
        frozenset(tag["name"] for tag in ticket["tags"]),
    )


def view(fake: FakeHelpdesk, ticket: dict[str, Any]) -> TicketView:
    return zendesk_view(fake, ticket) if isinstance(fake, FakeZendesk) else gorgias_view(ticket)


def make_fake(kind: str) -> FakeHelpdesk:
    return FakeZendesk() if kind == "zendesk" else FakeGorgias()


def make_client(
    kind: str, base_url: str, transport: httpx.BaseTransport | None, *, secret: str = ""
) -> ZendeskHelpdesk | GorgiasHelpdesk:
    if kind == "zendesk":
        settings = ZendeskSettings(
            base_url=base_url, email="agent@acme.example", api_token=secret or "zd-token"
        )
        return ZendeskHelpdesk(settings, transport=transport)
    gorgias = GorgiasSettings(
        base_url=base_url, username="agent@acme.example", api_key=secret or "gorgias-key"
    )
    return GorgiasHelpdesk(gorgias, transport=transport)


@pytest.fixture(params=["zendesk", "gorgias"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def fake(kind: str) -> FakeHelpdesk:
    return make_fake(kind)


@pytest.fixture
def helpdesk(kind: str, fake: FakeHelpdesk) -> Iterator[Helpdesk]:
    with make_client(kind, "https://acme.example", fake.transport()) as client:
        yield client


def test_a_handoff_opens_exactly_one_ticket_with_the_order_context(
    fake: FakeHelpdesk, helpdesk: Helpdesk
) -> None:
    result = helpdesk.create_ticket(REQUEST)

    assert (result.outcome, result.created, result.ticket_id) == (Outcome.SENT, True, "1")
    assert len(fake.tickets) == 1
    assert view(fake, fake.ticket(KEY)) == TicketView(
        external_id=KEY,
        subject=REQUEST.subject,
        body=REQUEST.body,
        requester_email="ada@example.com",
        tags=frozenset(
            {"orderline", "backorder"} | ({"priority:high"} if isinstance(fake, FakeGorgias) else set())
        ),
    )


def test_the_ticket_url_opens_the_ticket_in_the_helpdesk(kind: str, helpdesk: Helpdesk) -> None:
    result = helpdesk.create_ticket(REQUEST)

    path = "/agent/tickets/1" if kind == "zendesk" else "/app/ticket/1"
    assert result.ticket_url == f"https://acme.example{path}"


def test_zendesk_gets_the_priority_a_requester_and_a_private_comment() -> None:
    fake = FakeZendesk()
    with ZendeskHelpdesk(
        ZendeskSettings(base_url="https://acme.example", email="agent@acme.example", api_token="zd-token"),
        transport=fake.transport(),
    ) as helpdesk:
        helpdesk.create_ticket(REQUEST)

    ticket = fake.ticket(KEY)
    assert ticket["priority"] == "high"
    assert fake.requester(ticket) == {"id": 1000, "name": "Ada Lovelace", "email": "ada@example.com"}
    assert fake.comments[ticket["id"]] == [{"body": REQUEST.body, "public": False}]


def test_a_retried_handoff_finds_its_ticket_instead_of_opening_another(
    fake: FakeHelpdesk, helpdesk: Helpdesk
) -> None:
    first = helpdesk.create_ticket(REQUEST)

    again = helpdesk.create_ticket(REQUEST)

    assert (again.outcome, again.created, again.ticket_id) == (Outcome.SENT, False, first.ticket_id)
    assert again.ticket_url == first.ticket_url
    assert len(fake.tickets) == 1
    assert [r.split(" ")[0] for r in fake.requests] == ["GET", "POST", "GET"]


def test_another_handoff_of_the_same_order_opens_its_own_ticket(
    fake: FakeHelpdesk, helpdesk: Helpdesk
) -> None:
    helpdesk.create_ticket(REQUEST)
    level3 = replace(REQUEST, key=KEY.replace("level2", "level3"))

    result = helpdesk.create_ticket(level3)

    assert (result.outcome, result.created, result.ticket_id) == (Outcome.SENT, True, "2")
    assert [t["external_id"] for t in fake.tickets] == [KEY, level3.key]


def test_a_lost_create_response_is_temporary_and_the_retry_finds_the_ticket(
    fake: FakeHelpdesk, helpdesk: Helpdesk
) -> None:
    fake.drop_next_create()

    lost = helpdesk.create_ticket(REQUEST)
    retry = helpdesk.create_ticket(REQUEST)

    assert lost.outcome is Outcome.TEMPORARY
    assert "RemoteProtocolError" in lost.detail
    assert (retry.outcome, retry.created, retry.ticket_id) == (Outcome.SENT, False, "1")
    assert len(fake.tickets) == 1


@pytest.mark.parametrize("status", [429, 500, 503])
def test_a_throttled_or_failing_helpdesk_is_temporary_and_nothing_is_created(
    kind: str, fake: FakeHelpdesk, helpdesk: Helpdesk, status: int
) -> None:
    fake.fail_next(status, retry_after_s=7 if status == 429 else None)

    result = helpdesk.create_ticket(REQUEST)

    assert result.outcome is Outcome.TEMPORARY
    assert result.detail == f'{kind} look-up: HTTP {status}: {{"error":"injected {status}"}}'
    assert result.retry_after_s == (7.0 if status == 429 else None)
    assert (result.ticket_id, fake.tickets) == (None, [])


def test_a_rate_limited_create_is_retried_into_exactly_one_ticket(
    fake: FakeHelpdesk, helpdesk: Helpdesk
) -> None:
    helpdesk.create_ticket(REQUEST)  # the ticket exists; a new hand-off key is throttled
    throttled = replace(REQUEST, key="acme:1001:exception:backorder:level3")
    fake.fail_next(429, retry_after_s=2)

    first = helpdesk.create_ticket(throttled)
    second = helpdesk.create_ticket(throttled)

    assert (first.outcome, first.retry_after_s) == (Outcome.TEMPORARY, 2.0)
    assert (second.outcome, second.created) == (Outcome.SENT, True)
    assert [t["external_id"] for t in fake.tickets] == [KEY, throttled.key]


def test_refused_credentials_are_permanent_and_create_nothing(kind: str, fake: FakeHelpdesk) -> None:
    with make_client(kind, "https://acme.example", fake.transport(), secret="revoked") as client:
        result = client.create_ticket(REQUEST)

    assert result.outcome is Outcome.PERMANENT
    assert result.detail == (
        f"{kind} look-up: HTTP 401: the helpdesk refused Orderline's API credentials "
        "(check the API user and token in the configuration)"
    )
    assert fake.tickets == []


def test_a_ticket_the_helpdesk_rejects_is_permanent(
    kind: str, fake: FakeHelpdesk, helpdesk: Helpdesk
) -> None:
    # Zendesk refuses a blank first comment (422), Gorgias an external_id over 255 characters (400).
    rejected = replace(REQUEST, body="") if kind == "zendesk" else replace(REQUEST, key="k" * 256)

    result = helpdesk.create_ticket(rejected)

    assert result.outcome is Outcome.PERMANENT
    assert result.detail.startswith(f"{kind} create: HTTP {422 if kind == 'zendesk' else 400}: ")
    assert fake.tickets == []


def test_a_handoff_without_a_buyer_email_still_opens_a_ticket(fake: FakeHelpdesk, helpdesk: Helpdesk) -> None:
    anonymous = replace(REQUEST, requester_email=None, requester_name=None)

    result = helpdesk.create_ticket(anonymous)

    assert (result.outcome, result.created) == (Outcome.SENT, True)
    assert view(fake, fake.ticket(KEY)).requester_email is None


def test_an_unreachable_helpdesk_is_temporary(kind: str) -> None:
    with make_client(kind, f"http://127.0.0.1:{closed_port()}", None) as client:
        result = client.create_ticket(REQUEST)

    assert result.outcome is Outcome.TEMPORARY
    assert result.detail.startswith(f"{kind} look-up: ConnectError")


def test_over_a_real_socket_a_lost_response_still_ends_in_one_ticket(kind: str) -> None:
    fake = make_fake(kind)
    with FakeHelpdeskServer(fake) as server, make_client(kind, server.base_url, None) as client:
        fake.drop_next_create()

        lost = client.create_ticket(REQUEST)
        retry = client.create_ticket(REQUEST)
        again = client.create_ticket(REQUEST)

    assert lost.outcome is Outcome.TEMPORARY
    assert (retry.outcome, retry.created, retry.ticket_id) == (Outcome.SENT, False, "1")
    assert (again.outcome, again.created, again.ticket_id) == (Outcome.SENT, False, "1")
    assert view(fake, fake.ticket(KEY)).body == REQUEST.body


def test_over_a_real_socket_a_rate_limit_carries_its_retry_after(kind: str) -> None:
    fake = make_fake(kind)
    with FakeHelpdeskServer(fake) as server, make_client(kind, server.base_url, None) as client:
        fake.fail_next(429, retry_after_s=30)

        throttled = client.create_ticket(REQUEST)
        created = client.create_ticket(REQUEST)

    assert (throttled.outcome, throttled.retry_after_s) == (Outcome.TEMPORARY, 30.0)
    assert (created.outcome, created.created) == (Outcome.SENT, True)
    assert len(fake.tickets) == 1


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
