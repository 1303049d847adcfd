"""Webhook subscription health: needed topics, the address and the listed subscriptions in,
one finding per fault and one repair action per unhealthy topic out
(domain/subscription_health.py)."""

from __future__ import annotations

from orderline.domain.subscription_health import (
    RepairAction,
    RepairKind,
    StoreSubscriptions,
    Subscription,
    SubscriptionRules,
    SubscriptionState,
    judge_subscriptions,
    same_address,
    unreadable,
    webhook_address,
)
from orderline.domain.webhook_audit import WebhookFindingKind

ADDRESS = "https://orderline.example.com/webhooks/woocommerce/woo1"
ELSEWHERE = "https://old-host.example.com/hooks"
RULES = SubscriptionRules(
    platform="WooCommerce", noun="webhook", removed="Someone deleted it", stopped="WooCommerce disables"
)
ACTIVE, PAUSED, DISABLED, INACTIVE = (
    SubscriptionState.ACTIVE,
    SubscriptionState.PAUSED,
    SubscriptionState.DISABLED,
    SubscriptionState.INACTIVE,
)


def store(
    *listed: Subscription, topics: tuple[str, ...] = ("order.created", "order.updated")
) -> StoreSubscriptions:
    return StoreSubscriptions("woo1", RULES, topics, ADDRESS, listed)


def sub(
    subscription_id: str, topic: str, state: SubscriptionState = ACTIVE, address: str = ADDRESS
) -> Subscription:
    return Subscription(subscription_id, topic, address, state)


def kinds(health_store: StoreSubscriptions) -> list[tuple[str | None, WebhookFindingKind]]:
    return [(f.topic, f.kind) for f in judge_subscriptions(health_store).findings]


def test_every_needed_topic_active_at_the_address_is_healthy_with_nothing_to_do() -> None:
    # The platform may echo the address with a trailing slash.
    health = judge_subscriptions(
        store(sub("1", "order.created"), sub("2", "order.updated", address=ADDRESS + "/"))
    )

    assert (health.is_healthy, health.findings, health.actions) == (True, (), ())


def test_a_missing_topic_is_one_finding_and_a_create_action() -> None:
    health = judge_subscriptions(store(sub("1", "order.created")))

    [finding] = health.findings
    assert (finding.store_id, finding.topic, finding.kind) == (
        "woo1",
        "order.updated",
        WebhookFindingKind.SUBSCRIPTION_MISSING,
    )
    assert finding.recommendation.startswith(
        "Someone deleted it. Create it again (`orderline webhooks repair --store woo1`)"
    )
    assert health.actions == (RepairAction("order.updated", ADDRESS),)
    assert health.actions[0].kind is RepairKind.CREATE


def test_each_stopped_state_is_its_own_kind_and_is_reactivated() -> None:
    topics = ("a.one", "b.two", "c.three")
    health = judge_subscriptions(
        store(
            sub("1", "a.one", PAUSED),
            sub("2", "b.two", DISABLED),
            sub("3", "c.three", INACTIVE),
            topics=topics,
        )
    )

    assert [(f.topic, f.kind) for f in health.findings] == [
        ("a.one", WebhookFindingKind.SUBSCRIPTION_PAUSED),
        ("b.two", WebhookFindingKind.SUBSCRIPTION_DISABLED),
        ("c.three", WebhookFindingKind.SUBSCRIPTION_INACTIVE),
    ]
    assert [(a.subscription_id, a.kind) for a in health.actions] == [
        ("1", RepairKind.REACTIVATE),
        ("2", RepairKind.REACTIVATE),
        ("3", RepairKind.REACTIVATE),
    ]
    assert health.findings[1].detail == "webhook 2 is disabled: nothing is delivered"
    assert "WooCommerce disables. Re-activate it" in health.findings[1].recommendation


def test_a_wrong_address_is_one_finding_and_a_readdress_action() -> None:
    health = judge_subscriptions(
        store(sub("1", "order.created", address=ELSEWHERE), sub("2", "order.updated"))
    )

    [finding] = health.findings
    assert finding.kind is WebhookFindingKind.SUBSCRIPTION_WRONG_ADDRESS
    assert finding.detail == f"webhook 1 delivers to {ELSEWHERE}, not to {ADDRESS}"
    assert health.actions == (RepairAction("order.created", ADDRESS, "1", readdress=True),)
    assert health.actions[0].describe("webhook") == f"point at {ADDRESS}: webhook 1 (order.created)"


def test_a_stopped_subscription_at_another_address_is_two_faults_healed_by_one_call() -> None:
    health = judge_subscriptions(
        store(sub("1", "order.created", DISABLED, ELSEWHERE), sub("2", "order.updated"))
    )

    assert [f.kind for f in health.findings] == [
        WebhookFindingKind.SUBSCRIPTION_DISABLED,
        WebhookFindingKind.SUBSCRIPTION_WRONG_ADDRESS,
    ]
    [action] = health.actions
    assert (action.kind, action.activate, action.readdress) == (
        RepairKind.REACTIVATE_AND_READDRESS,
        True,
        True,
    )


def test_a_healthy_subscription_outweighs_broken_ones_for_the_same_topic() -> None:
    listed = (
        sub("1", "order.created", DISABLED),
        sub("2", "order.created", address=ELSEWHERE),
        sub("3", "order.created"),
        sub("4", "order.updated"),
    )

    assert judge_subscriptions(store(*listed)).findings == ()


def test_a_stopped_subscription_at_the_address_is_preferred_over_an_active_one_elsewhere() -> None:
    health = judge_subscriptions(
        store(
            sub("7", "order.created", address=ELSEWHERE),
            sub("3", "order.created", PAUSED),
            sub("4", "order.updated"),
        )
    )

    assert [(f.kind, f.detail) for f in health.findings] == [
        (WebhookFindingKind.SUBSCRIPTION_PAUSED, "webhook 3 is paused: nothing is delivered")
    ]
    assert health.actions == (RepairAction("order.created", ADDRESS, "3", activate=True),)


def test_subscriptions_for_topics_orderline_does_not_need_are_not_judged() -> None:
    health = judge_subscriptions(
        store(
            sub("1", "order.created"),
            sub("2", "order.updated"),
            sub("3", "product.updated", DISABLED, ELSEWHERE),
        )
    )

    assert health.findings == ()


def test_an_unreadable_store_is_a_finding_naming_the_reason() -> None:
    finding = unreadable("bc1", "BigCommerce", "HTTP 401")

    assert (finding.kind, finding.topic, finding.detail) == (
        WebhookFindingKind.SUBSCRIPTIONS_UNREADABLE,
        None,
        "could not read subscriptions: HTTP 401",
    )
    assert "BigCommerce's API is reachable" in finding.recommendation


def test_the_address_is_the_platform_and_store_webhook_path_under_the_public_url() -> None:
    assert (
        webhook_address("https://ol.example.com/", "shopify", "shop1")
        == "https://ol.example.com/webhooks/shopify/shop1"
    )
    assert same_address("https://a.example/x/", "https://a.example/x")
    assert not same_address("https://a.example/x", "https://a.example/y")
