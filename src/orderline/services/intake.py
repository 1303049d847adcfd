"""Webhook intake: decide, on the request path, whether a delivery is accepted.

Cheap work only: find the store, check the signature, check the body is JSON, read the
delivery id. The answer is either an inbox record to commit (then 200) or a dead letter
to commit (then 4xx). Mapping to facts happens later, from the stored raw body.

Anyone can post here, so a refusal made before the signature is verified (oversized
headers, unknown platform or store, body too large, bad signature) costs bounded space:
its dead letter keeps only a prefix of the body and of the headers (`DeadLetterLimits`),
the original sizes written in the reason, and each client address may file only so many
such dead letters (`SourceRateLimit`, a token bucket); beyond that the request is still
answered, and counted, but not stored. A signed body that cannot be read is kept whole.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import orjson

from orderline.connectors.base import Connector, DeliveryMeta, PayloadError
from orderline.logs import fields
from orderline.persistence.inbox import DeadLetterRecord, InboxRecord
from orderline.services.stores import StoreDirectory, StoreEndpoint

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WebhookRequest:
    platform: str
    path_store_id: str | None
    path: str
    headers: dict[str, str]
    body: bytes
    received_at: datetime
    body_too_large: bool = False
    source: str | None = None
    """The client address, for the dead-letter rate limit (None: not limited)."""


@dataclass(frozen=True, slots=True)
class Accepted:
    record: InboxRecord


class RejectCode(StrEnum):
    """Why a delivery was refused, as a bounded metrics label and log field (the free-text
    reason, which may quote the request, goes only into the dead letter)."""

    HEADERS_TOO_LARGE = "headers_too_large"
    UNKNOWN_PLATFORM = "unknown_platform"
    BODY_TOO_LARGE = "body_too_large"
    UNKNOWN_STORE = "unknown_store"
    BAD_SIGNATURE = "bad_signature"
    MALFORMED = "malformed"
    NOT_JSON = "not_json"


@dataclass(frozen=True, slots=True)
class Rejected:
    status_code: int
    reason: str
    dead_letter: DeadLetterRecord | None
    """None when the source is over its dead-letter rate: answer, count, keep nothing."""
    code: RejectCode


Decision = Accepted | Rejected

_NOT_JSON = object()
BAD_SIGNATURE_REASON = "missing or invalid signature"
"""The dead-letter reason of a `BAD_SIGNATURE` refusal (the webhook audit counts them)."""
PING_TOPIC = "ping"
UNKNOWN_PLATFORM_LABEL = "unknown"
"""The metrics label of a request naming a platform Orderline does not know."""

_PLATFORM_COLUMN_CHARS = 32
_STORE_COLUMN_CHARS = 64
_PATH_COLUMN_CHARS = 300


@dataclass(frozen=True, slots=True)
class DeadLetterLimits:
    """What an unauthenticated refusal may cost."""

    body_bytes: int = 4096
    """The prefix of the body kept."""
    header_bytes: int = 4096
    """The headers kept, names and values together; the rest are dropped."""
    header_value_chars: int = 1024
    """Each kept header value is cut to this length."""
    max_request_header_bytes: int = 16384
    """A request whose headers are larger is refused 431 before anything else."""
    per_source_burst: float = 30.0
    """Dead letters a client address may file at once..."""
    per_source_per_second: float = 1.0
    """...and how fast its allowance refills."""
    max_sources: int = 10_000
    """Addresses tracked by the rate limit (the least recently seen is forgotten)."""


def header_bytes(headers: Mapping[str, str]) -> int:
    return sum(len(name) + len(value) for name, value in headers.items())


def bounded_dead_letter(letter: DeadLetterRecord, limits: DeadLetterLimits) -> DeadLetterRecord:
    """`letter` with a prefix of its body and headers kept; what was cut is said in the
    reason (with the original sizes). A letter within the limits comes back unchanged
    apart from its columns being cut to their widths."""
    notes: list[str] = []
    body = letter.body
    if len(body) > limits.body_bytes:
        notes.append(f"body {len(body)} bytes, first {limits.body_bytes} kept")
        body = body[: limits.body_bytes]
    total = header_bytes(letter.headers)
    kept: dict[str, str] = {}
    room = limits.header_bytes
    cut = False
    for name, value in letter.headers.items():
        name, short = name[: limits.header_value_chars], value[: limits.header_value_chars]
        cut = cut or short != value or len(name) + len(short) > room
        if len(name) + len(short) > room:
            continue
        kept[name] = short
        room -= len(name) + len(short)
    if cut:
        notes.append(f"headers {total} bytes in {len(letter.headers)}, {len(kept)} kept, values cut")
    return replace(
        letter,
        platform=letter.platform[:_PLATFORM_COLUMN_CHARS],
        store_id=None if letter.store_id is None else letter.store_id[:_STORE_COLUMN_CHARS],
        path=letter.path[:_PATH_COLUMN_CHARS],
        reason=letter.reason if not notes else f"{letter.reason} ({'; '.join(notes)})",
        headers=kept,
        body=body,
    )


@dataclass
class SourceRateLimit:
    """A token bucket per client address for filing dead letters, in memory."""

    burst: float
    per_second: float
    max_sources: int = 10_000
    clock: Callable[[], float] = time.monotonic
    dropped: int = 0
    """Refusals not stored because their source was over its rate."""
    _buckets: OrderedDict[str, tuple[float, float]] = field(default_factory=OrderedDict)

    @classmethod
    def of(cls, limits: DeadLetterLimits) -> SourceRateLimit:
        return cls(limits.per_source_burst, limits.per_source_per_second, limits.max_sources)

    def allow(self, source: str | None) -> bool:
        """Take a token from `source`'s bucket; False (and counted) when it is empty."""
        if source is None:
            return True
        now = self.clock()
        tokens, then = self._buckets.pop(source, (self.burst, now))
        tokens = min(self.burst, tokens + (now - then) * self.per_second)
        allowed = tokens >= 1.0
        self._buckets[source] = (tokens - 1.0 if allowed else tokens, now)
        while len(self._buckets) > self.max_sources:
            self._buckets.popitem(last=False)
        if not allowed:
            self.dropped += 1
        return allowed


