"""Shopify webhook signatures: base64(HMAC-SHA256(client secret, raw body)).

This runs on the request path for every delivery, so it does the least work that
is still safe: one base64 decode of the header, one one-shot HMAC per candidate
secret (several during a rotation) and a constant-time compare of the raw digests.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Sequence

_DIGEST_SIZE = hashlib.sha256().digest_size


def sign(secret: str, body: bytes) -> str:
    """The X-Shopify-Hmac-Sha256 value Shopify would send for `body`."""
    return base64.b64encode(hmac.digest(secret.encode(), body, "sha256")).decode("ascii")


def is_signed_by_any(signature: str | None, body: bytes, secrets: Sequence[str]) -> bool:
    """True when `signature` is the HMAC of `body` under one of `secrets`."""
    if not signature:
        return False
    try:
        expected = base64.b64decode(signature.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    if len(expected) != _DIGEST_SIZE:
        return False
    # any() stops at the first matching secret: timing can tell which rotation slot
    # matched, never anything about the digest, which is compared in constant time.
    return any(hmac.compare_digest(hmac.digest(s.encode(), body, "sha256"), expected) for s in secrets if s)
