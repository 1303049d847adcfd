"""The connector interface every platform package implements.

Intake (on the request path) calls only the cheap parts: `store_identity`,
`verify` and `delivery_meta`. Mapping to canonical facts happens later, off the
request path, from the raw body kept in the inbox, so a mapping bug is fixed by
replaying.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from orderline.domain.facts import Fact

Headers = Mapping[str, str]
"""Request headers with lower-cased names."""
Clock = Callable[[], datetime]
"""The time now (aware, UTC); `orderline.clock.system_clock` unless a test says otherwise."""


class PayloadError(ValueError):
    """The body is readable JSON but not a payload this connector can map."""


class RetryLater(Exception):
    """Mapping needs something that is unavailable now (a platform API down or rate
    limited); the delivery stays in the inbox and is tried again later."""


@dataclass(frozen=True, slots=True)
class DeliveryMeta:
    """What intake records about one delivery before it is processed."""

    topic: str
    dedupe_key: str
    """Same value for a redelivery of the same webhook (Shopify: X-Shopify-Webhook-Id)."""
    event_id: str | None = None
    triggered_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Delivery:
    """One stored webhook as the processor hands it to a connector."""

    store_id: str
    topic: str
    payload: Any
    """The parsed JSON body; None when the body is not JSON (only a WooCommerce ping)."""
    received_at: datetime
    triggered_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class MappedDelivery:
    """Facts learned from one delivery.

    `order_id` is the platform order the facts belong to. `ignored` says the topic
    is stored but carries nothing for the lifecycle (reported, not an error).
    """

    order_id: str | None
    facts: Sequence[Fact] = field(default_factory=tuple)
    ignored: str | None = None


class OrderResolver(Protocol):
    """Finds the order a thin payload belongs to (e.g. a Shopify fulfillment order).

    Returns None when it cannot tell yet; the delivery is then retried later.
    """

    def order_for_fulfillment_order(self, store_id: str, fulfillment_order_id: str) -> str | None: ...


class Connector(Protocol):
    platform: str
    fetches: bool
    """Mapping a delivery calls the platform's API (thin webhooks): processing runs such
    deliveries in a lane of their own, so a slow or down API holds up no other platform."""

    def store_identity(self, headers: Headers, payload: Any) -> str | None:
        """The platform's own identity of the sending store (shop domain, site URL, store hash)."""
        ...

    def verify(self, headers: Headers, body: bytes, secrets: Sequence[str]) -> bool:
        """True when the body is signed with any of `secrets` (rotation keeps several)."""
        ...

    def delivery_meta(self, headers: Headers, body: bytes) -> DeliveryMeta: ...

    def map_delivery(self, delivery: Delivery, resolver: OrderResolver) -> MappedDelivery:
        """Canonical facts from one delivery; raises PayloadError for an unmappable body."""
        ...
