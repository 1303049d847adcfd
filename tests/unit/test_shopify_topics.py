"""Topics the Shopify connector stores but does not map."""

from __future__ import annotations

from datetime import UTC, datetime

from orderline.connectors.base import Delivery, MappedDelivery
from orderline.connectors.shopify import ShopifyConnector

connector = ShopifyConnector()


class NoResolver:
    def order_for_fulfillment_order(self, store_id: str, fulfillment_order_id: str) -> str | None:
        raise AssertionError("not asked for ignored topics")


def deliver(topic: str, payload: object) -> MappedDelivery:
    return connector.map_delivery(
        Delivery("store-1", topic, payload, datetime(2025, 3, 1, tzinfo=UTC)), NoResolver()
    )


def test_platform_is_shopify() -> None:
    assert connector.platform == "shopify"


def test_unknown_topic_is_ignored_with_its_name() -> None:
    assert deliver("products/update", {"id": 1}) == MappedDelivery(
        order_id=None, ignored="unknown topic products/update"
    )


def test_unknown_topic_is_ignored_whatever_its_body() -> None:
    assert deliver("app/uninstalled", "not even an object").ignored == "unknown topic app/uninstalled"


def test_orders_delete_is_ignored_for_now() -> None:
    assert deliver("orders/delete", {"id": 820982911946154508}) == MappedDelivery(
        order_id=None, ignored="orders/delete not mapped yet"
    )
