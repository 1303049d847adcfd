"""Support-tool drift over a period: what `orderline audit tickets` reports.

Live helpdesk tickets are checked as they arrive (`services/tickets.record_incoming`): a
ticket that shows its order in another status than the canonical one is filed as a drift
incident (source "helpdesk"), which the scorecard's drift figures count too. This report
lists those incidents, how many tickets showed an order status at all, and the words the
drift table could not judge (a helpdesk field worth mapping).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from orderline.persistence.support_drift_records import (
    SupportDriftRow,
    list_support_drift,
    status_words,
)
from orderline.services.webhook_audit import BadAuditPeriod, UnknownAuditStore

DEFAULT_PERIOD = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class SupportDriftReport:
    now: datetime
    since: datetime
    until: datetime
    drift: tuple[SupportDriftRow, ...]
    tickets_showing_status: int
    unreadable: tuple[tuple[str, int], ...]
    """(word, tickets) the drift table does not judge, most frequent first."""

    @property
    def is_clean(self) -> bool:
        return not self.drift

    def as_dict(self) -> dict[str, Any]:
        return {
            "now": self.now,
            "since": self.since,
            "until": self.until,
            "tickets_showing_status": self.tickets_showing_status,
            "drift": [
                {
                    "store_id": row.store_id,
                    "order_id": row.order_id,
                    "orderline": row.orderline,
                    "ticket_shows": row.helpdesk_shows,
                    "since": row.changed_at,
                    "detected_at": row.detected_at,
                }
                for row in self.drift
            ],
            "unreadable_words": [{"word": word, "tickets": n} for word, n in self.unreadable],
        }


class SupportDriftAudit:
    def __init__(self, engine: Engine, store_ids: Sequence[str]) -> None:
        self._engine = engine
        self._store_ids = tuple(store_ids)

    def report(
        self,
        now: datetime,
        since: datetime | None = None,
        until: datetime | None = None,
        store_id: str | None = None,
    ) -> SupportDriftReport:
        """Support-tool drift detected in [since, until) (default: the 7 days before `now`)."""
        if store_id is not None and store_id not in self._store_ids:
            known = ", ".join(self._store_ids) or "none"
            raise UnknownAuditStore(f"no store {store_id!r} in the configuration (stores: {known})")
        end = now if until is None else until
        start = end - DEFAULT_PERIOD if since is None else since
        if start >= end:
            raise BadAuditPeriod(
                f"the period must end after it starts ({start.isoformat()} .. {end.isoformat()})"
            )
        with self._engine.connect() as connection:
            drift = list_support_drift(connection, start, end, store_id)
            shown, unreadable = status_words(connection, start, end, store_id)
        return SupportDriftReport(now, start, end, tuple(drift), shown, tuple(unreadable.most_common()))
