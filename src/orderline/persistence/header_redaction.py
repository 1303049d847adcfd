"""Which request headers carry a signature or a secret, and how a stored delivery hides them.

The one place secrets are kept out of the inbox and the dead letters: both record types
(persistence/inbox.py) apply `redact_headers` when they are built.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

SECRET_HEADERS = frozenset(
    {
        "x-shopify-hmac-sha256",
        "shopify-hmac-sha256",
        "x-wc-webhook-signature",
        "webhook-signature",
        "x-orderline-webhook-secret",
        "x-zendesk-webhook-signature",
        "authorization",
        "proxy-authorization",
        "cookie",
    }
)
"""Headers that carry a signature or a secret: a stored delivery keeps their names, never
their values. Names are lower case, as intake hands them over."""
_SECRET_WORDS = ("signature", "secret", "hmac", "token", "password", "api-key", "apikey")
"""Any other header whose name holds one of these words is treated the same way."""
VERIFIED_MARKER = "<redacted; verified>"
UNVERIFIED_MARKER = "<redacted; not verified>"


@functools.lru_cache(maxsize=4096)
def is_secret_header(name: str) -> bool:
    # Cached: every delivery of a platform brings the same few names, and the word scan
    # was ~35 µs of each request's ~300 µs (bounded: names are anyone's to invent).
    lowered = name.lower()
    if lowered.endswith("-timestamp"):
        return False  # when a signature was made (Zendesk, Standard Webhooks): kept for replay checks
    return lowered in SECRET_HEADERS or any(word in lowered for word in _SECRET_WORDS)


def redact_headers(headers: Mapping[str, str], verified: bool) -> dict[str, str]:
    """`headers` with every signature and secret replaced by a marker that says whether
    the delivery verified. The one place secrets are kept out of the inbox and the
    dead letters: both record types apply it when they are built."""
    if not any(is_secret_header(name) for name in headers):
        return headers if isinstance(headers, dict) else dict(headers)
    marker = VERIFIED_MARKER if verified else UNVERIFIED_MARKER
    return {name: marker if is_secret_header(name) else value for name, value in headers.items()}
