"""A store's WooCommerce webhooks through the REST API: list, create, re-activate, re-address.

`GET /wp-json/wc/v3/webhooks` (paged, `per_page` at most 100, `X-WP-TotalPages`) lists each
webhook's `id`, `topic` (`order.updated`), `delivery_url` and `status`: `active`, `paused`
(stopped by an admin) or `disabled` (stopped by WooCommerce after consecutive failed
deliveries; it never retries). `POST /wp-json/wc/v3/webhooks` creates one, with the store's
webhook secret so Orderline can verify what it signs; `PUT /wp-json/wc/v3/webhooks/{id}`
sets `status: active` and `delivery_url`.
"""

from __future__ import annotations

from typing import Any

from orderline.config.platforms import StoreConfig
from orderline.config.platforms.woocommerce import WooCommerceStoreConfig
from orderline.connectors.plugin import SubscriptionsUnavailable, secret_of, settings_of
from orderline.connectors.woocommerce.client import (
    MAX_PER_PAGE,
    RetryPolicy,
    WooApiSettings,
    WooCommerceApiError,
    WooCommerceClient,
)
from orderline.connectors.woocommerce.mapping import DELETED_TOPIC, SNAPSHOT_TOPICS
from orderline.domain.subscription_health import (
    RepairAction,
    Subscription,
    SubscriptionRules,
    SubscriptionState,
)

WEBHOOKS_PATH = "/wp-json/wc/v3/webhooks"
NEEDED_TOPICS = tuple(sorted(SNAPSHOT_TOPICS | {DELETED_TOPIC}))
RULES = SubscriptionRules(
    platform="WooCommerce",
    noun="webhook",
    removed="Someone deleted the webhook in WooCommerce (WooCommerce itself disables, never deletes)",
    stopped=(
        "WooCommerce never retries a failed delivery and disables the webhook after 5 consecutive "
        "failures (status disabled); an admin pauses one by hand (status paused)"
    ),
)
STATES = {
    "active": SubscriptionState.ACTIVE,
    "paused": SubscriptionState.PAUSED,
    "disabled": SubscriptionState.DISABLED,
}
MAX_PAGES = 50
"""A host that ignores `page` answers the same full page forever: stop believing it here."""
TIMEOUT_S = 5.0
CONNECT_TIMEOUT_S = 3.0
RETRY = RetryPolicy(max_attempts=2, base_delay_s=0.5, max_delay_s=2.0)


class WooCommerceSubscriptions:
    rules = RULES
    needed_topics = NEEDED_TOPICS

    def __init__(self, client: WooCommerceClient, site: str, secret: str) -> None:
        self._client = client
        self._site = site
        self._secret = secret

    def close(self) -> None:
        self._client.close()

    def listed(self) -> tuple[Subscription, ...]:
        found: list[Subscription] = []
        page = 1
        while True:
            params = {"per_page": str(MAX_PER_PAGE), "page": str(page)}
            rows = self._call("GET", WEBHOOKS_PATH, params)
            if not isinstance(rows, list):
                raise SubscriptionsUnavailable(f"{self._site}: webhooks: expected a JSON list")
            found.extend(self._subscription(row) for row in rows)
            if len(rows) < MAX_PER_PAGE:
                return tuple(found)
            if page >= MAX_PAGES:
                raise SubscriptionsUnavailable(f"{self._site}: webhooks: more than {MAX_PAGES} full pages")
            page += 1

    def apply(self, action: RepairAction) -> Subscription:
        if action.subscription_id is None:
            body = {
                "name": f"Orderline {action.topic}",
                "topic": action.topic,
                "delivery_url": action.address,
                "secret": self._secret,
                "status": "active",
            }
            return self._subscription(self._call("POST", WEBHOOKS_PATH, None, body))
        change: dict[str, str] = {}
        if action.activate:
            change["status"] = "active"
        if action.readdress:
            change["delivery_url"] = action.address
        path = f"{WEBHOOKS_PATH}/{action.subscription_id}"
        return self._subscription(self._call("PUT", path, None, change))

    def _call(self, method: str, path: str, params: dict[str, str] | None, body: Any = None) -> Any:
        try:
            return self._client.request(method, path, params, body)
        except WooCommerceApiError as error:
            raise SubscriptionsUnavailable(str(error)) from error

    def _subscription(self, row: Any) -> Subscription:
        if not isinstance(row, dict) or row.get("id") is None:
            raise SubscriptionsUnavailable(f"{self._site}: a webhook without an id")
        status = str(row.get("status"))
        return Subscription(
            subscription_id=str(row["id"]),
            topic=str(row.get("topic")),
            address=str(row.get("delivery_url") or ""),
            # An unknown status delivers nothing we can count on: read it as disabled.
            state=STATES.get(status, SubscriptionState.DISABLED),
        )


def store_subscriptions(store: StoreConfig) -> WooCommerceSubscriptions:
    site = settings_of(store, WooCommerceStoreConfig)
    settings = WooApiSettings(
        site_url=site.site_url,
        consumer_key=secret_of(site, "api_key"),
        consumer_secret=secret_of(site, "api_token"),
        api_base_url=site.api_base_url,
        timeout_s=TIMEOUT_S,
        connect_timeout_s=CONNECT_TIMEOUT_S,
        retry=RETRY,
    )
    return WooCommerceSubscriptions(
        WooCommerceClient(settings), site.site_url, site.webhook_secret_values()[0]
    )
