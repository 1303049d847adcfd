"""Shopify webhook signatures: base64(HMAC-SHA256(client secret, raw body)).

The check itself (one base64 decode, one HMAC per candidate secret, constant-time
compare) is `orderline.connectors.hmac_signature`; this module names it for Shopify.
"""

from __future__ import annotations

from collections.abc import Sequence

from orderline.connectors import hmac_signature


def sign(secret: str, body: bytes) -> str:
    """The X-Shopify-Hmac-Sha256 value Shopify would send for `body`."""
    return hmac_signature.sign(secret, body)


def is_signed_by_any(signature: str | None, body: bytes, secrets: Sequence[str]) -> bool:
    """True when `signature` is the HMAC of `body` under one of `secrets` (empty ones skipped)."""
    return hmac_signature.is_signed_by_any(signature, body, secrets)
