"""The platform plugin: the one object a platform package exposes (`PLATFORM`), and the
only thing the rest of Orderline asks about a platform.

Bootstrap asks each plugin for its connector, the importer for a store's history, the
`import` command for the errors its API raises; nothing outside `connectors/` asks
"which platform is this". The plugins are listed once, in `connectors.registry`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Protocol, TypeVar

from orderline.config.platforms import StoreConfig
from orderline.connectors.base import Clock, Connector
from orderline.connectors.history import OrderHistory
from orderline.domain.platform_writes import HoldWriter
from orderline.domain.status_audit import StatusVocabulary
from orderline.domain.subscription_health import RepairAction, Subscription, SubscriptionRules
from orderline.domain.webhook_audit import DeliveryRules

StatusHook = Callable[[str | None], None]
"""Hears what the platform is doing before the first page arrives (e.g. "Shopify running,
12,000 objects" while Shopify writes a bulk file); None once it is done."""

S = TypeVar("S", bound=StoreConfig)


class ApiClient(Protocol):
    """A store's API client; closing it lets its connections go."""

    def orders_placed(self, start: datetime, end: datetime) -> int:
        """How many orders the store's customers placed from `start` up to `end`
        (reconciliation's daily count check)."""
        ...

    def close(self) -> None: ...


class SubscriptionsUnavailable(RuntimeError):
    """The platform's API could not list or change the store's webhook subscriptions (refused,
    unreachable, or an answer of the wrong shape); the message says why."""


class WebhookSubscriptionApi(Protocol):
    """A store's webhook subscriptions through its platform's API (`<platform>/subscriptions.py`).
    Every failure raises SubscriptionsUnavailable; timeouts are short (an audit waits on it)."""

    @property
    def rules(self) -> SubscriptionRules: ...

    @property
    def needed_topics(self) -> tuple[str, ...]:
        """The topics Orderline's connector maps, as webhooks name them."""
        ...

    def listed(self) -> tuple[Subscription, ...]: ...

    def apply(self, action: RepairAction) -> Subscription:
        """Create, re-activate or re-address one subscription; what the platform now lists."""
        ...

    def close(self) -> None: ...


class PlatformPlugin(Protocol):
    @property
    def name(self) -> str:
        """The platform's name: its `platform:` in the configuration, its webhook path
        (`/webhooks/{name}`) and the key of its connector and deliveries."""
        ...

    @property
    def settings(self) -> type[StoreConfig]:
        """The model of its stores' configuration (`orderline.config.platforms.<name>`)."""
        ...

    @property
    def api_errors(self) -> tuple[type[Exception], ...]:
        """What its API client raises when the API refuses a call or keeps failing."""
        ...

    @property
    def delivery_rules(self) -> DeliveryRules:
        """How it delivers webhooks and gives up on them: the webhook audit's advice."""
        ...

    def status_vocabulary(self, store: StoreConfig) -> StatusVocabulary | None:
        """The store's status words for the status audit, where the platform's status is
        a free word plugins extend (WooCommerce); None elsewhere."""
        ...

    def connector(self, stores: Sequence[StoreConfig], clock: Clock) -> Connector:
        """The one connector serving all of the platform's `stores`."""
        ...

    def api_client(self, store: StoreConfig) -> ApiClient:
        """A client of the store's API, as the history import reads it."""
        ...

    def history(
        self, store: StoreConfig, on_status: StatusHook | None = None
    ) -> AbstractContextManager[OrderHistory]:
        """The store's order history through a client of its own, closed on leaving."""
        ...

    def hold_writer(self, store: StoreConfig) -> HoldWriter:
        """What writes Orderline's holds to the store's platform (`writeback`), with a
        client of its own (closed by `close()`)."""
        ...

    def subscriptions(self, store: StoreConfig) -> WebhookSubscriptionApi:
        """The store's webhook subscriptions through a client of its own (close it); the
        store must have its API credentials (`missing_credentials()` empty)."""
        ...


def settings_of(store: StoreConfig, model: type[S]) -> S:
    """`store` as the platform's own store model; TypeError for another platform's store."""
    if not isinstance(store, model):
        raise TypeError(f"store {store.id} is a {store.platform} store, not one of {model.__name__}")
    return store


def secret_of(store: StoreConfig, key: str) -> str:
    """A credential of `store` in clear; ValueError when the store does not set it (the
    `import` command checks `missing_credentials` first and says what it is)."""
    value = getattr(store, key)
    if value is None:
        raise ValueError(f"store {store.id} has no {key}")
    return str(value.get_secret_value())
