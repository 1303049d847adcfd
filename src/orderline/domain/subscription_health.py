"""Webhook subscription health: what a store's platform says it will deliver, judged against
what Orderline needs.

In: the topics Orderline needs from the store, the address they must go to (Orderline's
public webhook URL for the store) and the subscriptions the platform's API lists. Out: a
finding per fault, each with a recommendation that names the platform's own removal rule,
and the repair actions that would make the store whole (create, re-activate, re-address).

Faults, one finding each (a subscription both inactive and mis-addressed is two):

- **missing**: no subscription for a needed topic. Shopify deletes a shop-specific
  subscription after 8 failed tries over 4 hours; a merchant may delete one by hand.
- **disabled**: WooCommerce set `status: disabled` after consecutive failed deliveries.
- **paused**: a WooCommerce admin set `status: paused`.
- **inactive**: BigCommerce set `is_active: false` after 48 hours of failures or 90 days
  without events.
- **wrong address**: the subscription delivers somewhere other than Orderline.

A topic with a healthy subscription (active, at the address) is healthy whatever else is
listed for it; extra subscriptions for other topics or addresses are not Orderline's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from orderline.domain.webhook_audit import WebhookFinding, WebhookFindingKind


class SubscriptionState(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    """Stopped by a person (WooCommerce `paused`)."""
    DISABLED = "disabled"
    """Stopped by the platform after failures (WooCommerce `disabled`)."""
    INACTIVE = "inactive"
    """Stopped by the platform (BigCommerce `is_active: false`)."""


@dataclass(frozen=True, slots=True)
class Subscription:
    """One webhook subscription as the platform's API lists it, in Orderline's words."""

    subscription_id: str
    topic: str
    """The platform's topic as webhooks carry it (`orders/create`, `order.updated`, `store/order/*`)."""
    address: str
    state: SubscriptionState


@dataclass(frozen=True, slots=True)
class SubscriptionRules:
    """How a platform removes or stops a subscription, as sentences for recommendations."""

    platform: str
    noun: str
    """What the platform calls one ("webhook subscription", "webhook", "hook")."""
    removed: str
    """Why one may be gone."""
    stopped: str
    """Why one may be inactive, disabled or paused (states this platform has)."""


class RepairKind(StrEnum):
    CREATE = "create"
    REACTIVATE = "reactivate"
    READDRESS = "readdress"
    REACTIVATE_AND_READDRESS = "reactivate_and_readdress"


@dataclass(frozen=True, slots=True)
class RepairAction:
    """One call that makes a needed topic healthy: create its subscription, or update one."""

    topic: str
    address: str
    subscription_id: str | None = None
    """None: create one."""
    activate: bool = False
    readdress: bool = False

    @property
    def kind(self) -> RepairKind:
        if self.subscription_id is None:
            return RepairKind.CREATE
        if self.activate and self.readdress:
            return RepairKind.REACTIVATE_AND_READDRESS
        return RepairKind.REACTIVATE if self.activate else RepairKind.READDRESS

    def describe(self, noun: str) -> str:
        if self.subscription_id is None:
            return f"create a {noun} for {self.topic} delivering to {self.address}"
        what = {
            RepairKind.REACTIVATE: "re-activate",
            RepairKind.READDRESS: f"point at {self.address}",
            RepairKind.REACTIVATE_AND_READDRESS: f"re-activate and point at {self.address}",
        }[self.kind]
        return f"{what}: {noun} {self.subscription_id} ({self.topic})"


@dataclass(frozen=True, slots=True)
class SubscriptionHealth:
    store_id: str
    findings: tuple[WebhookFinding, ...]
    actions: tuple[RepairAction, ...]

    @property
    def is_healthy(self) -> bool:
        return not self.findings


@dataclass(frozen=True, slots=True)
class StoreSubscriptions:
    """What the judgement needs of one store."""

    store_id: str
    rules: SubscriptionRules
    needed_topics: tuple[str, ...]
    address: str
    listed: tuple[Subscription, ...]


_STATE_KIND = {
    SubscriptionState.PAUSED: WebhookFindingKind.SUBSCRIPTION_PAUSED,
    SubscriptionState.DISABLED: WebhookFindingKind.SUBSCRIPTION_DISABLED,
    SubscriptionState.INACTIVE: WebhookFindingKind.SUBSCRIPTION_INACTIVE,
}


