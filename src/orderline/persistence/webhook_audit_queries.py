"""What the webhook reliability audit reads: a store's deliveries in a period, its counted
redeliveries, its signature refusals, its latest delivery, and what its reconciliation
sweeps found that no webhook brought (`services/webhook_audit.py`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import Connection, func, select

from orderline.domain.webhook_audit import Arrival
from orderline.persistence.reconcile_tables import drift_incidents, reconcile_sweeps
from orderline.persistence.tables import dead_letters, inbox, inbox_redeliveries

RECONCILIATION = "reconciliation"
"""`drift_incidents.source` of what a sweep found (not a helpdesk's stale view)."""


def arrivals(connection: Connection, store_id: str, since: datetime, until: datetime) -> Iterator[Arrival]:
    """The store's deliveries received in [since, until), in the order the inbox took them.
    `order_id` is known once processing has named the order (NULL while pending)."""
    i = inbox.c
    query = (
        select(i.topic, i.order_id, i.triggered_at, i.received_at, i.processed_at)
        .where(i.store_id == store_id, i.received_at >= since, i.received_at < until)
        .order_by(i.id)
    )
    for topic, order_id, triggered_at, received_at, processed_at in connection.execute(query):
        yield Arrival(topic, order_id, triggered_at, received_at, processed_at)


def redeliveries_by_topic(
    connection: Connection, store_id: str, since: datetime, until: datetime
) -> dict[str, int]:
    """Redeliveries per topic of the keys last redelivered in [since, until). A key keeps one
    running count, so a key redelivered both before and in the period counts wholly here."""
    r, i = inbox_redeliveries.c, inbox.c
    query = (
        select(i.topic, func.sum(r.count))
        .select_from(
            inbox_redeliveries.join(inbox, (i.store_id == r.store_id) & (i.dedupe_key == r.dedupe_key))
        )
        .where(r.store_id == store_id, r.last_at >= since, r.last_at < until)
        .group_by(i.topic)
    )
    return {topic: int(count) for topic, count in connection.execute(query)}


def refusals(connection: Connection, store_id: str, since: datetime, until: datetime, reason: str) -> int:
    """Dead letters of the store received in [since, until) refused with exactly `reason`."""
    d = dead_letters.c
    query = select(func.count()).where(
        d.store_id == store_id, d.reason == reason, d.received_at >= since, d.received_at < until
    )
    return int(connection.execute(query).scalar_one())


def last_received_at(connection: Connection, store_id: str) -> datetime | None:
    """The store's latest delivery, whenever it was."""
    value: datetime | None = connection.execute(
        select(func.max(inbox.c.received_at)).where(inbox.c.store_id == store_id)
    ).scalar_one()
    return value


def missed_by_reconciliation(
    connection: Connection, store_id: str, since: datetime, until: datetime
) -> tuple[int, int]:
    """(orders missing, orders drifted) that the store's reconciliation sweeps finished in
    [since, until) found: what no webhook brought."""
    sweeps = reconcile_sweeps.c
    missing = connection.execute(
        select(func.coalesce(func.sum(sweeps.orders_missing), 0)).where(
            sweeps.store_id == store_id, sweeps.finished_at >= since, sweeps.finished_at < until
        )
    ).scalar_one()
    incidents = drift_incidents.c
    drifted = connection.execute(
        select(func.count(func.distinct(incidents.order_id))).where(
            incidents.store_id == store_id,
            incidents.source == RECONCILIATION,
            incidents.detected_at >= since,
            incidents.detected_at < until,
        )
    ).scalar_one()
    return int(missing), int(drifted)