class WebhookIntake:
    def __init__(
        self,
        connectors: Mapping[str, Connector],
        stores: StoreDirectory,
        max_body_bytes: int,
        limits: DeadLetterLimits | None = None,
        rate_limit: SourceRateLimit | None = None,
    ) -> None:
        self._connectors = connectors
        self._stores = stores
        self.max_body_bytes = max_body_bytes
        self.limits = limits or DeadLetterLimits()
        self.rate_limit = rate_limit or SourceRateLimit.of(self.limits)

    def metrics_platform(self, platform: str) -> str:
        """The platform as a metrics label: a known one, else `unknown` (the URL is anyone's)."""
        return platform if platform in self._connectors else UNKNOWN_PLATFORM_LABEL

    def metrics_store(self, store_id: str | None) -> str:
        """The store as a metrics label: a configured one, else `unknown`."""
        known = store_id is not None and self._stores.by_id(store_id) is not None
        return store_id if known and store_id is not None else UNKNOWN_PLATFORM_LABEL

    def decide(self, request: WebhookRequest) -> Decision:
        size = header_bytes(request.headers)
        if size > self.limits.max_request_header_bytes:
            limit = self.limits.max_request_header_bytes
            reason = f"headers of {size} bytes, over the {limit}-byte limit"
            return self._unauthenticated(request, None, RejectCode.HEADERS_TOO_LARGE, 431, reason)
        connector = self._connectors.get(request.platform)
        if connector is None:
            reason = f"unknown platform {request.platform[:64]!r}"
            return self._unauthenticated(request, None, RejectCode.UNKNOWN_PLATFORM, 404, reason)
        if request.body_too_large:
            reason = f"body over the {self.max_body_bytes}-byte limit; first {len(request.body)} bytes read"
            return self._unauthenticated(
                request, request.path_store_id, RejectCode.BODY_TOO_LARGE, 413, reason
            )
        payload = _parse_json(request.body)
        store = self._find_store(connector, request, payload)
        if isinstance(store, str):
            return self._unauthenticated(request, request.path_store_id, RejectCode.UNKNOWN_STORE, 404, store)
        return self._verified(connector, store, request, payload)

    def _unauthenticated(
        self, request: WebhookRequest, store_id: str | None, code: RejectCode, status_code: int, reason: str
    ) -> Rejected:
        """A refusal before the signature is known good: bounded, and rate-limited per source."""
        if not self.rate_limit.allow(request.source):
            return Rejected(status_code, reason, None, code)
        rejected = _reject(request, store_id, (code, status_code), reason)
        assert rejected.dead_letter is not None
        return replace(rejected, dead_letter=bounded_dead_letter(rejected.dead_letter, self.limits))

    def _verified(
        self, connector: Connector, store: StoreEndpoint, request: WebhookRequest, payload: Any
    ) -> Decision:
        if not connector.verify(request.headers, request.body, store.webhook_secrets):
            reason = BAD_SIGNATURE_REASON
            return self._unauthenticated(request, store.store_id, RejectCode.BAD_SIGNATURE, 401, reason)
        try:
            meta = connector.delivery_meta(request.headers, request.body)
        except PayloadError as error:
            return _reject(request, store.store_id, (RejectCode.MALFORMED, 400), str(error), verified=True)
        except (ValueError, TypeError, KeyError, OverflowError, RecursionError) as error:
            # A connector's gap, but a signed body must get a 4xx and a trace, never a 5xx.
            log.warning(
                "unreadable delivery",
                extra=fields(platform=request.platform, store=store.store_id, error=type(error).__name__),
            )
            reason = f"unreadable delivery: {type(error).__name__}"
            return _reject(request, store.store_id, (RejectCode.MALFORMED, 400), reason)
        # A WooCommerce ping (sent when a webhook is saved) is form-encoded, not JSON.
        if payload is _NOT_JSON and meta.topic != PING_TOPIC:
            reason = "body is not valid JSON"
            return _reject(request, store.store_id, (RejectCode.NOT_JSON, 400), reason, verified=True)
        if meta.triggered_at is not None and not _storable(meta.triggered_at):
            # The connector should have dropped it; never let the store's UTC conversion fail.
            meta = replace(meta, triggered_at=None)
        problem = _unstorable_identity(meta)
        if problem is not None:
            return _reject(request, store.store_id, (RejectCode.MALFORMED, 400), problem, verified=True)
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