def judge_subscriptions(store: StoreSubscriptions) -> SubscriptionHealth:
    """Per needed topic (in the order given): its findings and the one action that heals it."""
    findings: list[WebhookFinding] = []
    actions: list[RepairAction] = []
    for topic in store.needed_topics:
        candidates = [s for s in store.listed if s.topic == topic]
        found, action = _judge_topic(store, topic, candidates)
        findings.extend(found)
        if action is not None:
            actions.append(action)
    return SubscriptionHealth(store.store_id, tuple(findings), tuple(actions))


def _judge_topic(
    store: StoreSubscriptions, topic: str, candidates: Sequence[Subscription]
) -> tuple[list[WebhookFinding], RepairAction | None]:
    if not candidates:
        return [_missing(store, topic)], RepairAction(topic, store.address)
    best = min(candidates, key=lambda s: _badness(s, store.address))
    at_address = same_address(best.address, store.address)
    is_active = best.state is SubscriptionState.ACTIVE
    if at_address and is_active:
        return [], None
    found = []
    if not is_active:
        found.append(_stopped(store, best))
    if not at_address:
        found.append(_misaddressed(store, best))
    action = RepairAction(
        topic, store.address, best.subscription_id, activate=not is_active, readdress=not at_address
    )
    return found, action


def _badness(subscription: Subscription, address: str) -> tuple[int, int, str]:
    """Healthy first; then at the address (one call re-activates it); then active elsewhere."""
    return (
        0 if same_address(subscription.address, address) else 1,
        0 if subscription.state is SubscriptionState.ACTIVE else 1,
        subscription.subscription_id,
    )


def same_address(listed: str, expected: str) -> bool:
    """The platform may echo the URL with or without a trailing slash."""
    return listed.strip().rstrip("/") == expected.strip().rstrip("/")


def _missing(store: StoreSubscriptions, topic: str) -> WebhookFinding:
    rules = store.rules
    detail = f"no {rules.noun} for {topic}: {rules.platform} delivers none of these events to Orderline"
    advice = (
        f"{rules.removed}. Create it again (`orderline webhooks repair --store {store.store_id}`), then "
        f"reconcile the store for the time it was gone (`orderline reconcile --store {store.store_id} "
        "--since <when it went>`): what happened meanwhile was never delivered."
    )
    return WebhookFinding(store.store_id, topic, WebhookFindingKind.SUBSCRIPTION_MISSING, detail, advice)


def _stopped(store: StoreSubscriptions, subscription: Subscription) -> WebhookFinding:
    rules = store.rules
    detail = (
        f"{rules.noun} {subscription.subscription_id} is {subscription.state.value}: nothing is delivered"
    )
    advice = (
        f"{rules.stopped}. Re-activate it (`orderline webhooks repair --store {store.store_id}`) once "
        "Orderline answers webhooks again (GET /readyz), then reconcile the store for the time it was off "
        f"(`orderline reconcile --store {store.store_id} --since <when it stopped>`)."
    )
    kind = _STATE_KIND[subscription.state]
    return WebhookFinding(store.store_id, subscription.topic, kind, detail, advice)


def _misaddressed(store: StoreSubscriptions, subscription: Subscription) -> WebhookFinding:
    rules = store.rules
    detail = (
        f"{rules.noun} {subscription.subscription_id} delivers to {subscription.address}, "
        f"not to {store.address}"
    )
    advice = (
        f"{rules.platform} sends these events elsewhere, so Orderline never hears of them. Point it at "
        f"Orderline (`orderline webhooks repair --store {store.store_id}`); if the address is right and "
        "the configuration's public_url is not, correct public_url instead."
    )
    kind = WebhookFindingKind.SUBSCRIPTION_WRONG_ADDRESS
    return WebhookFinding(store.store_id, subscription.topic, kind, detail, advice)


def unreadable(store_id: str, platform: str, reason: str) -> WebhookFinding:
    """A store whose subscriptions could not be read: a finding, never a crash."""
    detail = f"could not read subscriptions: {reason}"
    advice = (
        f"Check the store's API credentials and api_base_url and that {platform}'s API is reachable; "
        "this store's subscription health is unknown until then."
    )
    return WebhookFinding(store_id, None, WebhookFindingKind.SUBSCRIPTIONS_UNREADABLE, detail, advice)


def webhook_address(public_url: str, platform: str, store_id: str) -> str:
    """Where a store's webhooks must go: Orderline's `POST /webhooks/{platform}/{store_id}`."""
    return f"{public_url.rstrip('/')}/webhooks/{platform}/{store_id}"
