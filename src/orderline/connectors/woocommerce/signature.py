"""WooCommerce webhook signatures, and the unsigned ping.

`X-WC-Webhook-Signature = base64(HMAC-SHA256(secret, raw body))`, where WooCommerce
first decodes HTML entities in the stored secret (`wp_specialchars_decode($secret,
ENT_QUOTES)`): a secret configured as it appears in the admin screen ("a&amp;b") and
one configured as typed ("a&b") both verify.

When a webhook is saved as active, WooCommerce POSTs `webhook_id=<id>` form-encoded and
unsigned, and wants a 200 (`WC_Webhook::deliver_ping`). Such a body, with no signature
header, passes verification: it carries nothing but the webhook's number.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from orderline.connectors import hmac_signature

_PING = re.compile(rb"webhook_id=(\d{1,20})")

# wp_specialchars_decode(..., ENT_QUOTES); `&amp;` last so "&amp;lt;" stays "&lt;".
_WP_ENTITIES = (
    ("&lt;", "<"),
    ("&gt;", ">"),
    ("&quot;", '"'),
    ("&#039;", "'"),
    ("&#39;", "'"),
    ("&#x27;", "'"),
)


def sign(secret: str, body: bytes) -> str:
    """The X-WC-Webhook-Signature value WooCommerce would send for `body`."""
    return hmac_signature.sign(secret, body)


def ping_webhook_id(body: bytes) -> str | None:
    """The webhook id when `body` is exactly a WooCommerce ping, else None."""
    match = _PING.fullmatch(body)
    return match.group(1).decode("ascii") if match else None


def is_signed_by_any(signature: str | None, body: bytes, secrets: Sequence[str]) -> bool:
    """True when `signature` is the HMAC of `body` under one of `secrets`, each tried
    as configured and HTML-entity-decoded."""
    return hmac_signature.is_signed_by_any(signature, body, _keys(secrets))


def _keys(secrets: Sequence[str]) -> Iterator[str]:
    for secret in secrets:
        if not secret:
            # An empty secret is WooCommerce's own default for a new webhook, but a
            # configuration that leaves it empty must not make every body verify.
            continue
        yield secret
        decoded = wp_specialchars_decode(secret)
        if decoded != secret:
            yield decoded


def wp_specialchars_decode(secret: str) -> str:
    for entity, char in _WP_ENTITIES:
        secret = secret.replace(entity, char)
    return secret.replace("&amp;", "&")
