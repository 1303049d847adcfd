"""Shopify as a platform plugin: what Orderline asks of the platform (`PLATFORM`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from orderline.config.platforms import StoreConfig
from orderline.config.platforms.shopify import ShopifyStoreConfig
from orderline.connectors.base import Clock
from orderline.connectors.plugin import StatusHook, secret_of, settings_of
from orderline.connectors.shopify.client import ShopifyAdminClient
from orderline.connectors.shopify.connector import ShopifyConnector
from orderline.connectors.shopify.graphql import AdminApiSettings, ShopifyApiError
from orderline.connectors.shopify.history import ShopifyHistory
from orderline.connectors.shopify.subscriptions import ShopifySubscriptions, store_subscriptions
from orderline.connectors.shopify.writeback import ShopifyHoldWriter, writer_settings
from orderline.domain.status_audit import StatusVocabulary
from orderline.domain.vocabulary import Platform
from orderline.domain.webhook_audit import DeliveryRules


class ShopifyPlugin:
    name = Platform.SHOPIFY.value
    settings = ShopifyStoreConfig
    api_errors: tuple[type[Exception], ...] = (ShopifyApiError,)
    delivery_rules = DeliveryRules(
        platform="Shopify",
        sends_trigger_time=True,  # X-Shopify-Triggered-At
        on_failure=(
            "Shopify retries a failed delivery 8 times over 4 hours, then deletes a subscription "
            "created through the Admin API or the admin"
        ),
        where_to_look=(
            "compare the store's webhook subscriptions (the app's subscriptions in the Admin API, or "
            "Settings > Notifications > Webhooks) with the topics Orderline needs and re-create any "
            "that are gone"
        ),
    )

    def status_vocabulary(self, store: StoreConfig) -> StatusVocabulary | None:
        return None  # a status from a fixed enum, with no plugin words

    def connector(self, stores: Sequence[StoreConfig], clock: Clock) -> ShopifyConnector:
        return ShopifyConnector({s.id: settings_of(s, ShopifyStoreConfig) for s in stores}, clock=clock)

    def api_client(
        self, store: StoreConfig, on_bulk_status: Callable[[str, int], None] | None = None
    ) -> ShopifyAdminClient:
        shop = settings_of(store, ShopifyStoreConfig)
        api = AdminApiSettings(
            shop_domain=shop.shop_domain,
            access_token=secret_of(shop, "api_token"),
            api_base_url=shop.api_base_url,
        )
        return ShopifyAdminClient(api, on_bulk_status=on_bulk_status)

    def hold_writer(self, store: StoreConfig) -> ShopifyHoldWriter:
        shop = settings_of(store, ShopifyStoreConfig)
        api = AdminApiSettings(
            shop_domain=shop.shop_domain,
            access_token=secret_of(shop, "api_token"),
            api_base_url=shop.api_base_url,
        )
        return ShopifyHoldWriter(writer_settings(api))

    @contextmanager
    def history(self, store: StoreConfig, on_status: StatusHook | None = None) -> Iterator[ShopifyHistory]:
        bulk_status = _bulk_status(on_status) if on_status is not None else None
        with self.api_client(store, bulk_status) as client:
            yield ShopifyHistory(client)

    def subscriptions(self, store: StoreConfig) -> ShopifySubscriptions:
        """The store's webhook subscriptions through its API, with short timeouts."""
        return store_subscriptions(store)


def _bulk_status(on_status: StatusHook) -> Callable[[str, int], None]:
    """Shopify writes a large shop's history for minutes before the first page: say so."""

    def heard(status: str, objects: int) -> None:
        on_status(None if status == "COMPLETED" else f"Shopify {status.lower()}, {objects:,} objects")

    return heard


PLATFORM = ShopifyPlugin()
