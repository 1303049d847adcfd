"""A shop's webhook subscriptions through the GraphQL Admin API: list, create, re-address.

`webhookSubscriptions(first, after)` pages through the shop-specific subscriptions of our
app (app-specific ones from `shopify.app.toml` are not listed, and Shopify never removes
them); `webhookSubscriptionCreate(topic, webhookSubscription: {callbackUrl, format})`
creates one and `webhookSubscriptionUpdate(id, webhookSubscription)` points one elsewhere.
Shopify has no disabled state: after 8 failed tries over 4 hours it deletes a shop-specific
subscription, so a subscription listed is active and a bad one is simply missing.

Topics travel as the GraphQL enum (`ORDERS_CREATE`); Orderline speaks the webhook header's
form (`orders/create`), which is what the connector maps.
"""

from __future__ import annotations

import time
from typing import Any

import httpx

from orderline.config.platforms import StoreConfig
from orderline.config.platforms.shopify import ShopifyStoreConfig
from orderline.connectors.plugin import SubscriptionsUnavailable, secret_of, settings_of
from orderline.connectors.shopify.graphql import (
    AdminApiSettings,
    GraphQLEndpoint,
    RetryPolicy,
    ShopifyApiError,
)
from orderline.connectors.shopify.mapping import FULFILLMENT_TOPICS, HOLD_TOPICS, ORDER_TOPICS, REFUND_TOPICS
from orderline.connectors.shopify.risk import RISK_TOPIC
from orderline.domain.subscription_health import (
    RepairAction,
    Subscription,
    SubscriptionRules,
    SubscriptionState,
)

NEEDED_TOPICS = tuple(sorted(ORDER_TOPICS | FULFILLMENT_TOPICS | REFUND_TOPICS | HOLD_TOPICS | {RISK_TOPIC}))
"""Every topic the connector maps (orders/delete is stored but not mapped yet)."""

RULES = SubscriptionRules(
    platform="Shopify",
    noun="webhook subscription",
    removed=(
        "Shopify deletes a shop-specific webhook subscription after 8 failed tries over 4 hours "
        "(a merchant may also delete one in the admin)"
    ),
    stopped="Shopify has no inactive subscriptions; a failing one is deleted",
)
PAGE_SIZE = 100
MAX_LISTED = 5000
"""More subscriptions than this is not a listing we believe (a cursor that never ends)."""
TIMEOUT_S = 5.0
CONNECT_TIMEOUT_S = 3.0
RETRY = RetryPolicy(max_attempts=2, base_delay_s=0.5, max_delay_s=2.0)
"""Short: the audit waits on it, and a shop that does not answer is a finding, not a hang."""

_FIELDS = "id topic endpoint { __typename ... on WebhookHttpEndpoint { callbackUrl } }"
LIST = f"""
query WebhookSubscriptions($first: Int!, $after: String) {{
  webhookSubscriptions(first: $first, after: $after) {{
    nodes {{ {_FIELDS} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}
"""
CREATE = f"""
mutation WebhookSubscriptionCreate($topic: WebhookSubscriptionTopic!,
    $webhookSubscription: WebhookSubscriptionInput!) {{
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $webhookSubscription) {{
    webhookSubscription {{ {_FIELDS} }}
    userErrors {{ field message }}
  }}
}}
"""
UPDATE = f"""
mutation WebhookSubscriptionUpdate($id: ID!, $webhookSubscription: WebhookSubscriptionInput!) {{
  webhookSubscriptionUpdate(id: $id, webhookSubscription: $webhookSubscription) {{
    webhookSubscription {{ {_FIELDS} }}
    userErrors {{ field message }}
  }}
}}
"""


def enum_topic(topic: str) -> str:
    """`orders/create` -> `ORDERS_CREATE` (the WebhookSubscriptionTopic enum)."""
    return topic.replace("/", "_").upper()


