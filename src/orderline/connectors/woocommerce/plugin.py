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
from orderline.domain.vocabulary import Platform


class WooCommercePlugin:
    name = Platform.WOOCOMMERCE.value
    settings = WooCommerceStoreConfig
    api_errors: tuple[type[Exception], ...] = (WooCommerceApiError,)

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

    @contextmanager
    def history(
        self, store: StoreConfig, on_status: StatusHook | None = None
    ) -> Iterator[WooCommerceHistory]:
        with self.api_client(store) as client:
            yield WooCommerceHistory(client)


def _mapping_settings(store: StoreConfig) -> WooStoreSettings:
    site = settings_of(store, WooCommerceStoreConfig)
    return WooStoreSettings(site.status_map, site.backorder_meta_key)


PLATFORM = WooCommercePlugin()
