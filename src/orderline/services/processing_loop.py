"""The embedded-mode background worker: processes the inbox as deliveries arrive.

Intake calls `wake()` after each group commit; the loop also polls, so a delivery
committed by another process (or before a restart) is never left behind.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from sqlalchemy import Engine

from orderline.services.processing import Processor
from orderline.store import inbox_queue

log = logging.getLogger(__name__)


class ProcessingLoop:
    def __init__(
        self,
        processor: Processor,
        engine: Engine,
        *,
        poll_s: float = 1.0,
        requeue_every_s: float = 30.0,
        max_unresolved_attempts: int = 20,
        ticker: Callable[[], object] | None = None,
        tick_every_s: float = 5.0,
    ) -> None:
        self._processor = processor
        self._engine = engine
        self._poll_s = poll_s
        self._requeue_every_s = requeue_every_s
        self._max_unresolved_attempts = max_unresolved_attempts
        self._ticker = ticker
        self._tick_every_s = tick_every_s
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="orderline-processing", daemon=True)
        self.processed = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout_s)

    @property
    def is_running(self) -> bool:
        return self._thread.is_alive()

    def wake(self) -> None:
        self._wake.set()

    def _run(self) -> None:
        next_requeue = time.monotonic() + self._requeue_every_s
        next_tick = time.monotonic()
        while not self._stop.is_set():
            try:
                result = self._processor.run_once()
            except Exception:
                log.exception("processing batch failed; it stays pending and is retried")
                self._stop.wait(self._poll_s)
                continue
            self.processed += result.deliveries
            if time.monotonic() >= next_requeue:
                next_requeue = time.monotonic() + self._requeue_every_s
                try:
                    self._requeue_unresolved()
                except Exception:
                    log.exception("requeueing unresolved deliveries failed; trying again later")
            if self._ticker is not None and time.monotonic() >= next_tick:
                next_tick = time.monotonic() + self._tick_every_s
                self._tick()
            if result.deliveries == 0:
                self._wake.wait(self._poll_s)
                self._wake.clear()

    def _tick(self) -> None:
        """Exception timers: due orders are evaluated on a cadence, not per batch, so an
        order touched by many batches is evaluated once per interval."""
        assert self._ticker is not None
        try:
            self._ticker()
        except Exception:
            log.exception("exception tick failed; the timers stay and the next tick retries")

    def _requeue_unresolved(self) -> None:
        with self._engine.begin() as connection:
            inbox_queue.requeue_unresolved(connection, self._max_unresolved_attempts)
