"""Signatures of every webhook Orderline sends, the Standard Webhooks way
(https://www.standardwebhooks.com/), and the check a receiver makes.

Each POST carries three headers:

- `webhook-id`: `msg_` and 32 hex digits derived from the outbox row's idempotency key,
  so every retry of one message carries the same id and a receiver can de-duplicate;
- `webhook-timestamp`: the attempt's moment, whole Unix seconds (a retry gets a new one);
- `webhook-signature`: `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, a
  space-separated list as the standard allows (Orderline sends one entry).

Because the id and the timestamp are signed with the body, a receiver that refuses
timestamps far from its clock (`verify_webhook`, five minutes by default) refuses a
replayed request, which a signature over the body alone cannot.

A secret written `whsec_<base64>` (the standard's form) signs with the bytes the base64
decodes to; any other secret signs with its UTF-8 bytes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Mapping
from datetime import datetime, timedelta

ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
SECRET_PREFIX = "whsec_"
SIGNATURE_VERSION = "v1"
DEFAULT_TOLERANCE = timedelta(minutes=5)
"""The standard's suggestion: wide enough for clock skew and a slow network."""
_UNIX_SECONDS = re.compile(r"[0-9]{1,12}")  # ASCII digits only: "²" is a digit to str.isdigit


class WebhookSignatureError(ValueError):
    """A request that fails verification; the message says which check failed."""


def signing_key(secret: str) -> bytes:
    """The HMAC key of `secret`: a `whsec_` secret's base64-decoded bytes, else its UTF-8 bytes."""
    if not secret.startswith(SECRET_PREFIX):
        return secret.encode("utf-8")
    try:
        return base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except binascii.Error:
        raise ValueError(f"a {SECRET_PREFIX} secret must be base64 after the prefix") from None


def webhook_id(idempotency_key: str) -> str:
    """The `webhook-id` of a message: stable for its key, header-safe and bounded, whatever
    the key holds (an escalation notice's key names its target URL)."""
    return "msg_" + hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:32]


def signature(key: bytes, message_id: str, timestamp: int, body: bytes) -> str:
    """One `webhook-signature` entry: `v1,<base64 HMAC-SHA256 of id.timestamp.body>`."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode('ascii')}"


def signed_headers(key: bytes, idempotency_key: str, body: bytes, now: datetime) -> dict[str, str]:
    """The three headers of one attempt to send `body`, made at `now`."""
    message_id = webhook_id(idempotency_key)
    timestamp = int(now.timestamp())
    return {
        ID_HEADER: message_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(key, message_id, timestamp, body),
    }


def verify_webhook(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    now: datetime,
    tolerance: timedelta = DEFAULT_TOLERANCE,
) -> str:
    """What a receiver checks: the three headers are there, the timestamp is within
    `tolerance` of `now`, and one `v1` signature matches the raw `body`. Answers the
    `webhook-id` (to de-duplicate on); raises WebhookSignatureError otherwise."""
    given = {name.lower(): value for name, value in headers.items()}
    missing = [name for name in (ID_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER) if not given.get(name)]
    if missing:
        raise WebhookSignatureError(f"missing header {', '.join(missing)}")
    message_id, stamp = given[ID_HEADER], given[TIMESTAMP_HEADER]
    if not _UNIX_SECONDS.fullmatch(stamp):
        raise WebhookSignatureError(f"{TIMESTAMP_HEADER} is not whole Unix seconds")
    if abs(now.timestamp() - int(stamp)) > tolerance.total_seconds():
        raise WebhookSignatureError(f"{TIMESTAMP_HEADER} is more than {tolerance} from now")
    expected = signature(signing_key(secret), message_id, int(stamp), body)
    offered = given[SIGNATURE_HEADER].split()
    if not any(hmac.compare_digest(entry.encode(), expected.encode()) for entry in offered):
        raise WebhookSignatureError("no signature matches")
    return message_id
