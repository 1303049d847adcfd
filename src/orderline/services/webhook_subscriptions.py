"""Webhook subscription health, read live from each store's platform API, and its repair:
what `orderline webhooks list|repair` and the webhook audit's subscription findings use.

Per store: list the subscriptions through the platform plugin's `subscriptions(store)`,
judge them (`domain/subscription_health.py`) against the topics Orderline maps and the
store's webhook address (`public_url` + `/webhooks/{platform}/{store_id}`), and, for a
repair, apply each action in turn. A store whose API refuses or cannot be reached becomes an
`unreadable` check with the reason; the other stores are still checked. A store without API
credentials, or any store while `public_url` is unset, is not checked (and says why).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from orderline.connectors.plugin import SubscriptionsUnavailable, WebhookSubscriptionApi
from orderline.domain.subscription_health import (
    RepairAction,
    StoreSubscriptions,
    Subscription,
    judge_subscriptions,
    unreadable,
)
from orderline.domain.webhook_audit import WebhookFinding
from orderline.logs import fields

__all__ = [
    "CheckStatus",
    "RepairReport",
    "RepairStep",
    "SubscribedStore",
    "SubscriptionCheck",
    "SubscriptionsNotCheckable",
    "UnknownSubscriptionStore",
    "WebhookSubscriptions",
]

log = logging.getLogger(__name__)
MAX_PARALLEL_STORES = 8


class UnknownSubscriptionStore(LookupError):
    """A store the configuration does not list."""


class SubscriptionsNotCheckable(ValueError):
    """The store cannot be checked: no API credentials, or no public_url to compare with."""


class CheckStatus(StrEnum):
    CHECKED = "checked"
    UNREADABLE = "unreadable"
    NOT_CHECKED = "not_checked"


@dataclass(frozen=True, slots=True)
class SubscribedStore:
    """A configured store as the subscription check sees it."""

    store_id: str
    platform: str
    address: str | None
    """Where its webhooks must go; None while public_url is unset."""
    open_api: Callable[[], WebhookSubscriptionApi] | None
    """A client of its subscriptions (closed after use); None when it cannot be checked."""
    not_checked: str | None = None
    """Why it cannot be checked."""


@dataclass(frozen=True, slots=True)
class SubscriptionCheck:
    store_id: str
    platform: str
    status: CheckStatus
    reason: str | None = None
    address: str | None = None
    noun: str = "subscription"
    needed_topics: tuple[str, ...] = ()
    listed: tuple[Subscription, ...] = ()
    findings: tuple[WebhookFinding, ...] = ()
    actions: tuple[RepairAction, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "store_id": self.store_id,
            "platform": self.platform,
            "status": self.status.value,
            "reason": self.reason,
            "address": self.address,
            "needed_topics": list(self.needed_topics),
            "subscriptions": [
                {"id": s.subscription_id, "topic": s.topic, "address": s.address, "state": s.state.value}
                for s in self.listed
            ],
            "actions": [_action_dict(a, self.noun) for a in self.actions],
        }


def _action_dict(action: RepairAction, noun: str) -> dict[str, Any]:
    return {
        "kind": action.kind.value,
        "topic": action.topic,
        "subscription_id": action.subscription_id,
        "address": action.address,
        "description": action.describe(noun),
    }


@dataclass(frozen=True, slots=True)
class RepairStep:
    action: RepairAction
    description: str
    done: bool
    error: str | None = None


@dataclass(frozen=True, slots=True)
class RepairReport:
    check: SubscriptionCheck
    dry_run: bool
    steps: tuple[RepairStep, ...]

    @property
    def is_complete(self) -> bool:
        """Nothing left to do: read, and every action done (a dry run does none)."""
        return self.check.status is CheckStatus.CHECKED and all(step.done for step in self.steps)

    def as_dict(self) -> dict[str, Any]:
        return {
            "store_id": self.check.store_id,
            "dry_run": self.dry_run,
            "complete": self.is_complete,
            "check": self.check.as_dict(),
            "steps": [
                {**_action_dict(s.action, self.check.noun), "done": s.done, "error": s.error}
                for s in self.steps
            ],
        }


@dataclass(frozen=True, slots=True)
class WebhookSubscriptions:
    stores: tuple[SubscribedStore, ...] = ()

    def check_all(self, store_id: str | None = None) -> tuple[SubscriptionCheck, ...]:
        """Every store's check (or `store_id`'s alone), in the configuration's order; never
        raises for a store's API. Stores are asked side by side: one slow API costs its own
        timeout, not everyone's."""
        chosen = self.stores if store_id is None else (self._store(store_id),)
        if len(chosen) <= 1:
            return tuple(self._check(store) for store in chosen)
        with ThreadPoolExecutor(min(len(chosen), MAX_PARALLEL_STORES)) as pool:
            return tuple(pool.map(self._check, chosen))

    def check(self, store_id: str) -> SubscriptionCheck:
        """One store's check; raises UnknownSubscriptionStore or SubscriptionsNotCheckable."""
        store = self._checkable(store_id)
        return self._check(store)

    def repair(self, store_id: str, *, dry_run: bool = False) -> RepairReport:
        """Apply each action the check found (none when `dry_run`), one after another: a
        refused action is recorded and the next is still tried."""
        store = self._checkable(store_id)
        assert store.open_api is not None
        with closing(store.open_api()) as api:
            check = self._judge(store, api)
            if check.status is not CheckStatus.CHECKED or dry_run:
                steps = tuple(RepairStep(a, a.describe(check.noun), False) for a in check.actions)
                return RepairReport(check, dry_run, steps)
            return RepairReport(
                check, dry_run, tuple(_apply(store, api, a, check.noun) for a in check.actions)
            )

    def _check(self, store: SubscribedStore) -> SubscriptionCheck:
        if store.open_api is None:
            return SubscriptionCheck(
                store.store_id, store.platform, CheckStatus.NOT_CHECKED, store.not_checked
            )
        try:
            with closing(store.open_api()) as api:
                return self._judge(store, api)
        except SubscriptionsUnavailable as error:
            return _unreadable(store, str(error))

    def _judge(self, store: SubscribedStore, api: WebhookSubscriptionApi) -> SubscriptionCheck:
        assert store.address is not None
        try:
            listed = api.listed()
        except SubscriptionsUnavailable as error:
            return _unreadable(store, str(error), api.rules.platform)
        judged = StoreSubscriptions(store.store_id, api.rules, api.needed_topics, store.address, listed)
        health = judge_subscriptions(judged)
        return SubscriptionCheck(
            store.store_id, store.platform, CheckStatus.CHECKED, None, store.address, api.rules.noun,
            api.needed_topics, listed, health.findings, health.actions,
        )  # fmt: skip

    def _store(self, store_id: str) -> SubscribedStore:
        for store in self.stores:
            if store.store_id == store_id:
                return store
        raise UnknownSubscriptionStore(f"no store {store_id!r} in the configuration")

    def _checkable(self, store_id: str) -> SubscribedStore:
        store = self._store(store_id)
        if store.open_api is None or store.address is None:
            raise SubscriptionsNotCheckable(f"store {store_id}: {store.not_checked}")
        return store


def _unreadable(store: SubscribedStore, reason: str, platform_name: str | None = None) -> SubscriptionCheck:
    # info, not warning: the finding carries it, and a command's output stays its report.
    log.info("webhook subscriptions unreadable", extra=fields(store=store.store_id, platform=store.platform))
    finding = unreadable(store.store_id, platform_name or store.platform, reason)
    return SubscriptionCheck(
        store.store_id, store.platform, CheckStatus.UNREADABLE, reason, store.address, findings=(finding,)
    )


def _apply(
    store: SubscribedStore, api: WebhookSubscriptionApi, action: RepairAction, noun: str
) -> RepairStep:
    description = action.describe(noun)
    try:
        api.apply(action)
    except SubscriptionsUnavailable as error:
        log.info(
            "webhook subscription repair failed",
            extra=fields(store=store.store_id, action=action.kind.value, topic=action.topic),
        )
        return RepairStep(action, description, False, str(error))
    log.info(
        "webhook subscription repaired",
        extra=fields(store=store.store_id, action=action.kind.value, topic=action.topic),
    )
    return RepairStep(action, description, True)
