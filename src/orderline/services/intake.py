"""Webhook intake: decide, on the request path, whether a delivery is accepted.

Cheap work only: find the store, check the signature, check the body is JSON, read the
delivery id. The answer is either an inbox record to commit (then 200) or a dead letter
to commit (then 4xx). Mapping to facts happens later, from the stored raw body.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from orderline.connectors.base import Connector, PayloadError
from orderline.persistence.inbox import DeadLetterRecord, InboxRecord
from orderline.services.stores import StoreDirectory, StoreEndpoint


@dataclass(frozen=True, slots=True)
class WebhookRequest:
    platform: str
    path_store_id: str | None
    path: str
    headers: dict[str, str]
    body: bytes
    received_at: datetime
    body_too_large: bool = False


@dataclass(frozen=True, slots=True)
class Accepted:
    record: InboxRecord


@dataclass(frozen=True, slots=True)
class Rejected:
    status_code: int
    reason: str
    dead_letter: DeadLetterRecord


Decision = Accepted | Rejected

_NOT_JSON = object()
PING_TOPIC = "ping"


class WebhookIntake:
    def __init__(
        self, connectors: Mapping[str, Connector], stores: StoreDirectory, max_body_bytes: int
    ) -> None:
        self._connectors = connectors
        self._stores = stores
        self.max_body_bytes = max_body_bytes

    def decide(self, request: WebhookRequest) -> Decision:
        connector = self._connectors.get(request.platform)
        if connector is None:
            return _reject(request, None, 404, f"unknown platform {request.platform!r}")
        if request.body_too_large:
            reason = f"body over the {self.max_body_bytes}-byte limit; first {len(request.body)} bytes kept"
            return _reject(request, request.path_store_id, 413, reason)
        payload = _parse_json(request.body)
        store = self._find_store(connector, request, payload)
        if isinstance(store, str):
            return _reject(request, request.path_store_id, 404, store)
        return self._verified(connector, store, request, payload)

    def _verified(
        self, connector: Connector, store: StoreEndpoint, request: WebhookRequest, payload: Any
    ) -> Decision:
        if not connector.verify(request.headers, request.body, store.webhook_secrets):
            return _reject(request, store.store_id, 401, "missing or invalid signature")
        try:
            meta = connector.delivery_meta(request.headers, request.body)
        except PayloadError as error:
            return _reject(request, store.store_id, 400, str(error))
        # A WooCommerce ping (sent when a webhook is saved) is form-encoded, not JSON.
        if payload is _NOT_JSON and meta.topic != PING_TOPIC:
            return _reject(request, store.store_id, 400, "body is not valid JSON")
        record = InboxRecord(
            platform=request.platform,
            store_id=store.store_id,
            topic=meta.topic,
            dedupe_key=meta.dedupe_key,
            event_id=meta.event_id,
            received_at=request.received_at,
            triggered_at=meta.triggered_at,
            headers=request.headers,
            body=request.body,
        )
        return Accepted(record)

    def _find_store(self, connector: Connector, request: WebhookRequest, payload: Any) -> StoreEndpoint | str:
        if request.path_store_id is not None:
            store = self._stores.by_id(request.path_store_id)
            if store is None or store.platform != request.platform:
                return f"no {request.platform} store with id {request.path_store_id!r}"
            return store
        identity = connector.store_identity(request.headers, None if payload is _NOT_JSON else payload)
        if not identity:
            return f"no {request.platform} store identity in the delivery"
        found = self._stores.by_identity(request.platform, identity)
        return found if found is not None else f"no {request.platform} store for {identity!r}"


def _parse_json(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return _NOT_JSON


def _reject(request: WebhookRequest, store_id: str | None, status_code: int, reason: str) -> Rejected:
    letter = DeadLetterRecord(
        received_at=request.received_at,
        platform=request.platform,
        store_id=store_id,
        path=request.path,
        status_code=status_code,
        reason=reason,
        headers=request.headers,
        body=request.body,
    )
    return Rejected(status_code, reason, letter)
