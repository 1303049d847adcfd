"""coalesce: a history as WooCommerce actually delivers it (reference §2.2).

WooCommerce queues at most one delivery per (webhook, order) at a time and builds its
body when the job runs, so quick changes arrive as one delivery showing only the
latest state: intermediate states are lost. The last state is always delivered (its
job runs after the last change). It does not retry a failed delivery, promises no
order, and the same hook firing in several requests can deliver a state twice.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from orderline.simulation.woocommerce.webhook import WooWebhook

DUPLICATE_SHARE = 0.1


def coalesce(rng: random.Random, history: Sequence[WooWebhook]) -> list[WooWebhook]:
    """Some states of `history`, always its last one, with occasional duplicates, shuffled."""
    if not history:
        return []
    keep_share = rng.choice((0.0, 0.25, 0.5, 0.8, 1.0))
    kept = [webhook for webhook in history[:-1] if rng.random() < keep_share]
    kept.append(history[-1])
    delivered = list(kept)
    for webhook in kept:
        if rng.random() < DUPLICATE_SHARE:
            delivered.append(webhook)
    rng.shuffle(delivered)
    return delivered
