"""BigCommerce as a platform plugin: what Orderline asks of the platform (`PLATFORM`)."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import httpx

from orderline.config.platforms import StoreConfig
from orderline.config.platforms.bigcommerce import BigCommerceStoreConfig
from orderline.connectors.base import Clock
from orderline.connectors.bigcommerce.client import BigCommerceClient
from orderline.connectors.bigcommerce.connector import BigCommerceConnector
from orderline.connectors.bigcommerce.history import BigCommerceHistory
from orderline.connectors.bigcommerce.limiter import RateQuota
from orderline.connectors.bigcommerce.rest import ApiSettings, FetchFailed, NotFound, RestApi, RetryPolicy
from orderline.connectors.bigcommerce.subscriptions import BigCommerceSubscriptions, store_subscriptions
from orderline.connectors.bigcommerce.writeback import BigCommerceHoldWriter
from orderline.connectors.plugin import StatusHook, settings_of
from orderline.domain.status_audit import StatusVocabulary
from orderline.domain.vocabulary import Platform
from orderline.domain.webhook_audit import DeliveryRules

MAPPING_FETCH_RETRY = RetryPolicy(max_attempts=2, base_delay_s=0.5, max_delay_s=2.0)
"""A thin delivery's fetch tries twice, then waits in the inbox (processing's own doubling
retry): a down API costs its lane seconds, not minutes."""


class BigCommercePlugin:
    name = Platform.BIGCOMMERCE.value
    settings = BigCommerceStoreConfig
    api_errors: tuple[type[Exception], ...] = (FetchFailed, NotFound)
    delivery_rules = DeliveryRules(
        platform="BigCommerce",
        sends_trigger_time=True,  # the body's created_at
        on_failure=(
            "BigCommerce retries for 48 hours, then deactivates the hook (is_active false); it also "
            "deactivates a hook after 90 days without events"
        ),
        where_to_look=(
            "list the store's hooks (GET /v3/hooks) and re-activate any whose is_active is false "
            "(PUT /v3/hooks/{id})"
        ),
    )

    def status_vocabulary(self, store: StoreConfig) -> StatusVocabulary | None:
        return None  # a status from a fixed enum, with no plugin words

    def connector(self, stores: Sequence[StoreConfig], clock: Clock) -> BigCommerceConnector:
        """Mapping a thin delivery fetches the order, through the store's own client."""
        return BigCommerceConnector(
            {s.id: self.api_client(s, MAPPING_FETCH_RETRY) for s in stores}, clock=clock
        )

    def api_client(self, store: StoreConfig, retry: RetryPolicy | None = None) -> BigCommerceClient:
        """The store's client; `retry` as the import wants it unless given. A store without
        an api_token gets a client the API refuses: its deliveries wait in the inbox."""
        bigcommerce = settings_of(store, BigCommerceStoreConfig)
        token = bigcommerce.api_token.get_secret_value() if bigcommerce.api_token else ""
        settings = ApiSettings(
            bigcommerce.store_hash,
            token,
            bigcommerce.api_base_url,
            quota=RateQuota(requests=bigcommerce.api_requests_per_30s),
            retry=retry or RetryPolicy(),
        )
        return BigCommerceClient(settings)

    def hold_writer(self, store: StoreConfig) -> BigCommerceHoldWriter:
        """Writes through a paced client of its own, under the store's request quota."""
        bigcommerce = settings_of(store, BigCommerceStoreConfig)
        http = httpx.Client()
        token = bigcommerce.api_token.get_secret_value() if bigcommerce.api_token else ""
        settings = ApiSettings(
            bigcommerce.store_hash,
            token,
            bigcommerce.api_base_url,
            quota=RateQuota(requests=bigcommerce.api_requests_per_30s),
            retry=MAPPING_FETCH_RETRY,
        )
        api = RestApi(settings, http, time.sleep, time.monotonic)
        return BigCommerceHoldWriter(api, bigcommerce.hold_status_id, http.close)

    @contextmanager
    def history(
        self, store: StoreConfig, on_status: StatusHook | None = None
    ) -> Iterator[BigCommerceHistory]:
        with self.api_client(store) as client:
            yield BigCommerceHistory(client)

    def subscriptions(self, store: StoreConfig) -> BigCommerceSubscriptions:
        """The store's webhook subscriptions through its API, with short timeouts."""
        return store_subscriptions(store)


PLATFORM = BigCommercePlugin()
