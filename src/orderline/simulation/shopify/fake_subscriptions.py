"""A shop's webhook subscriptions for the fake Admin GraphQL API (`fake_admin.FakeAdminApi`).

Answers, in the shapes of the GraphQL Admin API (API 2025-01):
`webhookSubscriptions(first, after) { nodes { id topic endpoint { __typename
... on WebhookHttpEndpoint { callbackUrl } } } pageInfo { hasNextPage endCursor } }`,
`webhookSubscriptionCreate(topic, webhookSubscription: {callbackUrl, format})` and
`webhookSubscriptionUpdate(id, webhookSubscription)`, each mutation with `userErrors`
(an address that is not HTTPS, an address already taken for the topic, an unknown id).
Topics are kept as the `WebhookSubscriptionTopic` enum (`ORDERS_CREATE`). Shopify has no
inactive subscription: its fault is deletion (`book.delete(topic)`), after 8 failed tries.
"""

from __future__ import annotations

from typing import Any

from orderline.simulation.subscription_book import BookedSubscription, SubscriptionBook

Json = dict[str, Any]
GID = "gid://shopify/WebhookSubscription/"
MAX_FIRST = 250


class FakeShopifySubscriptions:
    def __init__(self) -> None:
        self.book = SubscriptionBook()

    def answer(self, document: str, variables: Json) -> Json:
        """The `data` of a webhook subscription query or mutation."""
        if "webhookSubscriptionCreate(" in document:
            return {"webhookSubscriptionCreate": self._create(variables)}
        if "webhookSubscriptionUpdate(" in document:
            return {"webhookSubscriptionUpdate": self._update(variables)}
        return {"webhookSubscriptions": self._list(variables)}

    def _list(self, variables: Json) -> Json:
        first = min(int(variables.get("first") or MAX_FIRST), MAX_FIRST)
        after = variables.get("after")
        entries = [e for e in self.book.listed() if after is None or e.subscription_id > int(str(after))]
        chunk = entries[:first]
        has_next = len(entries) > first
        end = str(chunk[-1].subscription_id) if chunk else None
        return {"nodes": [_node(e) for e in chunk], "pageInfo": {"hasNextPage": has_next, "endCursor": end}}

    def _create(self, variables: Json) -> Json:
        topic = str(variables.get("topic") or "")
        url = _callback_url(variables)
        problem = _url_problem(url)
        if problem is None and any(e.topic == topic and e.address == url for e in self.book.listed()):
            problem = "Address for this topic has already been taken"
        if problem is not None:
            return {
                "webhookSubscription": None,
                "userErrors": [{"field": ["webhookSubscription"], "message": problem}],
            }
        subscription_id = self.book.add(topic, str(url))
        return {"webhookSubscription": _node(self.book.entries[subscription_id]), "userErrors": []}

    def _update(self, variables: Json) -> Json:
        tail = str(variables.get("id") or "").removeprefix(GID)
        url = _callback_url(variables)
        problem = _url_problem(url)
        if problem is not None:
            return {
                "webhookSubscription": None,
                "userErrors": [{"field": ["webhookSubscription"], "message": problem}],
            }
        if not tail.isdigit() or not self.book.update(int(tail), address=str(url)):
            errors = [{"field": ["id"], "message": "Webhook subscription does not exist"}]
            return {"webhookSubscription": None, "userErrors": errors}
        return {"webhookSubscription": _node(self.book.entries[int(tail)]), "userErrors": []}


def gid(subscription_id: int) -> str:
    return f"{GID}{subscription_id}"


def _node(entry: BookedSubscription) -> Json:
    endpoint = {"__typename": "WebhookHttpEndpoint", "callbackUrl": entry.address}
    return {"id": gid(entry.subscription_id), "topic": entry.topic, "endpoint": endpoint}


def _callback_url(variables: Json) -> Any:
    subscription = variables.get("webhookSubscription")
    return subscription.get("callbackUrl") if isinstance(subscription, dict) else None


def _url_problem(url: Any) -> str | None:
    if not isinstance(url, str) or not url:
        return "Address can't be blank"
    if not url.startswith("https://"):
        return f"Address protocol {url.split(':', 1)[0]}:// is not supported"
    return None
