"""One name per carrier, so the scorecard's carrier rows and lanes do not split one carrier
into several: Shopify sends a display name ("FedEx", "DHL Express"), WooCommerce tracking
plugins send slugs ("fedex", "royal-mail"), BigCommerce what the merchant typed.

Names are compared case-folded with '-', '_' and runs of spaces read as one space; a known
carrier gets its usual spelling, any other name is kept as sent (trimmed). DHL Express and
DHL (Paket, eCommerce) stay apart: they are different networks with different times.
"""

from __future__ import annotations

import re

KNOWN_CARRIERS: dict[str, str] = {
    "ups": "UPS",
    "fedex": "FedEx",
    "fed ex": "FedEx",
    "usps": "USPS",
    "dhl": "DHL",
    "dhl express": "DHL Express",
    "dhl ecommerce": "DHL eCommerce",
    "royal mail": "Royal Mail",
    "royalmail": "Royal Mail",
    "postnl": "PostNL",
    "dpd": "DPD",
    "gls": "GLS",
    "evri": "Evri",
    "hermes": "Hermes",
    "canada post": "Canada Post",
    "australia post": "Australia Post",
    "auspost": "Australia Post",
    "la poste": "La Poste",
    "colissimo": "Colissimo",
    "deutsche post": "Deutsche Post",
    "amazon logistics": "Amazon Logistics",
    "ontrac": "OnTrac",
}

_SEPARATORS = re.compile(r"[\s_-]+")


def carrier_name(raw: str | None) -> str | None:
    """The carrier's one name; None for no name (blank included)."""
    if raw is None:
        return None
    trimmed = " ".join(raw.split())
    if not trimmed:
        return None
    return KNOWN_CARRIERS.get(_SEPARATORS.sub(" ", trimmed.casefold()), trimmed)
