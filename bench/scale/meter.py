"""Where a measured window's resources went (Linux: reads /proc): CPU seconds of given
processes, of every PostgreSQL server process, and of the whole machine; and the WAL
PostgreSQL wrote (cluster-wide: other clients of the same server count too)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, text

TICKS_PER_S = os.sysconf("SC_CLK_TCK")


def _cpu_ticks(pid: int) -> tuple[str, int] | None:
    """(command name, user + system ticks) of `pid`; None once it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name = raw[raw.index("(") + 1 : raw.rindex(")")]
    fields = raw.rsplit(")", 1)[1].split()
    return name, int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)


def _postgres_ticks() -> dict[int, int]:
    found: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        stat = _cpu_ticks(int(entry.name)) if entry.name.isdigit() else None
        if stat is not None and stat[0] == "postgres":
            found[int(entry.name)] = stat[1]
    return found


def _machine_ticks() -> tuple[int, int]:
    """(busy, all) ticks of every CPU since boot; iowait counts as idle."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def wal_position(engine: Engine) -> int:
    """Bytes of WAL the server has written since it was created."""
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn")).scalar_one())


@dataclass(frozen=True, slots=True)
class Usage:
    processes_cpu_s: float
    postgres_cpu_s: float
    """PostgreSQL server processes alive at both ends of the window."""
    machine_busy: float
    """Share of all CPUs busy over the window (1.0 = every core)."""
    cpus: int
    wal_bytes: int


class Meter:
    """Start at the beginning of a window, `stop` at its end (before the processes exit)."""

    def __init__(self, pids: Sequence[int], engine: Engine) -> None:
        self._pids = list(pids)
        self._engine = engine
        self._processes = self._process_ticks()
        self._postgres = _postgres_ticks()
        self._machine = _machine_ticks()
        self.wal_start = wal_position(engine)

    def _process_ticks(self) -> dict[int, int]:
        return {pid: stat[1] for pid in self._pids if (stat := _cpu_ticks(pid)) is not None}

    def stop(self) -> Usage:
        processes, postgres = self._process_ticks(), _postgres_ticks()
        busy, total = _machine_ticks()
        return Usage(
            processes_cpu_s=sum(t - self._processes.get(pid, t) for pid, t in processes.items())
            / TICKS_PER_S,
            postgres_cpu_s=sum(
                t - self._postgres[pid] for pid, t in postgres.items() if pid in self._postgres
            )
            / TICKS_PER_S,
            machine_busy=(busy - self._machine[0]) / max(1, total - self._machine[1]),
            cpus=os.cpu_count() or 1,
            wal_bytes=wal_position(self._engine) - self.wal_start,
        )
