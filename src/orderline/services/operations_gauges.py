"""What /metrics reads from the database when it is scraped.

The request path never sets these: a scrape reads the counts (backlog, lag, exceptions,
escalations, messages, outboxes, hand-offs) in one short transaction. Anyone who can
reach /metrics can ask for it, so one reading serves every scrape for `min_interval_s`
(by the injected clock).
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from sqlalchemy import Engine

from orderline.persistence.gauge_queries import Reading, read_gauges
from orderline.services.exception_queue import DUE_SOON

__all__ = ["OperationsGauges", "Reading"]


class OperationsGauges:
    def __init__(
        self, engine: Engine, *, min_interval_s: float = 5.0, due_soon: timedelta = DUE_SOON
    ) -> None:
        self._engine = engine
        self._min_interval_s = min_interval_s
        self._due_soon = due_soon
        self._lock = threading.Lock()
        self._last: tuple[datetime, list[Reading]] | None = None

    def read(self, now: datetime) -> list[Reading]:
        with self._lock:
            if self._last is not None and 0 <= (now - self._last[0]).total_seconds() < self._min_interval_s:
                return self._last[1]
            with self._engine.connect() as connection:
                readings = read_gauges(connection, now, self._due_soon)
            self._last = (now, readings)
            return readings
