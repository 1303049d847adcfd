"""The embedded-mode background worker: processes the inbox as deliveries arrive.

Intake calls `wake()` after each group commit; the loop also polls, so a delivery
committed by another process (or before a restart) is never left behind.

Deliveries are processed in lanes, each in its own thread: the first lane takes the
platforms whose mapping needs nothing but the stored body, a second one those whose
mapping fetches from the platform's API (BigCommerce's thin webhooks), so an API that is
slow or down never holds up another platform's orders. The first lane's thread also
ticks the exception timers, puts unresolved deliveries back in line (and quarantines
those that stay unresolved) and beats the worker's heartbeat.

A batch that fails as a whole (the database unreachable) is retried after a pause that
doubles up to `max_pause_s`, and the same error is logged once, not on every try.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import timedelta

from sqlalchemy import Engine

from orderline.persistence import inbox_queue, workers
from orderline.services.processing import Processor

log = logging.getLogger(__name__)

HEARTBEAT_EVERY_S = 2.0
HEARTBEAT_FRESH = timedelta(seconds=15)
"""A worker whose last beat is younger than this is taken to be running."""


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
        lanes: Sequence[Processor] = (),
        max_pause_s: float = 30.0,
    ) -> None:
        self._processor = processor
        self._engine = engine
        self._poll_s = poll_s
        self._requeue_every_s = requeue_every_s
        self._max_unresolved_attempts = max_unresolved_attempts
        self._ticker = ticker
        self._tick_every_s = tick_every_s
        self._max_pause_s = max_pause_s
        self._stop = threading.Event()
        self._wakes = [threading.Event() for _ in range(1 + len(lanes))]
        self._thread = threading.Thread(target=self._run, name="orderline-processing", daemon=True)
        self._lanes = [
            threading.Thread(target=self._run_lane, args=(lane, self._wakes[i + 1]), daemon=True)
            for i, lane in enumerate(lanes)
        ]
        self._worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.processed = 0

    def start(self) -> None:
        self._thread.start()
        for thread in self._lanes:
            thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stop.set()
        for wake in self._wakes:
            wake.set()
        self._thread.join(timeout_s)
        for thread in self._lanes:
            thread.join(timeout_s)
        try:
            with self._engine.begin() as connection:
                workers.leave(connection, self._worker_id)
        except Exception:
            log.warning("could not remove this worker's heartbeat; it goes stale by itself")

    @property
    def is_running(self) -> bool:
        return self._thread.is_alive() and all(thread.is_alive() for thread in self._lanes)

    def wake(self) -> None:
        for wake in self._wakes:
            wake.set()

    def _run(self) -> None:
        now = time.monotonic()
        next_requeue, next_tick, next_beat = now + self._requeue_every_s, now, now
        batches = _Batches(self._processor, self._max_pause_s, self._poll_s)
        while not self._stop.is_set():
            handled = batches.run_once()
            self.processed += handled
            now = time.monotonic()
            if now >= next_beat:
                next_beat = now + HEARTBEAT_EVERY_S
                self._guarded(self._beat, "worker heartbeat")
            if now >= next_requeue:
                next_requeue = now + self._requeue_every_s
                self._guarded(self._requeue_unresolved, "requeueing unresolved deliveries")
            if self._ticker is not None and time.monotonic() >= next_tick:
                next_tick = time.monotonic() + self._tick_every_s
                # Due orders are evaluated on a cadence, not per batch, so an order
                # touched by many batches is evaluated once per interval.
                self._guarded(self._ticker, "exception tick")
            self._pause(self._wakes[0], batches.pause_s if handled == 0 else 0.0)

    def _run_lane(self, processor: Processor, wake: threading.Event) -> None:
        batches = _Batches(processor, self._max_pause_s, self._poll_s)
        while not self._stop.is_set():
            handled = batches.run_once()
            self.processed += handled
            self._pause(wake, batches.pause_s if handled == 0 else 0.0)

    def _pause(self, wake: threading.Event, seconds: float) -> None:
        if seconds > 0:
            wake.wait(seconds)
            wake.clear()

    def _guarded(self, work: Callable[[], object], what: str) -> None:
        try:
            work()
        except Exception:
            log.exception("%s failed; trying again later", what)

    def _beat(self) -> None:
        with self._engine.begin() as connection:
            workers.beat(
                connection, self._worker_id, socket.gethostname(), os.getpid(), self._processor.clock()
            )

    def _requeue_unresolved(self) -> None:
        with self._engine.begin() as connection:
            inbox_queue.quarantine_exhausted_unresolved(
                connection, self._max_unresolved_attempts, self._processor.clock()
            )
            inbox_queue.requeue_unresolved(connection, self._max_unresolved_attempts)


class _Batches:
    """Runs a processor's batches; after a failed batch, waits longer each time."""

    def __init__(self, processor: Processor, max_pause_s: float, poll_s: float) -> None:
        self._processor = processor
        self._max_pause_s = max_pause_s
        self._poll_s = poll_s
        self.pause_s = poll_s
        self._last_error: str | None = None

    def run_once(self) -> int:
        try:
            result = self._processor.run_once()
        except Exception as error:
            message = f"{type(error).__name__}: {error}"
            if message != self._last_error:
                log.exception("processing batch failed; it stays pending and is retried with backoff")
                self._last_error = message
            self.pause_s = min(self._max_pause_s, max(self.pause_s * 2, self._poll_s))
            return 0
        if self._last_error is not None:
            log.warning("processing batches succeed again")
        self._last_error = None
        self.pause_s = self._poll_s
        return result.deliveries
