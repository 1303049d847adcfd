"""`orderline serve` keeps its processing worker alive and says how it is doing."""

from __future__ import annotations

import json
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.conftest import write_config
from tests.e2e.server_process import ProcessId, ServerProcess


def _ready(server: ServerProcess) -> dict[str, object]:
    with urllib.request.urlopen(f"{server.url}/readyz", timeout=5) as response:
        body: dict[str, object] = json.loads(response.read())
    return body


def _workers(server: ServerProcess) -> list[ProcessId]:
    """The server's live processing workers (not multiprocessing's resource tracker)."""
    found = []
    for child in server.children():
        try:
            command = Path(f"/proc/{child.pid}/cmdline").read_bytes()
        except OSError:
            continue
        if child.alive and b"spawn_main" in command and b"resource_tracker" not in command:
            found.append(child)
    return found


def _wait_for(condition: object, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="finds the worker in /proc")
def test_a_killed_processing_worker_is_restarted(tmp_path: Path) -> None:
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'orderline.db'}")
    with ServerProcess(config, tmp_path / "server.log") as server:
        server.start()
        (worker,) = _workers(server)
        assert _ready(server)["processing"] == "running"

        worker.kill()

        assert _wait_for(lambda: _ready(server)["processing"] == "stopped", 10), server.log_tail()
        assert _wait_for(lambda: _ready(server)["processing"] == "running", 20), server.log_tail()
        assert [w for w in _workers(server) if w != worker] == _workers(server)
        assert len(_workers(server)) == 1
        assert "processing worker exited" in server.log_tail()
