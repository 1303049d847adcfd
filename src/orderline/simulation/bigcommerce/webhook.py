"""One simulated BigCommerce webhook delivery: the thin body and the Standard Webhooks headers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

SHARED_SECRET_HEADER = "X-Orderline-Webhook-Secret"


@dataclass(frozen=True, slots=True)
class BigCommerceWebhook:
    scope: str
    body: bytes
    webhook_id: str
    """Per delivery; a redelivery of this webhook keeps it."""
    timestamp: int
    """Unix seconds: the body's `created_at` and the `webhook-timestamp` header."""
    order_id: int

    @classmethod
    def build(
        cls, *, scope: str, store_id: str, store_hash: str, data: dict[str, Any], at: int, webhook_id: str
    ) -> BigCommerceWebhook:
        """The thin body BigCommerce sends: ids only, with the SHA-1 of the data as `hash`."""
        data_json = json.dumps(data, separators=(",", ":"))
        body = {
            "scope": scope,
            "store_id": store_id,
            "data": data,
            "hash": hashlib.sha1(data_json.encode()).hexdigest(),
            "created_at": at,
            "producer": f"stores/{store_hash}",
        }
        order_id = int(data.get("orderId") or data["id"])
        return cls(scope, json.dumps(body, separators=(",", ":")).encode(), webhook_id, at, order_id)

    def headers(self, secret: str) -> dict[str, str]:
        """Standard Webhooks headers signed with `secret` (a `whsec_` key or a client secret)."""
        # Signed here independently of the connector, so tests of the connector's
        # verification check it against a second implementation.
        if secret.startswith("whsec_"):
            key = base64.b64decode(secret.removeprefix("whsec_"))
        else:
            key = secret.encode()
        signed = f"{self.webhook_id}.{self.timestamp}.".encode() + self.body
        signature = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
        return {
            "Content-Type": "application/json",
            "webhook-id": self.webhook_id,
            "webhook-timestamp": str(self.timestamp),
            "webhook-signature": f"v1,{signature}",
        }

    def custom_header(self, secret: str) -> dict[str, str]:
        """The headers of a hook created with a shared-secret custom header instead."""
        return {"Content-Type": "application/json", SHARED_SECRET_HEADER: secret}
