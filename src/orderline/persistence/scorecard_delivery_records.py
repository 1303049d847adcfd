"""The weekly scorecard in the outbox: queuing a week's deliveries, reading a claimed one
back, and what was delivered (for `orderline rollout`).

A delivery is an outbox row (`SCORECARD_DELIVERIES`), claimed, retried and finished by
`persistence.outbox`; its `key` (one per week, channel and target) is its Idempotency-Key
and the e-mail's Message-ID, and its uniqueness is what makes a week's report go out
once, whichever worker (or restart of one) decides it is due.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from orderline.persistence import outbox
from orderline.persistence.messaging_tables import scorecard_deliveries
from orderline.persistence.outbox import Claim, OutboxState, OutboxTable

SCORECARD_DELIVERIES = OutboxTable(
    scorecard_deliveries, key=scorecard_deliveries.c.key, claimed_at=scorecard_deliveries.c.due_at
)
ALL_STORES = "*"
"""`store_id` of a report over every store."""


@dataclass(frozen=True, slots=True)
class ReportDelivery:
    """One week's report to one target, rendered when it fell due."""

    key: str
    week: str
    """`2026-W48`; also stored as the row's `order_id` (see `messaging_tables`)."""
    channel: str
    """"email" or "webhook"."""
    target: str
    """An e-mail address or a webhook URL."""
    subject: str
    body_text: str
    body_html: str | None = None
    payload: dict[str, Any] | None = None
    """The scorecard as JSON-able data (webhooks)."""


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    """What `orderline rollout` reads of a delivery."""

    week: str
    channel: str
    target: str
    state: str
    created_at: datetime
    sent_at: datetime | None


def known_keys(connection: Connection, keys: Iterable[str]) -> set[str]:
    """Those of `keys` already in the outbox (in any state)."""
    wanted = list(keys)
    if not wanted:
        return set()
    found = connection.execute(
        select(scorecard_deliveries.c.key).where(scorecard_deliveries.c.key.in_(wanted))
    )
    return {str(key) for key in found.scalars()}


def queue_deliveries(connection: Connection, deliveries: Sequence[ReportDelivery], now: datetime) -> None:
    """Queue `deliveries`, due at `now`. A key already queued raises the database's
    IntegrityError: the caller's transaction is then rolled back whole."""
    for delivery in deliveries:
        values = {**asdict(delivery), "store_id": ALL_STORES, "order_id": delivery.week, "created_at": now}
        outbox.add(connection, SCORECARD_DELIVERIES, values, due_at=now)


def claimed_delivery(connection: Connection, claim: Claim) -> ReportDelivery:
    row = outbox.claimed_row(connection, SCORECARD_DELIVERIES, claim)
    return ReportDelivery(**{name: getattr(row, name) for name in ReportDelivery.__slots__})


def recent_deliveries(connection: Connection, limit: int = 20) -> list[DeliveryRecord]:
    """The latest deliveries, newest first."""
    c = scorecard_deliveries.c
    rows = connection.execute(
        select(c.week, c.channel, c.target, c.state, c.created_at, c.sent_at)
        .order_by(c.created_at.desc(), c.id.desc())
        .limit(limit)
    )
    return [DeliveryRecord(**row._mapping) for row in rows]


def is_sent(record: DeliveryRecord) -> bool:
    return record.state == OutboxState.SENT
