"""base64(HMAC-SHA256(secret, raw body)) webhook signatures, checked against several secrets.

This runs on the request path for every delivery, so it does the least work that is
still safe: one base64 decode of the header, one one-shot HMAC per candidate key
(several during a secret rotation) and a constant-time compare of the raw digests.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Iterable

DIGEST_SIZE = hashlib.sha256().digest_size


def sign(secret: str, body: bytes) -> str:
    """base64(HMAC-SHA256(secret, body)), the value a platform would send for `body`."""
    return base64.b64encode(hmac.digest(secret.encode(), body, "sha256")).decode("ascii")


def decode_signature(signature: str | None) -> bytes | None:
    """The raw digest of a base64 signature header; None when absent or malformed."""
    if not signature:
        return None
    try:
        digest = base64.b64decode(signature.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    return digest if len(digest) == DIGEST_SIZE else None


def is_signed_by_any(signature: str | None, body: bytes, keys: Iterable[str]) -> bool:
    """True when `signature` is the base64 HMAC-SHA256 of `body` under one of `keys`.

    Empty keys are skipped: a configuration that leaves a secret empty must not make
    every body verify. `keys` is consumed lazily, only when the signature is well formed.
    """
    expected = decode_signature(signature)
    if expected is None:
        return False
    # any() stops at the first matching key: timing can tell which rotation slot
    # matched, never anything about the digest, which is compared in constant time.
    return any(hmac.compare_digest(hmac.digest(k.encode(), body, "sha256"), expected) for k in keys if k)
