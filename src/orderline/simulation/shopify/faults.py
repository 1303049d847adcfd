"""delivery_faults: a history as Shopify may actually deliver it.

Shopify retries failed deliveries with the original payload for hours, sends one
delivery per subscription, and guarantees no ordering (reference §1.2). This
replays a history with those faults, never dropping a webhook:

- duplicates: some webhooks arrive twice (same X-Shopify-Webhook-Id);
- stale retries: an older orders/updated arrives again after everything newer;
- reordering: each delivery may overtake a few of the ones triggered before it.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from orderline.simulation.shopify.webhook import ShopifyWebhook

DUPLICATE_SHARE = 0.15
MAX_STALE_RETRIES = 2


def delivery_faults(rng: random.Random, history: Sequence[ShopifyWebhook]) -> list[ShopifyWebhook]:
    """Every webhook of `history` at least once, with duplicates, late stale retries and reordering."""
    window = rng.choice((2.0, 4.0, 8.0))
    keyed: list[tuple[float, int, ShopifyWebhook]] = []
    for index, webhook in enumerate(history):
        keyed.append((index + rng.uniform(0, window), len(keyed), webhook))
        if rng.random() < DUPLICATE_SHARE:
            keyed.append((index + rng.uniform(0, 2 * window), len(keyed), webhook))
    end = len(history) + window
    for webhook in _stale_candidates(rng, history):
        keyed.append((end + rng.uniform(0, window), len(keyed), webhook))
    keyed.sort()
    return [webhook for _, _, webhook in keyed]


def _stale_candidates(rng: random.Random, history: Sequence[ShopifyWebhook]) -> list[ShopifyWebhook]:
    """Some orders/updated deliveries that are not the newest one."""
    updates = [w for w in history if w.topic == "orders/updated"][:-1]
    if not updates:
        return []
    return rng.sample(updates, min(len(updates), rng.randint(1, MAX_STALE_RETRIES)))
