"""WooCommerce delivery headers and the delivery metadata intake records.

WooCommerce sends no event id and no timestamp header, and `X-WC-Webhook-Delivery-ID`
is fresh for every attempt (`wp_hash($webhook_id . strtotime('now'))`), so it cannot
dedupe anything. A delivery is identified by what it shows instead: the topic, the
order id and the order's `date_modified_gmt` (reference §4). Two deliveries of the
same state are one; two states saved within the same second are also one — the fold
could not order them either (same `updated_at`); the reconciliation poll settles them.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from orderline.connectors.base import DeliveryMeta, Headers, PayloadError
from orderline.connectors.limits import check_numeric_id
from orderline.connectors.woocommerce.fields import parse_gmt
from orderline.connectors.woocommerce.signature import ping_webhook_id

SOURCE = "x-wc-webhook-source"
TOPIC = "x-wc-webhook-topic"
SIGNATURE = "x-wc-webhook-signature"
WEBHOOK_ID = "x-wc-webhook-id"
DELIVERY_ID = "x-wc-webhook-delivery-id"

PING_TOPIC = "ping"


def header(headers: Headers, name: str) -> str | None:
    """A lower-cased header's value; blank reads as None."""
    value = headers.get(name)
    if value is None:
        return None
    value = value.strip()
    return value or None


def is_ping(headers: Headers, body: bytes) -> bool:
    """WooCommerce's save-time ping: `webhook_id=<digits>`, unsigned."""
    return header(headers, SIGNATURE) is None and ping_webhook_id(body) is not None


def read_delivery_meta(headers: Headers, body: bytes) -> DeliveryMeta:
    webhook_id = ping_webhook_id(body)
    if webhook_id is not None and header(headers, SIGNATURE) is None:
        # Saving the same webhook again pings again; one stored ping per webhook is enough.
        return DeliveryMeta(topic=PING_TOPIC, dedupe_key=f"ping:{webhook_id}")
    topic = header(headers, TOPIC)
    if topic is None:
        raise PayloadError("missing X-WC-Webhook-Topic header")
    order_id, modified = _identity(_json_object(body))
    if order_id is None:
        return DeliveryMeta(topic=topic, dedupe_key=_digest(topic.encode(), body))
    key_parts = (topic.encode(), order_id.encode(), (modified or "").encode())
    return DeliveryMeta(topic=topic, dedupe_key=_digest(*key_parts), triggered_at=_parse_modified(modified))


def _json_object(body: bytes) -> dict[str, Any] | None:
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    return payload if isinstance(payload, dict) else None


def _identity(payload: dict[str, Any] | None) -> tuple[str | None, str | None]:
    """(order id, date_modified_gmt) as written in the body; raises PayloadError for an unusable id."""
    if payload is None:
        return None, None
    raw_id = payload.get("id")
    if raw_id is None:
        return None, None
    # A signed body whose id no store would write ("²", 5,000 digits) is refused with a
    # 400 and a dead letter now, not accepted and quarantined later.
    order_id = str(int(check_numeric_id(raw_id, "id")))
    modified = payload.get("date_modified_gmt")
    return order_id, modified if isinstance(modified, str) and modified else None


def _parse_modified(value: str | None) -> datetime | None:
    # Only an ordering hint here; a malformed date must not cost us the delivery (the
    # mapper reports it precisely when the body is processed).
    if value is None:
        return None
    try:
        return parse_gmt(value, "date_modified_gmt")
    except PayloadError:
        return None


def _digest(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return "sha256:" + digest.hexdigest()
