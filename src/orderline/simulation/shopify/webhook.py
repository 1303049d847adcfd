"""One simulated Shopify webhook delivery: topic, raw body and the ids Shopify sends."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime

API_VERSION = "2025-01"


@dataclass(frozen=True, slots=True)
class ShopifyWebhook:
    topic: str
    body: bytes
    webhook_id: str
    """Per delivery; a retry or redelivery of this webhook keeps it."""
    event_id: str
    """Shared by the webhooks of one merchant action (e.g. orders/paid + orders/updated)."""
    triggered_at: datetime

    def headers(self, secret: str, shop_domain: str) -> dict[str, str]:
        """The headers Shopify sends with this delivery, signed with `secret`."""
        # Signed here independently of the connector, so tests of the connector's
        # verification check it against a second implementation.
        signature = base64.b64encode(hmac.new(secret.encode(), self.body, hashlib.sha256).digest()).decode()
        return {
            "Content-Type": "application/json",
            "X-Shopify-Topic": self.topic,
            "X-Shopify-Hmac-Sha256": signature,
            "X-Shopify-Shop-Domain": shop_domain,
            "X-Shopify-API-Version": API_VERSION,
            "X-Shopify-Webhook-Id": self.webhook_id,
            "X-Shopify-Event-Id": self.event_id,
            "X-Shopify-Triggered-At": _header_time(self.triggered_at),
        }


def _header_time(at: datetime) -> str:
    """UTC with a `Z` and fractional seconds, as Shopify writes it."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
