"""Support tickets for simulated orders, as a helpdesk's CSV export: a few buyers write in a
day or more after ordering (where is my order, damaged, refunds, changes), and some tickets
name no order at all. Deterministic per seed; used by the demo so its scorecard has tickets.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Sequence
from datetime import datetime, timedelta

SUBJECTS = (
    "Where is my order {ref}?",
    "Tracking for order {ref} has not moved",
    "Order {ref} arrived damaged",
    "Wrong item in order {ref}",
    "Refund for order {ref}",
    "Please cancel order {ref}",
    "Change the address of order {ref}",
)
UNLINKED_SUBJECTS = ("Do you ship to Norway?", "Question about sizes", "Payment declined twice")


def tickets_csv(
    rng: random.Random, orders: Sequence[tuple[str, datetime]], now: datetime, share: float = 0.08
) -> str:
    """A CSV export (ticket_id, created_at, subject) for about `share` of `orders`
    ((order number, placed at) pairs) plus a fifth as many tickets about no order; no
    ticket is dated after `now`."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(("ticket_id", "created_at", "subject"))
    count = 0
    for number, placed_at in orders:
        if rng.random() >= share:
            continue
        created = min(placed_at + timedelta(hours=rng.uniform(6, 120)), now)
        subject = rng.choice(SUBJECTS).format(ref=f"#{number.lstrip('#')}")
        count += 1
        writer.writerow((f"demo-{count}", created.isoformat(), subject))
    for _ in range(max(count // 5, 1)):
        _, placed_at = rng.choice(orders) if orders else ("", now)
        count += 1
        writer.writerow((f"demo-{count}", min(placed_at, now).isoformat(), rng.choice(UNLINKED_SUBJECTS)))
    return out.getvalue()
