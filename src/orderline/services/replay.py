"""Replay: rebuild facts and projections from the raw inbox (DESIGN §1.3)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine

from orderline.services.processing import Processor
from orderline.store import inbox_queue, projections


def replay_inbox(engine: Engine, processor: Processor, progress: Callable[[int], None] | None = None) -> int:
    """Drop derived data, mark every verified delivery pending, and process them all again.

    Mapping fixes take effect this way, without touching the stored raw bodies.
    """
    with engine.begin() as connection:
        projections.clear_projections(connection)
        inbox_queue.requeue_all(connection)
    return processor.run_until_idle(progress)
