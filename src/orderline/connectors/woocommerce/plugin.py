"""WooCommerce as a platform plugin: what Orderline asks of the platform (`PLATFORM`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from orderline.config.platforms import StoreConfig
from orderline.config.platforms.woocommerce import WooCommerceStoreConfig
from orderline.connectors.base import Clock
from orderline.connectors.plugin import StatusHook, secret_of, settings_of
from orderline.connectors.woocommerce.client import WooApiSettings, WooCommerceApiError, WooCommerceClient
from orderline.connectors.woocommerce.connector import WooCommerceConnector
from orderline.connectors.woocommerce.history import WooCommerceHistory
from orderline.connectors.woocommerce.settings import WooStoreSettings
from orderline.connectors.woocommerce.statuses import CORE_STATUSES, MEANING_STATUS
from orderline.connectors.woocommerce.subscriptions import WooCommerceSubscriptions, store_subscriptions
from orderline.connectors.woocommerce.writeback import WRITE_RETRY, WooHoldWriter
from orderline.domain.status_audit import StatusVocabulary
from orderline.domain.vocabulary import Platform
from orderline.domain.webhook_audit import DeliveryRules


class WooCommercePlugin:
    name = Platform.WOOCOMMERCE.value
    settings = WooCommerceStoreConfig
    api_errors: tuple[type[Exception], ...] = (WooCommerceApiError,)
    delivery_rules = DeliveryRules(
        platform="WooCommerce",
        # No trigger time: the body's date_modified_gmt is the last save, and the body is
        # built when Action Scheduler runs the delivery, not when the order changed.
        sends_trigger_time=False,
        on_failure=(
            "WooCommerce never retries a failed delivery and disables the webhook after "
            "5 consecutive failures"
        ),
        where_to_look=(
            "check the webhook's status in WooCommerce > Settings > Advanced > Webhooks (re-enable "
            "it if it is disabled) and that WP-Cron and Action Scheduler run"
        ),
    )

    def status_vocabulary(self, store: StoreConfig) -> StatusVocabulary:
        core = {word: MEANING_STATUS[meaning] for word, meaning in CORE_STATUSES.items()}
        return StatusVocabulary(core, _mapping_settings(store).statuses)

    def connector(self, stores: Sequence[StoreConfig], clock: Clock) -> WooCommerceConnector:
        return WooCommerceConnector({s.id: _mapping_settings(s) for s in stores}, clock=clock)

    def api_client(self, store: StoreConfig) -> WooCommerceClient:
        site = settings_of(store, WooCommerceStoreConfig)
        api = WooApiSettings(
            site_url=site.site_url,
            consumer_key=secret_of(site, "api_key"),
            consumer_secret=secret_of(site, "api_token"),
            api_base_url=site.api_base_url,
        )
        return WooCommerceClient(api)

    def hold_writer(self, store: StoreConfig) -> WooHoldWriter:
        site = settings_of(store, WooCommerceStoreConfig)
        api = WooApiSettings(
            site_url=site.site_url,
            consumer_key=secret_of(site, "api_key"),
            consumer_secret=secret_of(site, "api_token"),
            api_base_url=site.api_base_url,
            retry=WRITE_RETRY,
        )
        return WooHoldWriter(WooCommerceClient(api))

    @contextmanager
    def history(
        self, store: StoreConfig, on_status: StatusHook | None = None
    ) -> Iterator[WooCommerceHistory]:
        with self.api_client(store) as client:
            yield WooCommerceHistory(client)

    def subscriptions(self, store: StoreConfig) -> WooCommerceSubscriptions:
        """The store's webhook subscriptions through its API, with short timeouts."""
        return store_subscriptions(store)


def _mapping_settings(store: StoreConfig) -> WooStoreSettings:
    site = settings_of(store, WooCommerceStoreConfig)
    return WooStoreSettings(site.status_map, site.backorder_meta_key)


PLATFORM = WooCommercePlugin()
