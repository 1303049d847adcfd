"""Support-tool drift in `drift_incidents` (source "helpdesk"): a live ticket that shows its
order in another status than the canonical one (`domain/support_drift.py`), and the reads
`orderline audit tickets` makes of them and of the words it could not judge.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from orderline.domain.support_drift import SupportDrift, is_readable, support_drift
from orderline.domain.vocabulary import OrderStatus
from orderline.persistence.messaging_tables import support_tickets
from orderline.persistence.reconcile_tables import drift_incidents
from orderline.persistence.tables import orders

HELPDESK_SOURCE = "helpdesk"


def check_ticket(
    connection: Connection,
    store_id: str,
    order_id: str,
    helpdesk: str,
    ticket_id: str,
    word: str | None,
    now: datetime,
) -> SupportDrift | None:
    """File a drift incident when the ticket's `word` disagrees with the order's status
    now, in the caller's transaction; returns the drift found, if any. The incident's
    "since" is the order's last change (the helpdesk has not caught up with it)."""
    if word is None:
        return None
    row = connection.execute(
        select(orders.c.status, orders.c.updated_at).where(
            orders.c.store_id == store_id, orders.c.order_id == order_id
        )
    ).first()
    if row is None:
        return None
    drift = support_drift(word, OrderStatus(row.status))
    if drift is None:
        return None
    connection.execute(
        drift_incidents.insert().values(
            store_id=store_id,
            order_id=order_id,
            source=HELPDESK_SOURCE,
            fields=[
                {
                    "field": "status",
                    "orderline": drift.canonical.value,
                    "platform": f"{helpdesk} ticket {ticket_id}: {drift.word}",
                }
            ],
            changed_at=min(row.updated_at, now),
            detected_at=now,
        )
    )
    return drift


@dataclass(frozen=True, slots=True)
class SupportDriftRow:
    store_id: str
    order_id: str
    orderline: str
    helpdesk_shows: str
    changed_at: datetime
    detected_at: datetime


def list_support_drift(
    connection: Connection, since: datetime, until: datetime, store_id: str | None
) -> list[SupportDriftRow]:
    """Support-tool drift detected in [since, until), oldest first."""
    d = drift_incidents.c
    query = (
        select(d.store_id, d.order_id, d.fields, d.changed_at, d.detected_at)
        .where(d.source == HELPDESK_SOURCE, d.detected_at >= since, d.detected_at < until)
        .order_by(d.detected_at, d.id)
    )
    if store_id is not None:
        query = query.where(d.store_id == store_id)
    found = []
    for store, order_id, fields, changed_at, detected_at in connection.execute(query):
        first = fields[0] if fields else {}
        found.append(
            SupportDriftRow(
                store, order_id, str(first.get("orderline", "")), str(first.get("platform", "")),
                changed_at, detected_at,
            )
        )  # fmt: skip
    return found


def status_words(
    connection: Connection, since: datetime, until: datetime, store_id: str | None
) -> tuple[int, Counter[str]]:
    """How many tickets created in [since, until) showed an order status, and the words
    among them the drift table does not judge, with how often each appeared."""
    t = support_tickets.c
    query = select(t.order_status).where(
        t.order_status.is_not(None), t.created_at >= since, t.created_at < until
    )
    if store_id is not None:
        query = query.where(t.store_id == store_id)
    shown = 0
    unreadable: Counter[str] = Counter()
    for (word,) in connection.execute(query):
        shown += 1
        if not is_readable(word):
            unreadable[word] += 1
    return shown, unreadable
