"""A store's BigCommerce hooks through the REST API: list, create, re-activate, re-address.

`GET /v3/hooks` (`{data: [...], meta: {pagination}}`, paged) lists each hook's `id`, `scope`,
`destination` and `is_active`. BigCommerce sets `is_active: false` after 48 hours of failed
deliveries or 90 days without events; `PUT /v3/hooks/{id}` with `is_active: true` (and the
`destination`) turns it back on. `POST /v3/hooks` creates one, with Orderline's shared-secret
header (`signature.SHARED_SECRET_HEADER`), which BigCommerce sends with every callback.
Hooks are only visible to the API token that created them.

Orderline subscribes to the wildcard scopes `store/order/*` and `store/shipment/*`: thin
bodies carry ids only and every order delivery re-reads the order.
"""

from __future__ import annotations

import time
from typing import Any

import httpx

from orderline.config.platforms import StoreConfig
from orderline.config.platforms.bigcommerce import BigCommerceStoreConfig
from orderline.connectors.bigcommerce.limiter import RateQuota
from orderline.connectors.bigcommerce.rest import ApiSettings, FetchFailed, NotFound, RestApi, RetryPolicy
from orderline.connectors.bigcommerce.signature import SHARED_SECRET_HEADER
from orderline.connectors.plugin import SubscriptionsUnavailable, secret_of, settings_of
from orderline.domain.subscription_health import (
    RepairAction,
    Subscription,
    SubscriptionRules,
    SubscriptionState,
)

HOOKS_PATH = "/v3/hooks"
NEEDED_TOPICS = ("store/order/*", "store/shipment/*")
RULES = SubscriptionRules(
    platform="BigCommerce",
    noun="hook",
    removed=(
        "BigCommerce deletes hooks when the app is uninstalled or its API account removed, and "
        "hooks created with another API token are not visible to this one"
    ),
    stopped=(
        "BigCommerce deactivates a hook (is_active false) after 48 hours of failed deliveries, "
        "or after 90 days without events"
    ),
)
PAGE_LIMIT = 250
MAX_PAGES = 40
"""At most 10 hooks per scope exist; a listing longer than this is not believed."""
TIMEOUT_S = 5.0
CONNECT_TIMEOUT_S = 3.0
RETRY = RetryPolicy(max_attempts=2, base_delay_s=0.5, max_delay_s=2.0)


class BigCommerceSubscriptions:
    rules = RULES
    needed_topics = NEEDED_TOPICS

    def __init__(
        self, settings: ApiSettings, secret: str, *, http: httpx.BaseTransport | None = None
    ) -> None:
        self._store_hash = settings.store_hash
        self._secret = secret
        self._http = httpx.Client(transport=http)
        self._api = RestApi(settings, self._http, time.sleep, time.monotonic)

    def close(self) -> None:
        self._http.close()

    def listed(self) -> tuple[Subscription, ...]:
        found: list[Subscription] = []
        page = 1
        while True:
            body = self._call("GET", HOOKS_PATH, {"page": page, "limit": PAGE_LIMIT})
            rows = body.get("data") if isinstance(body, dict) else None
            if body is None:
                return tuple(found)
            if not isinstance(rows, list):
                raise SubscriptionsUnavailable(f"store {self._store_hash}: hooks: no data list")
            found.extend(self._subscription(row) for row in rows)
            if page >= _total_pages(body) or not rows or page >= MAX_PAGES:
                return tuple(found)
            page += 1

    def apply(self, action: RepairAction) -> Subscription:
        if action.subscription_id is None:
            hook = {
                "scope": action.topic,
                "destination": action.address,
                "is_active": True,
                "headers": {SHARED_SECRET_HEADER: self._secret},
            }
            return self._subscription(_data(self._call("POST", HOOKS_PATH, None, hook)))
        change: dict[str, Any] = {}
        if action.activate:
            change["is_active"] = True
        if action.readdress:
            change["destination"] = action.address
        path = f"{HOOKS_PATH}/{action.subscription_id}"
        return self._subscription(_data(self._call("PUT", path, None, change)))

    def _call(self, method: str, path: str, params: dict[str, str | int] | None, body: Any = None) -> Any:
        try:
            return self._api.send(method, path, params, body)
        except (FetchFailed, NotFound) as error:
            raise SubscriptionsUnavailable(str(error) or f"{method} {path}: not found") from error

    def _subscription(self, row: Any) -> Subscription:
        if not isinstance(row, dict) or row.get("id") is None:
            raise SubscriptionsUnavailable(f"store {self._store_hash}: a hook without an id")
        return Subscription(
            subscription_id=str(row["id"]),
            topic=str(row.get("scope")),
            address=str(row.get("destination") or ""),
            state=SubscriptionState.ACTIVE if row.get("is_active") is True else SubscriptionState.INACTIVE,
        )


def _total_pages(body: dict[str, Any]) -> int:
    """`meta.pagination.total_pages`; 1 when it is missing or unreadable."""
    meta = body.get("meta")
    pagination = meta.get("pagination") if isinstance(meta, dict) else None
    total = pagination.get("total_pages") if isinstance(pagination, dict) else None
    return total if isinstance(total, int) and total > 0 else 1


def _data(body: Any) -> Any:
    return body.get("data") if isinstance(body, dict) else None


def store_subscriptions(store: StoreConfig) -> BigCommerceSubscriptions:
    bigcommerce = settings_of(store, BigCommerceStoreConfig)
    settings = ApiSettings(
        bigcommerce.store_hash,
        secret_of(bigcommerce, "api_token"),
        bigcommerce.api_base_url,
        timeout_s=TIMEOUT_S,
        connect_timeout_s=CONNECT_TIMEOUT_S,
        retry=RETRY,
        quota=RateQuota(requests=bigcommerce.api_requests_per_30s),
    )
    return BigCommerceSubscriptions(settings, bigcommerce.webhook_secret_values()[0])
