"""A store's order history read through its platform's API, as import deliveries.

Each platform package's `history` module pages through its API and turns every order
into an `ImportedDelivery`: the body as intake would store it (a webhook body, or the
API's own node under a topic of its own), keyed `import:{order id}:{modified time}` so
that importing the same history again stores nothing new. `services.importer` stores and
processes the pages without knowing which platform they came from.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from orderline.connectors.base import Clock

IMPORT_KEY_PREFIX = "import:"
"""Every import delivery's dedupe key starts so (webhooks' never do)."""


@dataclass(frozen=True, slots=True)
class ImportedDelivery:
    """One order of the history, as the inbox will keep it."""

    topic: str
    dedupe_key: str
    body: bytes
    received_at: datetime
    """When its page arrived."""
    triggered_at: datetime | None = None
    """The order's modification time, when the body says it (an ordering hint, as for webhooks)."""


class OrderHistory(Protocol):
    """A store's orders modified since a moment, page by page."""

    @property
    def platform(self) -> str:
        """The platform the deliveries are stored under."""
        ...

    @property
    def imports_in_bulk(self) -> bool:
        """Each delivery maps from its body alone, so orders new to Orderline can be written
        already folded (`services.bulk_import`); False sends every delivery through the
        Processor (a thin body whose mapping fetches, or a path not tuned for bulk yet)."""
        ...

    def pages(self, since: datetime, clock: Clock) -> Iterator[list[ImportedDelivery]]:
        """The deliveries page by page, each received at `clock()` when its page arrives."""
        ...


def import_key(order_ref: object, version: str | None, body: bytes) -> str:
    """`import:{order_ref}:{version}`: one delivery per version of an order; keyed by the
    body's content when either is missing (the mapping will then report what is wrong)."""
    if order_ref is None or isinstance(order_ref, bool) or version is None:
        return f"{IMPORT_KEY_PREFIX}sha256:{hashlib.sha256(body).hexdigest()}"
    return f"{IMPORT_KEY_PREFIX}{order_ref}:{version}"