class ShopifySubscriptions:
    rules = RULES
    needed_topics = NEEDED_TOPICS

    def __init__(self, settings: AdminApiSettings, *, http: httpx.BaseTransport | None = None) -> None:
        self._shop = settings.shop_domain
        self._http = httpx.Client(transport=http)
        self._endpoint = GraphQLEndpoint(settings, self._http, time.sleep)
        self._topics = {enum_topic(topic): topic for topic in NEEDED_TOPICS}

    def close(self) -> None:
        self._http.close()

    def listed(self) -> tuple[Subscription, ...]:
        found: list[Subscription] = []
        after: str | None = None
        while True:
            data = self._query(LIST, {"first": PAGE_SIZE, "after": after})
            connection = data.get("webhookSubscriptions")
            if not isinstance(connection, dict) or not isinstance(connection.get("nodes"), list):
                raise SubscriptionsUnavailable(f"{self._shop}: webhookSubscriptions has no nodes")
            found.extend(self._subscription(node) for node in connection["nodes"])
            page = connection.get("pageInfo") or {}
            if not page.get("hasNextPage"):
                return tuple(found)
            if not isinstance(page.get("endCursor"), str) or len(found) >= MAX_LISTED:
                raise SubscriptionsUnavailable(f"{self._shop}: webhookSubscriptions pages do not end")
            after = page["endCursor"]

    def apply(self, action: RepairAction) -> Subscription:
        """Shopify has nothing to re-activate: a subscription is created or pointed elsewhere."""
        subscription = {"callbackUrl": action.address, "format": "JSON"}
        if action.subscription_id is None:
            variables = {"topic": enum_topic(action.topic), "webhookSubscription": subscription}
            return self._mutate(CREATE, "webhookSubscriptionCreate", variables)
        variables = {"id": action.subscription_id, "webhookSubscription": subscription}
        return self._mutate(UPDATE, "webhookSubscriptionUpdate", variables)

    def _mutate(self, document: str, name: str, variables: dict[str, Any]) -> Subscription:
        payload = self._query(document, variables).get(name)
        if not isinstance(payload, dict):
            raise SubscriptionsUnavailable(f"{self._shop}: {name} returned nothing")
        errors = payload.get("userErrors") or []
        if errors:
            messages = "; ".join(str(e.get("message")) for e in errors if isinstance(e, dict))
            raise SubscriptionsUnavailable(f"{self._shop}: {name} refused: {messages}")
        return self._subscription(payload.get("webhookSubscription"))

    def _query(self, document: str, variables: dict[str, Any]) -> dict[str, Any]:
        try:
            return self._endpoint.query(document, variables)
        except ShopifyApiError as error:
            raise SubscriptionsUnavailable(str(error)) from error

    def _subscription(self, node: Any) -> Subscription:
        if not isinstance(node, dict) or not isinstance(node.get("id"), str):
            raise SubscriptionsUnavailable(f"{self._shop}: a webhook subscription without an id")
        endpoint = node.get("endpoint") if isinstance(node.get("endpoint"), dict) else {}
        address = endpoint.get("callbackUrl") if isinstance(endpoint, dict) else None
        topic = str(node.get("topic"))
        return Subscription(
            subscription_id=node["id"],
            topic=self._topics.get(topic, topic.lower()),
            # Pub/Sub and EventBridge endpoints have no URL: never Orderline's address.
            address=address if isinstance(address, str) else str((endpoint or {}).get("__typename", "")),
            state=SubscriptionState.ACTIVE,
        )


def store_subscriptions(store: StoreConfig) -> ShopifySubscriptions:
    shop = settings_of(store, ShopifyStoreConfig)
    settings = AdminApiSettings(
        shop_domain=shop.shop_domain,
        access_token=secret_of(shop, "api_token"),
        api_base_url=shop.api_base_url,
        timeout_s=TIMEOUT_S,
        connect_timeout_s=CONNECT_TIMEOUT_S,
        retry=RETRY,
    )
    return ShopifySubscriptions(settings)
