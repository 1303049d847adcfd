"""The generic webhook channel: one `OutgoingMessage` POSTed as JSON to a merchant's URL.

This module owns the request a receiver sees (a compact, key-sorted JSON body, an
`Idempotency-Key` header carrying the message's stable key, and, when a secret is set,
the Standard Webhooks headers `webhook-id`, `webhook-timestamp` and `webhook-signature`
from `webhook_signing`) and how the answer becomes a `DeliveryResult`. It never retries
and never raises for a delivery problem. Every webhook Orderline sends goes through
here: customer messages (`messaging.webhook`) and escalation notices to URL targets.

Until the next release a signed request also carries the old `X-Orderline-Signature:
sha256=<hex HMAC-SHA256 of the raw body, keyed with the secret's UTF-8 bytes>`, so
receivers that check it keep working while they move to `webhook-signature`; it covers
the body alone and cannot stop a replay (docs/messaging.md).

Classification:

- 2xx -> SENT; `remote_id` is the `id` of a JSON object reply, when there is one;
- 408, 425, 429, 5xx, and connect, timeout or other transport errors -> TEMPORARY,
  with the reply's Retry-After (seconds or an HTTP-date) as `retry_after_s`;
- any other status (other 4xx, and 3xx: redirects are not followed, since a moved
  endpoint is a settings problem a retry cannot fix) -> PERMANENT.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType

import httpx

from orderline.channels.channel import DeliveryResult, Outcome, OutgoingMessage
from orderline.channels.webhook_signing import (
    ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    signed_headers,
    signing_key,
)
from orderline.clock import system_clock
from orderline.domain.retry import parse_retry_after

LEGACY_SIGNATURE_HEADER = "X-Orderline-Signature"
"""Deprecated: sent beside the Standard Webhooks headers for one release, then dropped."""
_OURS = ("Content-Type", "Idempotency-Key", ID_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER)
_RESERVED_HEADERS = frozenset(name.lower() for name in (*_OURS, LEGACY_SIGNATURE_HEADER))

# 408 and 425 say "send it again"; 429 is the receiver's rate limit.
_TEMPORARY_STATUSES = frozenset({408, 425, 429})
_DETAIL_BODY_CHARS = 200


@dataclass(frozen=True, slots=True)
class WebhookSettings:
    url: str
    secret: str | None = None
    """Signing secret, `whsec_<base64>` or plain text (its UTF-8 bytes); unsigned when None."""
    headers: Mapping[str, str] = field(default_factory=dict)
    """Extra headers (e.g. a receiver's API key); they cannot replace the ones above."""
    timeout_s: float = 10.0


def encode_body(message: OutgoingMessage) -> bytes:
    """The exact bytes POSTed (and signed) for `message`."""
    payload = {
        "idempotency_key": message.idempotency_key,
        "store_id": message.store_id,
        "order_id": message.order_id,
        "kind": message.kind,
        "recipient": message.recipient,
        "subject": message.subject,
        "text": message.text,
        "html": message.html,
        "data": dict(message.data),
    }
    # default=str: order data may hold datetimes and Decimals; they travel as their text.
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode("utf-8")


def legacy_signature_for(body: bytes, secret: str) -> str:
    """The deprecated `X-Orderline-Signature` value for `body`, computed as before."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


class WebhookChannel:
    """POSTs messages through an `httpx.Client`: the caller's, or one it owns and closes.

    `transport` (for the owned client) lets tests answer with `httpx.MockTransport`;
    `clock` dates each attempt's `webhook-timestamp` and is what an HTTP-date Retry-After
    is measured against. A malformed `whsec_` secret is refused here, at start-up.
    """

    name = "webhook"

    def __init__(
        self,
        settings: WebhookSettings,
        *,
        client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.settings = settings
        self._owns_client = client is None
        self._client = (
            client if client is not None else httpx.Client(transport=transport, timeout=settings.timeout_s)
        )
        self._clock = clock or system_clock
        self._key = None if settings.secret is None else signing_key(settings.secret)

    def send(self, message: OutgoingMessage) -> DeliveryResult:
        body = encode_body(message)
        try:
            response = self._client.post(
                self.settings.url,
                content=body,
                headers=self._headers(message, body),
                timeout=self.settings.timeout_s,
            )
        except httpx.TimeoutException as error:
            return DeliveryResult(Outcome.TEMPORARY, f"timed out after {self.settings.timeout_s} s: {error}")
        except (httpx.HTTPError, httpx.InvalidURL) as error:
            # A bad URL is a settings problem, not the message's: TEMPORARY lets the retry
            # limit hand it to support instead of marking the message undeliverable.
            return DeliveryResult(Outcome.TEMPORARY, f"{type(error).__name__}: {error}")
        return self._result(response)

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> WebhookChannel:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _headers(self, message: OutgoingMessage, body: bytes) -> dict[str, str]:
        # Compared without case: "Webhook-Id" in the settings must not travel beside ours.
        extra = {k: v for k, v in self.settings.headers.items() if k.lower() not in _RESERVED_HEADERS}
        headers = {"User-Agent": "orderline", **extra}
        headers["Content-Type"] = "application/json"
        headers["Idempotency-Key"] = message.idempotency_key
        if self.settings.secret is not None and self._key is not None:
            headers.update(signed_headers(self._key, message.idempotency_key, body, self._clock()))
            headers[LEGACY_SIGNATURE_HEADER] = legacy_signature_for(body, self.settings.secret)
        return headers

    def _result(self, response: httpx.Response) -> DeliveryResult:
        status = response.status_code
        detail = _detail(response)
        if 200 <= status < 300:
            return DeliveryResult(Outcome.SENT, detail, remote_id=_reply_id(response))
        if status in _TEMPORARY_STATUSES or 500 <= status < 600:
            retry_after_s = parse_retry_after(response.headers.get("Retry-After"), self._clock())
            return DeliveryResult(Outcome.TEMPORARY, detail, retry_after_s=retry_after_s)
        return DeliveryResult(Outcome.PERMANENT, detail)


def _detail(response: httpx.Response) -> str:
    detail = f"HTTP {response.status_code} {response.reason_phrase}".rstrip()
    if response.is_success:
        return detail
    # The start of an error body usually says why (a validation error, a rate limit).
    text = " ".join(response.text.split())[:_DETAIL_BODY_CHARS]
    return f"{detail}: {text}" if text else detail


def _reply_id(response: httpx.Response) -> str | None:
    try:
        reply = json.loads(response.content)
    except ValueError:
        return None
    if not isinstance(reply, dict):
        return None
    remote_id = reply.get("id")
    if isinstance(remote_id, str) and remote_id:
        return remote_id
    if isinstance(remote_id, int) and not isinstance(remote_id, bool):
        return str(remote_id)
    return None
