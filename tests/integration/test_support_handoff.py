"""Issue 5, acceptance 3: an exception that escalates to support opens exactly one
helpdesk ticket with the order's context; a retried hand-off never opens a second.

The order's address cannot be shipped to (a US postal code of four digits): the
address_invalid exception escalates to support at 4 h and again at 24 h. The helpdesk is
the fake Zendesk (tests/fakes), reached through httpx as the real client reaches Zendesk.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import Engine

from orderline.bootstrap.outreach import build_outreach
from orderline.channels.helpdesk import ZendeskHelpdesk, ZendeskSettings
from orderline.persistence.messaging_tables import support_tickets
from orderline.services.handoffs import list_handoffs
from tests.fakes.helpdesks import FakeZendesk
from tests.integration.messaging_world import (
    ORDER,
    STORE,
    Mailbox,
    World,
    at,
    messaging_config,
    smtp_channel,
    smtp_server,
    snapshot,
)

KEY = f"{STORE}:{ORDER}:address_invalid:postal_code"


def play_bad_address(engine: Engine, zendesk: FakeZendesk, hours: float = 30) -> None:
    settings = ZendeskSettings(
        email="agent@acme.example", api_token="zd-token", base_url="https://acme.zendesk.com"
    )
    helpdesk = ZendeskHelpdesk(settings, transport=zendesk.transport())
    bad = snapshot()
    assert bad.shipping_address is not None
    bad = replace(bad, shipping_address=replace(bad.shipping_address, postal_code="1234"))
    with smtp_server(Mailbox()) as controller:
        outreach = build_outreach(
            messaging_config(), engine, helpdesk=helpdesk, channels={"email": smtp_channel(controller)}
        )
        World(engine, outreach).play([(at(0), ORDER, [bad])], until=at(hours))


def test_an_escalation_to_support_opens_exactly_one_ticket_with_the_order_context(engine: Engine) -> None:
    zendesk = FakeZendesk()

    play_bad_address(engine, zendesk)

    ticket = zendesk.ticket(KEY)
    assert len(zendesk.tickets) == 1  # level 2 (24 h) is the same case, not a second ticket
    assert ticket["subject"] == "Order #7001: address_invalid escalated to level 1 (support)"
    body = zendesk.comments[ticket["id"]][0]["body"]
    assert "Status: on_hold" in body
    assert "- address_invalid:" in body
    assert "Messages to the buyer:" in body and "exception_notice (sent)" in body
    requester = zendesk.requester(ticket)
    assert requester is not None and requester["email"] == "ann@example.com"
    with engine.connect() as connection:
        (handoff,) = list_handoffs(connection, STORE, ORDER)
        tickets = connection.execute(support_tickets.select()).all()
    assert (handoff["state"], handoff["ticket_id"], handoff["attempts"]) == ("done", str(ticket["id"]), 1)
    assert [(t.source, t.order_id) for t in tickets] == [("handoff", ORDER)]


def test_a_hand_off_whose_answer_was_lost_is_retried_into_the_same_ticket(engine: Engine) -> None:
    zendesk = FakeZendesk()
    zendesk.drop_next_create()  # Zendesk stores the ticket, the answer never arrives

    play_bad_address(engine, zendesk)

    zendesk.ticket(KEY)
    assert len(zendesk.tickets) == 1
    with engine.connect() as connection:
        (handoff,) = list_handoffs(connection, STORE, ORDER)
    assert (handoff["state"], handoff["attempts"]) == ("done", 2)
