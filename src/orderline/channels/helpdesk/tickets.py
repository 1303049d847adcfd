"""Support tickets opened in a helpdesk, read from its webhooks or a CSV export.

Pure parsing, no database: this module owns `IncomingTicket`, the webhook bodies
Orderline accepts, the rule that finds a ticket's order number, the Zendesk webhook
signature check and the CSV import format. The scorecard counts these tickets (support
tickets per 100 orders), and the order status a ticket shows (`order_status`, optional)
is compared with the canonical one (support-tool drift, `domain/support_drift.py`).

Zendesk (a webhook connected to a "ticket is created" trigger). Merchants are asked to
set the webhook's JSON body to these placeholders, which mirrors Zendesk's own ticket
object so the native JSON below reads the same way::

    {"ticket": {"id": "{{ticket.id}}",
                "created_at": "{{ticket.created_at_with_timestamp}}",
                "subject": "{{ticket.title}}",
                "description": "{{ticket.description}}",
                "status": "{{ticket.status}}",
                "external_id": "{{ticket.external_id}}",
                "requester": {"email": "{{ticket.requester.email}}",
                              "name": "{{ticket.requester.name}}"},
                "order_number": "{{ticket.ticket_field_<ORDER FIELD ID>}}",
                "order_status": "{{ticket.ticket_field_<ORDER STATUS FIELD ID>}}"}}

Placeholders render as plain text (`created_at_with_timestamp` as ISO 8601 such as
2013-12-12T05:35Z) and an unset one renders empty, which reads as absent.
https://support.zendesk.com/hc/en-us/articles/4408886858138-Zendesk-placeholders-reference
Also accepted: Zendesk's native ticket JSON, `{"ticket": {...}}` or the bare object, as
the Tickets API returns it (https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/),
and an event-subscription webhook (`"type": "zen:event-type:ticket.created"`) whose
`detail` object holds the ticket
(https://developer.zendesk.com/api-reference/webhooks/event-types/ticket-events).
Signatures: `X-Zendesk-Webhook-Signature` is base64(HMAC-SHA256(secret, timestamp +
body)) with the timestamp from `X-Zendesk-Webhook-Signature-Timestamp`.
https://developer.zendesk.com/documentation/webhooks/verifying/

Gorgias (an HTTP integration triggered on ticket creation, JSON content type). The body
we ask for uses the ticket variables Gorgias renders in HTTP integrations
(https://developers.gorgias.com/reference/the-tickethttpintegration-object)::

    {"ticket": {"id": "{{ticket.id}}",
                "created_datetime": "{{ticket.created_datetime}}",
                "subject": "{{ticket.subject}}",
                "status": "{{ticket.status}}",
                "external_id": "{{ticket.external_id}}",
                "customer": {"email": "{{ticket.customer.email}}"},
                "order_number": "<a custom field's variable, or leave out>",
                "order_status": "<the order status variable of the shop integration, or leave out>"}}

Also accepted: Gorgias' native ticket object, wrapped or bare, whose first message's
`body_text` is searched for an order number
(https://developers.gorgias.com/reference/the-ticket-object). Gorgias writes datetimes
without an offset (2021-01-07T13:00:00.123456 in its reference); they are read as UTC,
and so is any other offset-less datetime here. HTTP integrations are not signed: the
intake authenticates them by a secret header the merchant configures.

The order-number rule: a non-empty dedicated field (`order_number`, CSV column
`order_number`) wins, with a leading "#" and surrounding spaces removed. Failing that,
the subject and then the body text are searched for the first reference that is "#"
followed by digits ("#1001") or the word "order", optionally followed by "number",
"no.", "num" or "nr." and ":" or "#", then digits ("order 1001", "Order no. 1001",
"order: #1001"). Only 3 to 12 ASCII digits count: shorter runs are quantities
("order 2 more"), longer ones tracking or phone numbers.
"""

from __future__ import annotations

import base64
import binascii
import csv
import hmac
import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

ZENDESK_SIGNATURE_HEADER = "X-Zendesk-Webhook-Signature"
ZENDESK_TIMESTAMP_HEADER = "X-Zendesk-Webhook-Signature-Timestamp"
ZENDESK_EVENT_PREFIX = "zen:event-type:ticket."

CSV_REQUIRED_COLUMNS = ("ticket_id", "created_at", "subject")
CSV_OPTIONAL_COLUMNS = ("requester_email", "order_number", "status", "order_status")

_ORDER_REFERENCE = re.compile(
    r"(?:(?<![&\w])#|\border\b[ \t:]*(?:(?:number|no\.?|num|nr\.?)[ \t:]*)?#?[ \t]*)([0-9]{3,12})(?![0-9])",
    re.IGNORECASE,
)
_DATE_TIME_EXAMPLE = "date-time (e.g. 2026-11-02T09:30:00Z)"
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class TicketSource(StrEnum):
    ZENDESK = "zendesk"
    GORGIAS = "gorgias"
    CSV = "csv"


