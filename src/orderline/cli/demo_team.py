"""The demo's staff: they work the exception queue the way a shop's team does, so the demo
opens on a real shop's morning rather than on five weeks of nobody looking.

Without them, every problem of the demo's 35-day history would still be open, long past
its first escalation level: a queue of nothing but breaches. With them, each problem is
resolved by its owner team some time after it opened, decided per exception (seeded by
its identity, so every pass agrees): most within their first level's time, some late,
and a few left for this morning. Only what is due is resolved, dated when it was done
(never after now); what a person resolved stays resolved until its cause changes.
Informational exceptions (nothing to fix) are left as they are.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from orderline.services.exception_queue import (
    EVERY_TEAM,
    PROBLEM,
    Action,
    ExceptionClosed,
    ExceptionQueue,
    ExceptionRef,
    QueueFilter,
    StoredException,
)

ACTOR = "demo-team"
RESOLUTION = "handled by the demo's team (simulated)"
ON_TIME_SHARE = 0.85
"""Resolved before the first escalation level is due."""
LATE_SHARE = 0.14
"""Resolved late: one and a half to four times the first level's time. The rest stay open."""
DEFAULT_FIRST_LEVEL = timedelta(hours=4)
_ALL = 100_000


def handling_delay(row: StoredException) -> timedelta | None:
    """How long after it opened the team resolves `row`; None when they leave it open."""
    rng = random.Random(f"{row.store_id}/{row.order_id}/{row.key}/{row.opened_at.isoformat()}")
    first = row.due_levels[0].due_at - row.opened_at if row.due_levels else DEFAULT_FIRST_LEVEL
    first = max(first, timedelta(minutes=30))
    roll = rng.random()
    if roll < ON_TIME_SHARE:
        return first * rng.uniform(0.15, 0.9)
    if roll < ON_TIME_SHARE + LATE_SHARE:
        return first * rng.uniform(1.5, 4.0)
    return None


def work_the_queue(queue: ExceptionQueue, now: datetime) -> int:
    """Resolve every open problem whose handling moment has come by `now`, dated at that
    moment; returns how many."""
    resolved = 0
    for entry in queue.entries(QueueFilter(kind=PROBLEM), now, limit=_ALL):
        row, delay = entry.exception, handling_delay(entry.exception)
        if delay is None or row.opened_at + delay > now:
            continue
        ref = ExceptionRef(row.store_id, row.order_id, row.key)
        try:
            queue.act(ref, Action.RESOLVE, ACTOR, row.opened_at + delay, RESOLUTION, team=EVERY_TEAM)
        except ExceptionClosed:  # its cause cleared meanwhile
            continue
        resolved += 1
    return resolved
