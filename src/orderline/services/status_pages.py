"""The buyer status page `/status/{token}`: its links, and what a buyer may see through one.

Why the token is derived, not stored: `status_tokens` keeps only each token's SHA-256, yet
every customer message must carry the link again (a reminder days later, the CLI's `show`).
The token is therefore HMAC-SHA256(server secret, store, order, generation), 256 bits written
base64url: recomputable by whoever holds `status_page.secret` (from the environment, never
stored), unguessable by anyone else, and nothing secret sits in the database. The generation
is the number of the order's revoked tokens, so revoking (`orderline status-link revoke`)
marks the live hash revoked and the next link is a new token; the old one answers 404 for
good. Rotating the secret retires every link at once. (An encrypted copy of a random token
would work too, but it needs a key just the same and a column holding ciphertext.)

A buyer sees the canonical status, active shipments with their carrier links, and each open
buyer-facing exception explained with the wording of the customer messages (the store's
`_exception_wording.j2`, merchant's first, down the locale chain as messages find it); of
personal data only the first name and the destination city.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine

from orderline.channels.templates.rendering import TemplateSet
from orderline.domain.messaging.kinds import MessageKind
from orderline.domain.order import Order, order_from_dict
from orderline.domain.vocabulary import ShipmentState
from orderline.persistence import exception_records, order_queries, status_token_records

TOKEN_BITS = 256
_WEB_URL = re.compile(r"^https?://", re.IGNORECASE)
_WORDING = "_exception_wording.j2"


def web_url(url: str | None) -> str | None:
    """`url` when it is a web address; a `javascript:` URL from platform data never becomes a link."""
    return url if url is not None and _WEB_URL.match(url) else None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class StatusLinks:
    """How links are made: the server secret and where buyers reach Orderline."""

    secret: bytes = field(repr=False)
    public_url: str

    def token(self, store_id: str, order_id: str, generation: int) -> str:
        text = f"orderline-status\0{store_id}\0{order_id}\0{generation}".encode()
        digest = hmac.new(self.secret, text, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def live_token(self, connection: Connection, store_id: str, order_id: str, now: datetime) -> str:
        """The order's live token, recorded (as its hash) if this is its first use."""
        generation = status_token_records.revoked_count(connection, store_id, order_id)
        token = self.token(store_id, order_id, generation)
        status_token_records.remember(connection, token_hash(token), store_id, order_id, now)
        return token

    def url(self, token: str) -> str:
        return f"{self.public_url.rstrip('/')}/status/{token}"

    def live_url(self, connection: Connection, store_id: str, order_id: str, now: datetime) -> str:
        return self.url(self.live_token(connection, store_id, order_id, now))


@dataclass(frozen=True, slots=True)
class StorePage:
    """How one store presents its page: as its messages present it."""

    name: str
    locale: str
    templates: TemplateSet
    exception_types: frozenset[str]
    support_email: str | None = None


@dataclass(frozen=True, slots=True)
class BuyerShipment:
    carrier: str | None
    tracking_numbers: tuple[str, ...]
    tracking_url: str | None
    delivery_status: str | None
    items: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class BuyerStatus:
    """Everything the page shows; nothing else about the order leaves the service."""

    store_name: str
    support_email: str | None
    locale: str
    order_number: str
    status: str
    first_name: str | None
    city: str | None
    shipments: tuple[BuyerShipment, ...]
    delays: tuple[str, ...]


class StatusLinksOff(Exception):
    """Status links need `public_url` and `status_page.secret` in the configuration."""


class StatusPages:
    def __init__(self, engine: Engine, links: StatusLinks | None, stores: Mapping[str, StorePage]) -> None:
        self._engine = engine
        self.links = links
        self._stores = dict(stores)

    def url_for(self, store_id: str, order_id: str, now: datetime) -> str | None:
        """The order's live link (made on first use); None when there is no such order."""
        links = self._links()
        with self._engine.begin() as connection:
            if order_queries.get_order(connection, store_id, order_id) is None:
                return None
            return links.live_url(connection, store_id, order_id, now)

    def token_for(self, store_id: str, order_id: str, now: datetime) -> str | None:
        """The order's live token, fresh or existing; None when there is no such order."""
        url = self.url_for(store_id, order_id, now)
        return None if url is None else url.rsplit("/", 1)[1]

    def revoke(self, store_id: str, order_id: str, now: datetime) -> int:
        """Revoke the order's live link; how many were live (0 or 1)."""
        with self._engine.begin() as connection:
            return status_token_records.revoke(connection, store_id, order_id, now)

    def view(self, token: str) -> BuyerStatus | None:
        """What the page shows for `token`; None for an unknown or revoked token, or an
        order or store that is gone (the page answers all of these alike)."""
        if self.links is None or len(token) > 128:
            return None
        with self._engine.connect() as connection:
            found = status_token_records.live_order(connection, token_hash(token))
            if found is None or found.store_id not in self._stores:
                return None
            state = order_queries.get_order(connection, found.store_id, found.order_id)
            if state is None:
                return None
            order = order_from_dict(state)
            stored = exception_records.load_exceptions(connection, found.store_id, found.order_id)
        store = self._stores[found.store_id]
        open_types = [e.type for e in stored.values() if e.is_open and e.type in store.exception_types]
        return _buyer_status(order, store, tuple(dict.fromkeys(open_types)))

    def _links(self) -> StatusLinks:
        if self.links is None:
            raise StatusLinksOff(StatusLinksOff.__doc__)
        return self.links


def _buyer_status(order: Order, store: StorePage, open_types: tuple[str, ...]) -> BuyerStatus:
    titles = {line.line_id: line.title for line in order.lines}
    address = order.shipping_address
    name = (address.name or "").split() if address else []
    wording = delay_wording(store.templates, store.locale)
    return BuyerStatus(
        store_name=store.name,
        support_email=store.support_email,
        locale=store.locale,
        order_number=order.order_number,
        status=order.status.value,
        first_name=name[0] if name else None,
        city=address.city if address else None,
        shipments=tuple(
            BuyerShipment(
                carrier=s.carrier,
                tracking_numbers=s.tracking_numbers,
                tracking_url=web_url(s.tracking_url),
                delivery_status=s.delivery_status.value if s.delivery_status else None,
                items=tuple((titles.get(i.line_id, i.line_id), i.quantity) for i in s.lines),
            )
            for s in order.shipments
            if s.state is ShipmentState.ACTIVE
        ),
        delays=tuple(dict.fromkeys(wording.get(t, wording.get("other", "")) for t in open_types)),
    )


def delay_wording(templates: TemplateSet, locale: str) -> dict[str, str]:
    """Per exception type, the sentence an exception notice tells the buyer (the messages'
    own `_exception_wording.j2`); the built-in English one if the store's cannot be read."""
    for template_set in (templates, TemplateSet()):
        name = template_set.find((_WORDING,), locale)
        if name is None:
            continue
        try:
            module: Any = template_set.environment.get_template(name).module
            by_type = module.messages[MessageKind.EXCEPTION_NOTICE.value]
            return {str(t): str(says["body"]) for t, says in by_type.items()}
        except Exception:  # a merchant's broken wording must not break the page
            continue
    return {}