@dataclass(frozen=True, slots=True)
class IncomingTicket:
    helpdesk: TicketSource
    ticket_id: str
    created_at: datetime
    """Aware, in UTC."""
    subject: str
    requester_email: str | None
    order_number: str | None
    status: str | None
    """The helpdesk's own status, lower-cased ("new", "open", "closed"...)."""
    external_id: str | None
    """Set on tickets Orderline's own hand-offs opened (the hand-off key)."""
    order_status: str | None = None
    """The order's status as the helpdesk shows it (its order panel or a custom field),
    lower-cased: compared with the canonical status to find support-tool drift."""


class TicketPayloadError(ValueError):
    """A webhook body that is not a ticket we can read; the message says why."""


def order_number_in(dedicated: str | None, *texts: str | None) -> str | None:
    """The order number by the module's rule: the dedicated field, else the first
    reference in `texts`, searched in order (subject first, then body)."""
    if dedicated is not None:
        number = dedicated.strip().lstrip("#").strip()
        if number:
            return number
    for text in texts:
        match = _ORDER_REFERENCE.search(text or "")
        if match:
            return match.group(1)
    return None


def verify_zendesk_signature(body: bytes, timestamp: str | None, signature: str | None, secret: str) -> bool:
    """True when `signature` is base64(HMAC-SHA256(secret, timestamp + body)).

    Missing headers, a malformed signature or an empty secret never verify.
    """
    if not secret or not timestamp or not signature:
        return False
    try:
        expected = base64.b64decode(signature.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    actual = hmac.digest(secret.encode(), timestamp.encode() + body, "sha256")
    return hmac.compare_digest(actual, expected)


def parse_zendesk_webhook(body: bytes) -> IncomingTicket:
    """The ticket in a Zendesk webhook body (any shape the module docstring lists)."""
    document = _json_object(body, "Zendesk")
    event_type = document.get("type")
    if isinstance(event_type, str) and event_type.startswith(ZENDESK_EVENT_PREFIX):
        ticket = _object(document.get("detail"), "the event's detail")
    else:
        ticket = _ticket_object(document)
    requester = ticket.get("requester")
    return _storable(
        IncomingTicket(
            helpdesk=TicketSource.ZENDESK,
            ticket_id=_required_text(ticket, "id"),
            created_at=_required_time(ticket, "created_at"),
            subject=_text(ticket, "subject") or "",
            requester_email=_email(requester.get("email") if isinstance(requester, dict) else None),
            order_number=order_number_in(
                _text(ticket, "order_number"), _text(ticket, "subject"), _text(ticket, "description")
            ),
            status=_lower(_text(ticket, "status")),
            external_id=_text(ticket, "external_id"),
            order_status=_lower(_text(ticket, "order_status")),
        )
    )


def parse_gorgias_webhook(body: bytes) -> IncomingTicket:
    """The ticket in a Gorgias HTTP-integration body (either shape the docstring lists)."""
    ticket = _ticket_object(_json_object(body, "Gorgias"))
    customer = ticket.get("customer")
    return _storable(
        IncomingTicket(
            helpdesk=TicketSource.GORGIAS,
            ticket_id=_required_text(ticket, "id"),
            created_at=_required_time(ticket, "created_datetime"),
            subject=_text(ticket, "subject") or "",
            requester_email=_email(customer.get("email") if isinstance(customer, dict) else None),
            order_number=order_number_in(
                _text(ticket, "order_number"), _text(ticket, "subject"), _first_message(ticket)
            ),
            status=_lower(_text(ticket, "status")),
            external_id=_text(ticket, "external_id"),
            order_status=_lower(_text(ticket, "order_status")),
        )
    )


def parse_tickets_csv(text: str) -> tuple[list[IncomingTicket], list[str]]:
    """Tickets from a CSV export, and one problem line per bad value.

    The header row is required and must name ticket_id, created_at and subject;
    requester_email, order_number, status and order_status are optional, other columns
    are ignored.
    Problems read "row N: column X: what is wrong", where row 1 is the header (as a
    spreadsheet numbers it). A bad row is left out of the tickets and always reported;
    a blank row is skipped. Raises ValueError when there is no usable header.
    """
    rows = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = [name.strip().lower() for name in next(rows, [])]
    if not header:
        raise ValueError("the CSV is empty: row 1 must be a header naming ticket_id, created_at and subject")
    missing = [name for name in CSV_REQUIRED_COLUMNS if name not in header]
    if missing:
        raise ValueError(
            f"row 1: the header must name the columns {', '.join(missing)} (it has: {', '.join(header)})"
        )
    columns = {
        name: header.index(name) for name in CSV_REQUIRED_COLUMNS + CSV_OPTIONAL_COLUMNS if name in header
    }
    tickets: list[IncomingTicket] = []
    problems: list[str] = []
    first_row_of: dict[str, int] = {}
    for row_number, row in enumerate(rows, start=2):
        if not any(value.strip() for value in row):
            continue
        if len(row) > len(header):
            problems.append(
                f"row {row_number}: has {len(row)} values, the header names {len(header)} columns"
            )
            continue
        values = {name: (row[index].strip() if index < len(row) else "") for name, index in columns.items()}
        ticket, row_problems = _csv_ticket(values)
        ticket_id = values["ticket_id"]
        first_row = first_row_of.setdefault(ticket_id, row_number) if ticket_id else row_number
        if first_row != row_number:
            row_problems.append(f"column ticket_id: {ticket_id!r} already appears on row {first_row}")
        problems.extend(f"row {row_number}: {problem}" for problem in row_problems)
        if ticket is not None and not row_problems:
            tickets.append(ticket)
    return tickets, problems


def _csv_ticket(values: Mapping[str, str]) -> tuple[IncomingTicket | None, list[str]]:
    problems: list[str] = []
    if not values["ticket_id"]:
        problems.append("column ticket_id: is empty")
    created_at = None
    if not values["created_at"]:
        problems.append("column created_at: is empty")
    else:
        try:
            created_at = _utc(values["created_at"])
        except ValueError:
            problems.append(
                f"column created_at: {values['created_at']!r} is not an ISO 8601 {_DATE_TIME_EXAMPLE}"
            )
    email = values.get("requester_email") or None
    if email is not None and not _EMAIL.fullmatch(email):
        problems.append(f"column requester_email: {email!r} is not an e-mail address")
    if problems or created_at is None:
        return None, problems
    ticket = IncomingTicket(
        helpdesk=TicketSource.CSV,
        ticket_id=values["ticket_id"],
        created_at=created_at,
        subject=values["subject"],
        requester_email=email.lower() if email else None,
        order_number=order_number_in(values.get("order_number") or None, values["subject"]),
        status=_lower(values.get("status") or None),
        external_id=None,
        order_status=_lower(values.get("order_status") or None),
    )
    return ticket, problems


def _json_object(body: bytes, helpdesk: str) -> dict[str, Any]:
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise TicketPayloadError(f"the {helpdesk} webhook body is not JSON: {error}") from None
    except RecursionError:
        raise TicketPayloadError(f"the {helpdesk} webhook body is nested too deeply") from None
    return _object(document, f"the {helpdesk} webhook body")


_COLUMN_CHARS = {
    "ticket_id": 64,
    "requester_email": 320,
    "order_number": 64,
    "status": 32,
    "order_status": 32,
}
"""The widths of the support_tickets columns these fields are stored in."""


def _storable(ticket: IncomingTicket) -> IncomingTicket:
    """`ticket`, if every field fits where it is stored; a NUL or a lone surrogate (which
    no database stores) or an over-long value is the sender's error, answered 400."""
    for name in (
        "ticket_id",
        "subject",
        "requester_email",
        "order_number",
        "status",
        "external_id",
        "order_status",
    ):
        value = getattr(ticket, name)
        if value is None:
            continue
        if "\x00" in value or _has_surrogate(value):
            raise TicketPayloadError(f'the ticket\'s "{name}" holds characters that cannot be stored')
        limit = _COLUMN_CHARS.get(name)
        if limit is not None and len(value) > limit:
            raise TicketPayloadError(f'the ticket\'s "{name}" is longer than {limit} characters')
    return ticket


def _has_surrogate(value: str) -> bool:
    return any("\ud800" <= char <= "\udfff" for char in value)


def _ticket_object(document: dict[str, Any]) -> dict[str, Any]:
    """`{"ticket": {...}}` or the bare ticket object."""
    if "ticket" in document:
        return _object(document["ticket"], '"ticket"')
    if "id" in document:
        return document
    raise TicketPayloadError('the body has neither a "ticket" object nor a ticket "id"')


def _object(value: object, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TicketPayloadError(f"{what} must be a JSON object, not {type(value).__name__}")
    return value


def _text(ticket: Mapping[str, Any], name: str) -> str | None:
    """A field as text; an empty string (an unset placeholder) or null reads as None."""
    value = ticket.get(name)
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = str(value).strip()
    return text or None


def _required_text(ticket: Mapping[str, Any], name: str) -> str:
    text = _text(ticket, name)
    if text is None:
        raise TicketPayloadError(f'the ticket has no "{name}"')
    return text


def _required_time(ticket: Mapping[str, Any], name: str) -> datetime:
    text = _required_text(ticket, name)
    try:
        return _utc(text)
    except ValueError:
        raise TicketPayloadError(
            f'the ticket\'s "{name}" {text!r} is not an ISO 8601 {_DATE_TIME_EXAMPLE}'
        ) from None


def _utc(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _email(value: object) -> str | None:
    """An address as given, lower-cased; anything that is not one (an SMS customer's
    empty field, an unset placeholder) reads as no address rather than a bad body."""
    if not isinstance(value, str) or not _EMAIL.fullmatch(value.strip()):
        return None
    return value.strip().lower()


def _lower(text: str | None) -> str | None:
    return text.lower() if text is not None else None


def _first_message(ticket: Mapping[str, Any]) -> str | None:
    messages = ticket.get("messages")
    if not isinstance(messages, list) or not messages or not isinstance(messages[0], dict):
        return None
    return _text(messages[0], "body_text")
