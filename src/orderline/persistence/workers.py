"""Heartbeats of running processing workers, so that whoever shares the database can
tell whether one runs (`orderline replay` refuses to run beside one)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, select, update

from orderline.persistence.processing_tables import workers


def beat(connection: Connection, worker_id: str, host: str, pid: int, now: datetime) -> None:
    """Record that `worker_id` is alive at `now` (first beat inserts its row)."""
    changed = connection.execute(update(workers).where(workers.c.worker_id == worker_id).values(beat_at=now))
    if changed.rowcount == 0:
        connection.execute(
            workers.insert().values(worker_id=worker_id, host=host, pid=pid, started_at=now, beat_at=now)
        )


def leave(connection: Connection, worker_id: str) -> None:
    connection.execute(delete(workers).where(workers.c.worker_id == worker_id))


def alive(connection: Connection, now: datetime, within: timedelta) -> list[dict[str, object]]:
    """Workers whose last beat is at most `within` before `now`."""
    rows = connection.execute(
        select(workers.c.worker_id, workers.c.host, workers.c.pid, workers.c.beat_at)
        .where(workers.c.beat_at >= now - within)
        .order_by(workers.c.worker_id)
    ).mappings()
    return [dict(row) for row in rows]
