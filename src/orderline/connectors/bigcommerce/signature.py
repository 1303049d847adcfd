"""BigCommerce webhook authentication: Standard Webhooks signatures, or a shared-secret header.

Signed deliveries carry the Standard Webhooks headers (reference §3.1): `webhook-id`,
`webhook-timestamp` (Unix seconds) and `webhook-signature`, a space-separated list of
`v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{raw body}")>`. The timestamp is signed,
so a captured delivery replayed later is refused once it is more than REPLAY_WINDOW
away from now (the reference library's ±5 minutes).

The HMAC key of a configured secret:
- `whsec_<base64>`: a Standard Webhooks secret; the key is the base64-decoded part.
- anything else: the app's client secret; the key is its raw bytes. BigCommerce's own
  sample base64-encodes the client secret before handing it to the library, which
  decodes it again, so the effective key is the secret as written.

Which hooks carry these headers is not documented (reference §3.1, VERIFY), so a
delivery without any of them is checked the long-standing way: a custom header set when
the hook is created (BigCommerce sends a hook's `headers` object with every callback),
SHARED_SECRET_HEADER, whose value must equal one of the store's secrets.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Sequence
from datetime import datetime, timedelta

from orderline.connectors.base import Headers

WEBHOOK_ID = "webhook-id"
WEBHOOK_TIMESTAMP = "webhook-timestamp"
WEBHOOK_SIGNATURE = "webhook-signature"
STANDARD_HEADERS = (WEBHOOK_ID, WEBHOOK_TIMESTAMP, WEBHOOK_SIGNATURE)

SHARED_SECRET_HEADER = "x-orderline-webhook-secret"
"""Create the hook with `"headers": {"X-Orderline-Webhook-Secret": "<one of the store's
webhook secrets>"}`; intake hands us header names lower-cased."""

REPLAY_WINDOW = timedelta(minutes=5)

_SECRET_PREFIX = "whsec_"
_DIGEST_SIZE = hashlib.sha256().digest_size


def signing_key(secret: str) -> bytes | None:
    """The HMAC key of a configured secret; None for a `whsec_` secret that is not base64."""
    if not secret.startswith(_SECRET_PREFIX):
        return secret.encode()
    try:
        return base64.b64decode(secret[len(_SECRET_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        return None


def sign(secret: str, webhook_id: str, timestamp: str, body: bytes) -> str:
    """The `webhook-signature` value for one delivery, signed with `secret`."""
    key = signing_key(secret)
    if key is None:
        raise ValueError("the whsec_ secret is not valid base64")
    return "v1," + base64.b64encode(_digest(key, webhook_id, timestamp, body)).decode("ascii")


def is_authentic(headers: Headers, body: bytes, secrets: Sequence[str], now: datetime) -> bool:
    """Standard Webhooks when any of its headers is present, else the shared-secret header."""
    if any(name in headers for name in STANDARD_HEADERS):
        return is_signed_by_any(headers, body, secrets, now)
    return has_shared_secret(headers.get(SHARED_SECRET_HEADER), secrets)


def is_signed_by_any(headers: Headers, body: bytes, secrets: Sequence[str], now: datetime) -> bool:
    webhook_id = headers.get(WEBHOOK_ID, "").strip()
    timestamp = headers.get(WEBHOOK_TIMESTAMP, "").strip()
    offered = _offered_signatures(headers.get(WEBHOOK_SIGNATURE, ""))
    if not webhook_id or not offered or not _is_fresh(timestamp, now):
        return False
    for secret in secrets:
        key = signing_key(secret) if secret else None
        if key is None:
            continue
        expected = _digest(key, webhook_id, timestamp, body)
        # Every offered signature is compared in constant time; which one matched leaks nothing.
        if any(hmac.compare_digest(expected, signature) for signature in offered):
            return True
    return False


def has_shared_secret(value: str | None, secrets: Sequence[str]) -> bool:
    if not value:
        return False
    offered = value.strip().encode()
    return any(hmac.compare_digest(offered, secret.encode()) for secret in secrets if secret)


def _digest(key: bytes, webhook_id: str, timestamp: str, body: bytes) -> bytes:
    return hmac.digest(key, f"{webhook_id}.{timestamp}.".encode() + body, "sha256")


def _offered_signatures(header: str) -> list[bytes]:
    """The raw digests of the `v1,` entries; other versions and malformed entries are skipped."""
    found: list[bytes] = []
    for entry in header.split():
        version, _, encoded = entry.partition(",")
        if version != "v1":
            continue
        try:
            digest = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            continue
        if len(digest) == _DIGEST_SIZE:
            found.append(digest)
    return found


def _is_fresh(timestamp: str, now: datetime) -> bool:
    if not (timestamp.isascii() and timestamp.isdigit()):
        return False
    age_s = now.timestamp() - int(timestamp)
    return abs(age_s) <= REPLAY_WINDOW.total_seconds()
