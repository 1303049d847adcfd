"""Reading helpdesk tickets: webhook bodies, the order-number rule, Zendesk signatures, CSV."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orderline.channels.helpdesk.tickets import (
    IncomingTicket,
    TicketPayloadError,
    TicketSource,
    order_number_in,
    parse_gorgias_webhook,
    parse_tickets_csv,
    parse_zendesk_webhook,
    verify_zendesk_signature,
)


def body(document: object) -> bytes:
    return json.dumps(document).encode()


# -- Zendesk -----------------------------------------------------------------------------


def test_the_configured_zendesk_placeholder_body_reads_as_a_ticket() -> None:
    # What the placeholders render: all text, unset ones empty, status capitalised.
    rendered = {
        "ticket": {
            "id": "35436",
            "created_at": "2026-11-02T09:35Z",
            "subject": "Where is my parcel?",
            "description": "Hi, my order 1001 has not arrived.",
            "status": "New",
            "external_id": "",
            "requester": {"email": "Ada@Example.com", "name": "Ada Lovelace"},
            "order_number": "",
        }
    }

    ticket = parse_zendesk_webhook(body(rendered))

    assert ticket == IncomingTicket(
        helpdesk=TicketSource.ZENDESK,
        ticket_id="35436",
        created_at=datetime(2026, 11, 2, 9, 35, tzinfo=UTC),
        subject="Where is my parcel?",
        requester_email="ada@example.com",
        order_number="1001",
        status="new",
        external_id=None,
    )


def test_zendesk_native_ticket_json_reads_wrapped_or_bare() -> None:
    native = {
        "id": 35437,
        "external_id": "acme:1001:exception:backorder:level2",
        "created_at": "2026-11-02T10:00:00Z",
        "subject": "Order #1001: backorder past its SLA",
        "description": "Line SKU-7 x2 is backordered.",
        "priority": "high",
        "status": "open",
        "requester_id": 20978392,
        "tags": ["orderline"],
    }

    wrapped = parse_zendesk_webhook(body({"ticket": native}))
    bare = parse_zendesk_webhook(body(native))

    assert wrapped == bare
    assert (wrapped.ticket_id, wrapped.order_number, wrapped.requester_email) == ("35437", "1001", None)
    assert wrapped.external_id == "acme:1001:exception:backorder:level2"
    assert wrapped.created_at == datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def test_a_zendesk_ticket_created_event_reads_its_detail() -> None:
    event = {
        "type": "zen:event-type:ticket.created",
        "account_id": 88888888,
        "id": "01HN-EXAMPLE",
        "time": "2026-11-02T17:18:10Z",
        "subject": "zen:ticket:35436",
        "detail": {
            "id": "35436",
            "status": "OPEN",
            "subject": "Order 1002 arrived damaged",
            "created_at": "2026-11-02T17:18:10Z",
            "requester_id": "20978392",
        },
    }

    ticket = parse_zendesk_webhook(body(event))

    assert (ticket.ticket_id, ticket.subject, ticket.status) == (
        "35436",
        "Order 1002 arrived damaged",
        "open",
    )
    assert ticket.order_number == "1002"
    assert ticket.created_at == datetime(2026, 11, 2, 17, 18, 10, tzinfo=UTC)


def test_an_offset_is_converted_to_utc() -> None:
    ticket = parse_zendesk_webhook(body({"ticket": {"id": 1, "created_at": "2026-11-02T10:00:00+02:00"}}))

    assert ticket.created_at == datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    assert ticket.subject == ""


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"not json", "the Zendesk webhook body is not JSON"),
        (b"\xff\xfe", "the Zendesk webhook body is not JSON"),
        (b"[1, 2]", "the Zendesk webhook body must be a JSON object, not list"),
        (b'{"ticket": "35436"}', '"ticket" must be a JSON object, not str'),
        (b'{"hello": "world"}', 'the body has neither a "ticket" object nor a ticket "id"'),
        (b'{"ticket": {"id": "", "created_at": "2026-11-02T10:00:00Z"}}', 'the ticket has no "id"'),
        (b'{"ticket": {"id": "7"}}', 'the ticket has no "created_at"'),
        (
            b'{"ticket": {"id": "7", "created_at": "yesterday"}}',
            "the ticket's \"created_at\" 'yesterday' is not",
        ),
        (
            b'{"type": "zen:event-type:ticket.created", "detail": null}',
            "the event's detail must be a JSON object",
        ),
    ],
)
def test_an_unreadable_zendesk_body_says_why(raw: bytes, reason: str) -> None:
    with pytest.raises(TicketPayloadError) as raised:
        parse_zendesk_webhook(raw)

    assert str(raised.value).startswith(reason)
    assert isinstance(raised.value, ValueError)


# -- Gorgias -----------------------------------------------------------------------------


def test_the_configured_gorgias_body_reads_as_a_ticket() -> None:
    rendered = {
        "ticket": {
            "id": "4213",
            "created_datetime": "2026-11-02T13:00:00.123456",
            "subject": "Refund for #1003?",
            "status": "open",
            "external_id": "",
            "customer": {"email": "grace@example.com"},
            "order_number": "",
        }
    }

    ticket = parse_gorgias_webhook(body(rendered))

    assert ticket == IncomingTicket(
        helpdesk=TicketSource.GORGIAS,
        ticket_id="4213",
        created_at=datetime(2026, 11, 2, 13, 0, 0, 123456, tzinfo=UTC),
        subject="Refund for #1003?",
        requester_email="grace@example.com",
        order_number="1003",
        status="open",
        external_id=None,
    )


def test_gorgias_native_ticket_json_finds_the_order_in_the_first_message() -> None:
    native = {
        "id": 123,
        "external_id": None,
        "status": "open",
        "channel": "email",
        "via": "email",
        "customer": {"id": 9, "email": None, "name": "Grace"},
        "subject": "Help",
        "created_datetime": "2026-11-02T13:00:00",
        "messages": [
            {"body_text": "My order number: 1004 is late", "from_agent": False},
            {"body_text": "Agent reply about order 9999", "from_agent": True},
        ],
    }

    wrapped = parse_gorgias_webhook(body({"ticket": native}))
    bare = parse_gorgias_webhook(body(native))

    assert wrapped == bare
    assert (wrapped.ticket_id, wrapped.order_number, wrapped.requester_email) == ("123", "1004", None)


def test_a_gorgias_body_without_created_datetime_is_refused() -> None:
    with pytest.raises(TicketPayloadError, match='the ticket has no "created_datetime"'):
        parse_gorgias_webhook(body({"ticket": {"id": 5, "created_at": "2026-11-02T13:00:00"}}))


# -- the order-number rule -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("dedicated", "subject", "text", "expected"),
    [
        ("#1001", "order 2002", "order 3003", "1001"),  # the dedicated field wins
        ("  A-1001 ", None, None, "A-1001"),  # as given, less spaces
        ("", "Where is my order #2002?", None, "2002"),  # an empty field reads as absent
        (None, "Where is #2002?", "order 3003", "2002"),  # subject before body
        (None, "Delivery question", "Hi, order 3003 is late", "3003"),
        (None, None, "Order no. 3004", "3004"),
        (None, None, "ORDER NUMBER: 3005", "3005"),
        (None, None, "order: #3006", "3006"),
        (None, None, "Order Nr. 3007, thanks", "3007"),
        (None, "#12 of 40", "order 2 more please", None),  # too short: quantities
        (None, None, "tracking #1Z999AA10123456784 and 4155550123456", None),
        (None, None, "I ordered 1001 stickers", None),  # "ordered" is not "order"
        (None, None, "caf&#233; order?", None),  # an HTML entity is not a reference
        (None, None, "order ٣٠٠٨", None),  # only ASCII digits
    ],
)
def test_the_order_number_rule(
    dedicated: str | None, subject: str | None, text: str | None, expected: str | None
) -> None:
    assert order_number_in(dedicated, subject, text) == expected


@given(
    st.integers(min_value=100, max_value=999_999_999_999), st.sampled_from(["#{}", "order {}", "Order #{}"])
)
def test_any_plain_order_reference_is_found(number: int, template: str) -> None:
    assert order_number_in(None, f"Hello, {template.format(number)} is late.") == str(number)


# -- Zendesk signatures ------------------------------------------------------------------

SECRET = "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmc="
TIMESTAMP = "2026-11-02T17:18:10Z"
PAYLOAD = b'{"ticket":{"id":"35436","created_at":"2026-11-02T17:18Z"}}'


def documented_signature(secret: str, timestamp: str, payload: bytes) -> str:
    """base64(HMACSHA256(TIMESTAMP + BODY)), as Zendesk documents it."""
    return base64.b64encode(
        hmac.new(secret.encode(), timestamp.encode() + payload, hashlib.sha256).digest()
    ).decode()


def test_a_zendesk_signature_made_by_the_documented_algorithm_verifies() -> None:
    signature = documented_signature(SECRET, TIMESTAMP, PAYLOAD)

    assert signature == "vj/1iXn25bnYa8Bst0tkbki1R3+xlnYKOb0yNEC/kP8="  # pinned: the vector itself
    assert verify_zendesk_signature(PAYLOAD, TIMESTAMP, signature, SECRET)


@pytest.mark.parametrize(
    ("payload", "timestamp", "signature", "secret"),
    [
        (PAYLOAD + b" ", TIMESTAMP, "GOOD", SECRET),  # body changed
        (PAYLOAD, "2026-11-02T17:18:11Z", "GOOD", SECRET),  # timestamp changed (a replay)
        (PAYLOAD, TIMESTAMP, "GOOD", "another-secret"),
        (PAYLOAD, TIMESTAMP, "GOOD", ""),  # an unset secret verifies nothing
        (PAYLOAD, TIMESTAMP, "not base64!", SECRET),
        (PAYLOAD, TIMESTAMP, None, SECRET),
        (PAYLOAD, None, "GOOD", SECRET),
    ],
)
def test_a_wrong_or_missing_zendesk_signature_does_not_verify(
    payload: bytes, timestamp: str | None, signature: str | None, secret: str
) -> None:
    good = documented_signature(SECRET, TIMESTAMP, PAYLOAD)

    assert not verify_zendesk_signature(
        payload, timestamp, good if signature == "GOOD" else signature, secret
    )


# -- CSV import --------------------------------------------------------------------------

HEADER = "ticket_id,created_at,subject,requester_email,order_number,status,agent\n"


def test_good_csv_rows_become_tickets_and_extra_columns_are_ignored() -> None:
    text = (
        "\ufeff"  # a spreadsheet's byte-order mark
        + HEADER
        + "T-1,2026-11-02T09:30:00Z,Where is #1001?,Ada@Example.com,,Open,sam\n"
        + 'T-2,2026-11-02 11:00:00+01:00,"Refund, please",,#1002,,kim\n'
        + ",,,,,,\n"  # a blank spreadsheet row
        + "T-3,2026-11-03,No order here,,,closed,\n"
    )

    tickets, problems = parse_tickets_csv(text)

    assert problems == []
    assert tickets == [
        IncomingTicket(TicketSource.CSV, "T-1", datetime(2026, 11, 2, 9, 30, tzinfo=UTC), "Where is #1001?",
                       "ada@example.com", "1001", "open", None),
        IncomingTicket(TicketSource.CSV, "T-2", datetime(2026, 11, 2, 10, 0, tzinfo=UTC), "Refund, please",
                       None, "1002", None, None),
        IncomingTicket(TicketSource.CSV, "T-3", datetime(2026, 11, 3, tzinfo=UTC), "No order here",
                       None, None, "closed", None),
    ]  # fmt: skip


def test_optional_csv_columns_may_be_left_out() -> None:
    tickets, problems = parse_tickets_csv("subject,created_at,ticket_id\nOrder 1005,2026-11-02T09:30:00Z,9\n")

    assert problems == []
    assert [(t.ticket_id, t.order_number, t.requester_email, t.status) for t in tickets] == [
        ("9", "1005", None, None)
    ]


def test_bad_csv_rows_are_reported_by_row_and_column_and_left_out() -> None:
    text = (
        HEADER
        + "T-1,2026-11-02T09:30:00Z,Fine,,,open,\n"  # row 2
        + ",02/11/2026,No id and a US date,not-an-email,,,\n"  # row 3
        + "T-1,2026-11-02T10:00:00Z,Same id again,,,,\n"  # row 4
        + "T-5,,No date,,,,\n"  # row 5
        + "T-6,2026-11-02T09:30:00Z,Too many,,,,,extra\n"  # row 6
    )

    tickets, problems = parse_tickets_csv(text)

    assert [t.ticket_id for t in tickets] == ["T-1"]
    assert problems == [
        "row 3: column ticket_id: is empty",
        "row 3: column created_at: '02/11/2026' is not an ISO 8601 date-time (e.g. 2026-11-02T09:30:00Z)",
        "row 3: column requester_email: 'not-an-email' is not an e-mail address",
        "row 4: column ticket_id: 'T-1' already appears on row 2",
        "row 5: column created_at: is empty",
        "row 6: has 8 values, the header names 7 columns",
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the CSV is empty: row 1 must be a header naming ticket_id, created_at and subject"),
        ("T-1,2026-11-02,Hi\n", "row 1: the header must name the columns ticket_id, created_at, subject"),
        (
            "ticket_id,subject\n",
            "row 1: the header must name the columns created_at (it has: ticket_id, subject)",
        ),
    ],
)
def test_a_csv_without_a_usable_header_is_refused(text: str, message: str) -> None:
    with pytest.raises(ValueError) as raised:
        parse_tickets_csv(text)

    assert str(raised.value).startswith(message)
