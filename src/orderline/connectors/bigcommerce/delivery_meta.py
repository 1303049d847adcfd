"""The thin BigCommerce webhook body, and what intake records about a delivery.

Every body has the same shape (reference §3.3): `{scope, store_id, data, hash,
created_at (Unix seconds), producer: "stores/{store_hash}"}`; `data` carries ids only.
Channel-scoped hooks (`store/channel/{channel_id}/order/...`) read as their store-wide
scope: the channel changes nothing about what the order is.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from orderline.connectors.base import DeliveryMeta, Headers, PayloadError
from orderline.connectors.bigcommerce.fields import JsonObject, as_object, required_id, unix_datetime
from orderline.connectors.bigcommerce.signature import WEBHOOK_ID

_PRODUCER = re.compile(r"stores/([A-Za-z0-9]+)")
_CHANNEL_SCOPE = re.compile(r"^store/channel/\d+/")
ORDER_SCOPES = "store/order/"
SHIPMENT_SCOPES = "store/shipment/"


@dataclass(frozen=True, slots=True)
class ThinPayload:
    scope: str
    """As sent, e.g. `store/order/statusUpdated` or `store/channel/1/order/updated`."""
    data: JsonObject
    hash: str | None
    created_at: datetime

    @property
    def store_scope(self) -> str:
        """The store-wide scope (channel segment removed)."""
        return normalise_scope(self.scope)


def read_payload(payload: Any) -> ThinPayload:
    body = as_object(payload, "webhook body")
    scope = body.get("scope")
    if not isinstance(scope, str) or not scope:
        raise PayloadError("webhook body: scope is missing")
    where = f"{scope} body"
    digest = body.get("hash")
    return ThinPayload(
        scope=scope,
        data=as_object(body.get("data"), f"{where}: data"),
        hash=digest if isinstance(digest, str) and digest else None,
        created_at=unix_datetime(body.get("created_at"), f"{where}: created_at"),
    )


def normalise_scope(scope: str) -> str:
    """`store/channel/1/order/created` -> `store/order/created`; others unchanged."""
    return _CHANNEL_SCOPE.sub("store/", scope)


def store_hash(payload: Any) -> str | None:
    """The store hash from `producer` ("stores/abc123"), lower-cased; None when absent."""
    if not isinstance(payload, dict):
        return None
    producer = payload.get("producer")
    if not isinstance(producer, str):
        return None
    found = _PRODUCER.fullmatch(producer.strip())
    return found.group(1).lower() if found else None


def read_delivery_meta(headers: Headers, body: bytes) -> DeliveryMeta:
    try:
        parsed = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise PayloadError("body is not valid JSON") from None
    payload = read_payload(parsed)
    order_id_of(payload)  # an order id no platform would send is refused now, with a 400
    webhook_id = (headers.get(WEBHOOK_ID) or "").strip()
    return DeliveryMeta(
        topic=payload.scope,
        dedupe_key=webhook_id or _body_key(payload),
        event_id=payload.hash,
        triggered_at=payload.created_at,
    )


def order_id_of(payload: ThinPayload) -> int | None:
    """The order a delivery names; None for a scope about no order. Raises PayloadError."""
    scope, data = payload.store_scope, payload.data
    where = f"{payload.scope} body: data"
    if scope.startswith(SHIPMENT_SCOPES):
        return required_id(data, "orderId", where)
    if not scope.startswith(ORDER_SCOPES):
        return None
    if data.get("type") == "order" or "order_id" not in data:
        return required_id(data, "id", where)
    return required_id(data, "order_id", where)


def _body_key(payload: ThinPayload) -> str:
    """Dedupe key of a delivery without `webhook-id`: sha256 of (scope, data.id, hash, created_at).

    `hash` alone is not enough (reference §3.1): it is documented as the SHA-1 of the
    payload data, and data holds only ids, so two distinct updates of one order can share
    it (the docs' own samples reuse one hash for an order's created, updated and archived
    events). Keying on it alone would take the second update for a redelivery of the first
    and drop it. With the scope and created_at added, a true redelivery (same body) still
    collapses; if a retry ever carried a new created_at it is stored twice, which is
    harmless: processing re-fetches the order, and facts are a set.
    """
    key = [payload.scope, payload.data.get("id"), payload.hash, int(payload.created_at.timestamp())]
    canonical = json.dumps(key, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()
