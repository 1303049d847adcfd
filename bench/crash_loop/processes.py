"""`orderline serve` as a subprocess that a bench kills and restarts (Linux: reads /proc).

The process handling is tests/e2e/server_process.py's (the repository root goes on
sys.path for it); here only what the benches add: a server's RSS, and its processing
worker picked out among its children.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root, for tests.e2e

from tests.e2e import server_process
from tests.e2e.server_process import ProcessId, orderline_command, wait_gone

__all__ = ["ProcessId", "ServerProcess", "is_processing_worker", "orderline_command", "rss_mb", "wait_gone"]


def rss_mb(pid: int) -> float | None:
    """VmRSS of `pid` in MiB, from /proc/<pid>/status; None once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return None


def is_processing_worker(process: ProcessId) -> bool:
    """A multiprocessing child of `serve` that is not the resource tracker."""
    try:
        command = Path(f"/proc/{process.pid}/cmdline").read_bytes()
    except OSError:
        return False
    return process.alive and b"spawn_main" in command and b"resource_tracker" not in command


class ServerProcess(server_process.ServerProcess):
    """One `orderline serve` with embedded processing, given a minute to get ready (benches
    run on loaded machines)."""

    def start(self, ready_timeout_s: float = 60.0, attempts: int = 3) -> ServerProcess:
        super().start(ready_timeout_s, attempts)
        return self

    def workers(self) -> list[ProcessId]:
        return [child for child in self.children() if is_processing_worker(child)]

    def __enter__(self) -> ServerProcess:
        return self