def _storable(moment: datetime) -> bool:
    try:
        moment.astimezone(UTC)
    except (OverflowError, ValueError):
        return False
    return moment.tzinfo is not None


_IDENTITY_COLUMN_CHARS = {"topic": 128, "delivery id": 200, "event id": 200}
"""The widths of the inbox's topic, dedupe_key and event_id columns (persistence/tables.py)."""


def _unstorable_identity(meta: DeliveryMeta) -> str | None:
    """Why the delivery's identity, read from headers anyone can set, does not fit its
    columns (PostgreSQL refuses a longer value and a NUL; SQLite would take them)."""
    values = {"topic": meta.topic, "delivery id": meta.dedupe_key, "event id": meta.event_id}
    for name, value in values.items():
        width = _IDENTITY_COLUMN_CHARS[name]
        if value is not None and len(value) > width:
            return f"{name} longer than {width} characters"
        if value is not None and "\x00" in value:
            return f"{name} holds a NUL character"
    return None


def storable_text(value: str) -> str:
    """`value` as a text column keeps it: PostgreSQL refuses NUL (a path may hold `%00`)."""
    return value.replace("\x00", "\\x00")


def _parse_json(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:  # too deep a nesting too
        return _NOT_JSON


def _reject(
    request: WebhookRequest,
    store_id: str | None,
    answer: tuple[RejectCode, int],
    reason: str,
    *,
    verified: bool = False,
) -> Rejected:
    code, status_code = answer
    # The record replaces signature and secret headers by a marker
    # (persistence.header_redaction.redact_headers).
    letter = DeadLetterRecord(
        received_at=request.received_at,
        platform=storable_text(request.platform),
        store_id=None if store_id is None else storable_text(store_id),
        path=storable_text(request.path),
        status_code=status_code,
        reason=storable_text(reason),
        headers=request.headers,
        body=request.body,
        verified=verified,
    )
    return Rejected(status_code, reason, letter, code)
