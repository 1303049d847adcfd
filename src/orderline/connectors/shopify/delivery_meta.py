"""Shopify delivery headers: topic, shop, ids and trigger time.

Shopify's HTTPS webhooks use `X-Shopify-*` names; the newer Events product sends the
same headers without the `X-` prefix. Intake hands us lower-cased names, so each
header is looked up under both spellings.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from orderline.connectors.base import DeliveryMeta, Headers, PayloadError
from orderline.connectors.limits import is_in_range
from orderline.connectors.payload import aware

TOPIC = "topic"
HMAC = "hmac-sha256"
SHOP_DOMAIN = "shop-domain"
WEBHOOK_ID = "webhook-id"
EVENT_ID = "event-id"
TRIGGERED_AT = "triggered-at"
API_VERSION = "api-version"


def header(headers: Headers, name: str) -> str | None:
    """The value of `X-Shopify-{name}` or `Shopify-{name}`; blank reads as None."""
    value = headers.get("x-shopify-" + name)
    if value is None:
        value = headers.get("shopify-" + name)
    if value is None:
        return None
    value = value.strip()
    return value or None


def read_delivery_meta(headers: Headers, body: bytes) -> DeliveryMeta:
    topic = header(headers, TOPIC)
    if topic is None:
        raise PayloadError("missing X-Shopify-Topic header")
    webhook_id = header(headers, WEBHOOK_ID)
    dedupe_key = webhook_id if webhook_id is not None else _body_digest(topic, body)
    return DeliveryMeta(
        topic=topic,
        dedupe_key=dedupe_key,
        event_id=header(headers, EVENT_ID),
        triggered_at=_parse_triggered_at(header(headers, TRIGGERED_AT)),
    )


def _body_digest(topic: str, body: bytes) -> str:
    """Fallback dedupe key: identical topic and bytes are the same delivery."""
    digest = hashlib.sha256(topic.encode())
    digest.update(b"\n")
    digest.update(body)
    return "sha256:" + digest.hexdigest()


def _parse_triggered_at(value: str | None) -> datetime | None:
    # Only an ordering hint (stale-retry detection); a malformed value must not cost
    # us the delivery, so it reads as absent rather than failing intake.
    if value is None:
        return None
    try:
        parsed = aware(datetime.fromisoformat(value))
    except ValueError:
        return None
    return parsed if is_in_range(parsed) else None
