"""Helpdesk ticket intake, beside the platform webhook intake (`services.intake`): the
configured helpdesk (Zendesk or Gorgias) reports a support ticket; decide whether the
delivery is authentic and fresh, keep a refused one as a dead letter with its reason, and
link an accepted ticket to its order and record it for the scorecard.

The bodies accepted are documented in `channels/helpdesk/tickets.py`. A delivery is
refused 404 when its kind is not the configured helpdesk, 401 for a bad or missing
signature or secret (or a Zendesk signature too old: a possible replay), 400 for an
unreadable body (a date out of range too), 413 over the size limit and 431 for oversized
headers. Refusals made before the delivery is authenticated (404, 401, 413, 431) are kept
bounded and rate-limited per source, like a platform webhook's (`services.intake`).
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from orderline.channels.helpdesk.tickets import (
    ZENDESK_SIGNATURE_HEADER,
    ZENDESK_TIMESTAMP_HEADER,
    IncomingTicket,
    TicketPayloadError,
    parse_gorgias_webhook,
    parse_zendesk_webhook,
    verify_zendesk_signature,
)
from orderline.config.messaging import HelpdeskConfig
from orderline.persistence.inbox import DeadLetterRecord
from orderline.services.intake import (
    DeadLetterLimits,
    SourceRateLimit,
    bounded_dead_letter,
    header_bytes,
    storable_text,
)
from orderline.services.intake_log import IntakeWriter
from orderline.services.tickets import WEBHOOK, TicketRecorded, record_incoming

__all__ = ["HelpdeskDelivery", "Refusal", "TicketIntake", "TicketRecorded", "check_delivery"]

DEAD_LETTER_PLATFORM = "helpdesk"
"""Dead letters of ticket deliveries are filed under `helpdesk:{kind}`."""
SECRET_HEADER = "X-Orderline-Webhook-Secret"
SIGNATURE_WINDOW = timedelta(minutes=5)
"""How far a Zendesk signature timestamp may be from our clock: an older signed body is
refused as a possible replay (Zendesk retries re-sign with a fresh timestamp)."""
PARSERS: dict[str, Callable[[bytes], IncomingTicket]] = {
    "zendesk": parse_zendesk_webhook,
    "gorgias": parse_gorgias_webhook,
}
_UNAUTHENTICATED = frozenset({401, 404, 413, 431})
"""Refusals made before the delivery is known to come from the helpdesk."""
_PLATFORM_COLUMN_CHARS = 32
_PATH_COLUMN_CHARS = 300


@dataclass(frozen=True, slots=True)
class HelpdeskDelivery:
    kind: str
    """The helpdesk the delivery says it comes from (the path's `{kind}`)."""
    path: str
    headers: dict[str, str]
    """Names in lower case."""
    body: bytes
    received_at: datetime
    body_too_large: bool = False
    """`body` holds only the first bytes, up to the limit."""
    source: str | None = None
    """The client address, for the dead-letter rate limit (None: not limited)."""


@dataclass(frozen=True, slots=True)
class Refusal:
    status_code: int
    reason: str


def check_delivery(config: HelpdeskConfig | None, delivery: HelpdeskDelivery) -> IncomingTicket | Refusal:
    """The ticket in an authenticated, fresh, readable delivery, or why it is refused."""
    kind, headers, body = delivery.kind, delivery.headers, delivery.body
    if config is None or config.kind != kind:
        return Refusal(404, f"no {kind} helpdesk is configured")
    secret = config.webhook_secret.get_secret_value() if config.webhook_secret else ""
    if secret:
        check = _zendesk_problem if kind == "zendesk" else _gorgias_problem
        problem = check(headers, body, secret, delivery.received_at)
        if problem is not None:
            return Refusal(401, problem)
    try:
        return PARSERS[kind](body)
    except TicketPayloadError as error:
        return Refusal(400, str(error))
    except (OverflowError, ValueError) as error:
        # A date that exists only before its UTC conversion (year 1 at +01:00, year 9999 at -01:00).
        return Refusal(400, f"unreadable {kind} ticket: {error}")


def _zendesk_problem(headers: Mapping[str, str], body: bytes, secret: str, now: datetime) -> str | None:
    timestamp = headers.get(ZENDESK_TIMESTAMP_HEADER.lower())
    signature = headers.get(ZENDESK_SIGNATURE_HEADER.lower())
    if not verify_zendesk_signature(body, timestamp, signature, secret):
        return "missing or invalid signature"
    signed_at = _moment(timestamp or "")
    if signed_at is None:
        return f"unreadable {ZENDESK_TIMESTAMP_HEADER} {timestamp!r}"
    if abs(now - signed_at) > SIGNATURE_WINDOW:
        return f"signature timestamp {timestamp} is more than 5 minutes from now; refused as a replay"
    return None


def _gorgias_problem(headers: Mapping[str, str], _body: bytes, secret: str, _now: datetime) -> str | None:
    # Gorgias HTTP integrations cannot sign, so the merchant adds this header to the integration.
    given = headers.get(SECRET_HEADER.lower(), "")
    if not hmac.compare_digest(given.encode(), secret.encode()):
        return f"missing or wrong {SECRET_HEADER} header"
    return None


def _moment(text: str) -> datetime | None:
    """An ISO 8601 timestamp (what Zendesk sends) or Unix seconds, as aware UTC."""
    try:
        if text.isdigit():
            return datetime.fromtimestamp(int(text), UTC)
        moment = datetime.fromisoformat(text)
    except (ValueError, OverflowError):
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def dead_letter(delivery: HelpdeskDelivery, refusal: Refusal, verified: bool = False) -> DeadLetterRecord:
    """The refused delivery as kept in the dead-letter list. The record replaces its
    signature and shared secret by a marker saying whether they `verified` (a wrong secret
    may be one typo away from the right one: never stored)."""
    return DeadLetterRecord(
        received_at=delivery.received_at,
        platform=storable_text(f"{DEAD_LETTER_PLATFORM}:{delivery.kind}")[:_PLATFORM_COLUMN_CHARS],
        store_id=None,
        path=storable_text(delivery.path)[:_PATH_COLUMN_CHARS],
        status_code=refusal.status_code,
        reason=storable_text(refusal.reason),
        headers=delivery.headers,
        body=delivery.body,
        verified=verified,
    )


class TicketIntake:
    """Ticket deliveries from the configured helpdesk (None refuses them all, 404)."""

    def __init__(
        self,
        engine: Engine,
        writer: IntakeWriter,
        helpdesk: HelpdeskConfig | None,
        store_ids: Sequence[str],
        max_body_bytes: int,
        limits: DeadLetterLimits | None = None,
        rate_limit: SourceRateLimit | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._writer = writer
        self._helpdesk = helpdesk
        self._store_ids = tuple(store_ids)
        self.max_body_bytes = max_body_bytes
        self.limits = limits or DeadLetterLimits()
        self.rate_limit = rate_limit or SourceRateLimit.of(self.limits)

    async def receive(self, delivery: HelpdeskDelivery) -> TicketRecorded | Refusal:
        """The ticket linked to its order and recorded (a retry of a known ticket too), or
        why it was refused, the delivery kept as a dead letter. Raises when the database
        cannot take either: nothing is kept, so the helpdesk should retry."""
        outcome = self.check(delivery)
        if isinstance(outcome, Refusal):
            authentic = self._authentic(outcome)
            letter = dead_letter(delivery, outcome, authentic)
            if not authentic:
                # Anyone can post here: a bounded prefix, and only so many per source.
                if not self.rate_limit.allow(delivery.source):
                    return outcome
                letter = bounded_dead_letter(letter, self.limits)
            await self._writer.write(letter)
            return outcome
        # A ticket is a handful a day per agent: recorded in a thread, off the event loop.
        return await asyncio.to_thread(self._record, outcome)

    def _authentic(self, refusal: Refusal) -> bool:
        """A body refused as unreadable (400) passed the signature or secret check, if any."""
        secret = self._helpdesk.webhook_secret if self._helpdesk is not None else None
        return refusal.status_code == 400 and secret is not None and bool(secret.get_secret_value())

    def check(self, delivery: HelpdeskDelivery) -> IncomingTicket | Refusal:
        size, limit = header_bytes(delivery.headers), self.limits.max_request_header_bytes
        if size > limit:
            return Refusal(431, f"headers of {size} bytes, over the {limit}-byte limit")
        if delivery.body_too_large:
            limit, kept = self.max_body_bytes, len(delivery.body)
            return Refusal(413, f"body over the {limit}-byte limit; first {kept} bytes kept")
        return check_delivery(self._helpdesk, delivery)

    def _record(self, ticket: IncomingTicket) -> TicketRecorded:
        with self._engine.begin() as connection:
            now = self._clock() if self._clock is not None else None
            return record_incoming(connection, ticket, WEBHOOK, self._store_ids, now)
