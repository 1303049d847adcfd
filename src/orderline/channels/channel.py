"""What every outbound channel takes and answers.

A channel sends one rendered message and says how it went; it never retries by itself:
the delivery worker owns retries, backoff and the record of every attempt. A channel
must not raise for a delivery problem: it answers `TEMPORARY` (try again later: 4xx
SMTP replies, connection refused, timeouts, HTTP 408/429/5xx) or `PERMANENT` (never
retry: 5xx SMTP replies such as an invalid address, other HTTP 4xx).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol


class Outcome(StrEnum):
    SENT = "sent"
    TEMPORARY = "temporary"
    PERMANENT = "permanent"


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with an e-mail (the weekly scorecard's HTML report); webhooks leave it out."""

    filename: str
    content_type: str
    """`text/html`, `application/pdf`..."""
    content: bytes
    """UTF-8 text for a `text/*` type."""


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """One rendered customer message. `idempotency_key` is stable for the message's whole
    life (every retry carries it): the e-mail Message-ID is built from it, and webhooks
    send it as the `Idempotency-Key` header, so receivers can de-duplicate a resend."""

    idempotency_key: str
    store_id: str
    order_id: str
    kind: str
    recipient: str
    subject: str
    text: str
    html: str | None = None
    data: Mapping[str, object] = field(default_factory=dict)
    """Canonical order data the message was rendered from (webhook receivers get it too)."""
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    outcome: Outcome
    detail: str
    """What the other side said (SMTP reply code and text, HTTP status), for the timeline."""
    remote_id: str | None = None
    """The receiver's id of the message: the Message-ID sent, or an id from a webhook reply."""
    retry_after_s: float | None = None
    """The receiver's own hint (HTTP Retry-After), when it gave one."""


class Channel(Protocol):
    name: str

    def send(self, message: OutgoingMessage) -> DeliveryResult: ...
