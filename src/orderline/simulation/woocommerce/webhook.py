"""One simulated WooCommerce webhook delivery: topic, raw body and the headers Woo sends."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

WC_VERSION = "9.9.5"
WP_VERSION = "6.8.2"


@dataclass(frozen=True, slots=True)
class WooWebhook:
    topic: str
    """e.g. "order.updated"."""
    body: bytes
    triggered_at: datetime
    """When the change was saved: the body's `date_modified_gmt`."""

    def headers(self, secret: str, site_url: str, webhook_id: int) -> dict[str, str]:
        """The headers `WC_Webhook::deliver()` sends, signed with `secret`.

        `X-WC-Webhook-Delivery-ID` is `wp_hash($webhook_id . strtotime('now'))` in
        WooCommerce; here it is derived from the webhook id, the trigger second and the
        body, so it is deterministic (a duplicate shows the same value, where a real
        second attempt would not)."""
        resource, _, event = self.topic.partition(".")
        # Signed here independently of the connector, so the connector's verification is
        # checked against a second implementation.
        signature = base64.b64encode(hmac.new(secret.encode(), self.body, hashlib.sha256).digest()).decode()
        seed = f"{webhook_id}{int(self.triggered_at.timestamp())}".encode() + self.body
        return {
            "Content-Type": "application/json",
            "User-Agent": f"WooCommerce/{WC_VERSION} Hookshot (WordPress/{WP_VERSION})",
            "X-WC-Webhook-Source": site_url.rstrip("/") + "/",
            "X-WC-Webhook-Topic": self.topic,
            "X-WC-Webhook-Resource": resource,
            "X-WC-Webhook-Event": event,
            "X-WC-Webhook-Signature": signature,
            "X-WC-Webhook-ID": str(webhook_id),
            "X-WC-Webhook-Delivery-ID": hashlib.md5(seed, usedforsecurity=False).hexdigest(),
        }
