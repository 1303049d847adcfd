"""`orderline serve` as a subprocess that a bench kills and restarts (Linux: reads /proc).

A trimmed copy of tests/e2e/server_process.py (bench does not import tests). The server's
children (the processing worker, multiprocessing's resource tracker) are tracked by pid
*and* start time, so a pid the kernel has since reused is never signalled.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def orderline_command() -> list[str]:
    """The console script next to this interpreter, or the same entry point via `-c`."""
    script = Path(sys.executable).parent / "orderline"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from orderline.cli import main; main()"]


def _stat(pid: int) -> list[str] | None:
    """/proc/<pid>/stat from field 3 (state) on; None when there is no such process."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()


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


@dataclass(frozen=True, slots=True)
class ProcessId:
    pid: int
    start_ticks: int

    @classmethod
    def of(cls, pid: int) -> ProcessId | None:
        fields = _stat(pid)
        return None if fields is None else cls(pid, int(fields[19]))

    @property
    def alive(self) -> bool:
        fields = _stat(self.pid)
        return fields is not None and int(fields[19]) == self.start_ticks and fields[0] not in ("Z", "X")

    @property
    def is_processing_worker(self) -> bool:
        """A multiprocessing child of `serve` that is not the resource tracker."""
        try:
            command = Path(f"/proc/{self.pid}/cmdline").read_bytes()
        except OSError:
            return False
        return self.alive and b"spawn_main" in command and b"resource_tracker" not in command

    def kill(self) -> None:
        if self.alive:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)


def descendants(pid: int) -> list[ProcessId]:
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) is not None:
            parents.setdefault(int(fields[1]), []).append(int(entry.name))
    found: list[ProcessId] = []
    todo = list(parents.get(pid, []))
    while todo:
        child = todo.pop()
        if (identity := ProcessId.of(child)) is not None:
            found.append(identity)
        todo.extend(parents.get(child, []))
    return found


def wait_gone(processes: list[ProcessId], timeout_s: float) -> list[ProcessId]:
    """Wait for processes to exit; returns those still alive at the deadline."""
    deadline = time.monotonic() + timeout_s
    while (alive := [p for p in processes if p.alive]) and time.monotonic() < deadline:
        time.sleep(0.05)
    return alive


class ServerProcess:
    """One `orderline serve` with embedded processing on 127.0.0.1, output to `log_path`.

    As a context manager, leaving the block kills the server and every child it started.
    """

    def __init__(self, config: Path, log_path: Path) -> None:
        self.config = config
        self.log_path = log_path
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._children: set[ProcessId] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self._running().pid

    def start(self, ready_timeout_s: float = 60.0, attempts: int = 3) -> ServerProcess:
        """Start on a free port and wait for /readyz; a lost race for the port is retried."""
        for attempt in range(attempts):
            self.port = free_port()
            with self.log_path.open("ab") as log:
                log.write(f"--- start {attempt + 1}: port {self.port}\n".encode())
                command = [*orderline_command(), "serve", "--config", str(self.config)]
                command += ["--host", "127.0.0.1", "--port", str(self.port), "--processing"]
                self._process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
            if self._wait_ready(ready_timeout_s):
                self.children()
                return self
        raise RuntimeError(f"orderline serve did not start after {attempts} attempts:\n{self.log_tail()}")

    def _wait_ready(self, timeout_s: float) -> bool:
        process = self._running()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if process.poll() is not None:
                self._process = None
                return False
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{self.url}/readyz", timeout=2.0).status_code == 200:
                    return True
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"orderline serve not ready within {timeout_s} s:\n{self.log_tail()}")

    def children(self) -> list[ProcessId]:
        """The server's live descendants (the processing worker, the resource tracker)."""
        found = descendants(self.pid)
        self._children.update(found)
        return found

    def workers(self) -> list[ProcessId]:
        return [child for child in self.children() if child.is_processing_worker]

    def kill(self, *, with_children: bool = False) -> list[ProcessId]:
        """SIGKILL the server (and its children) and reap it; returns the children it had,
        which outlive a server killed alone (its worker then exits by itself)."""
        process = self._running()
        children = self.children()
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGKILL)
        if with_children:
            for child in children:
                child.kill()
        process.wait(10.0)
        self._process = None
        return children

    def stop(self, timeout_s: float = 30.0) -> int:
        """SIGTERM and wait for a graceful exit; returns the exit code."""
        process = self._running()
        self.children()
        process.send_signal(signal.SIGTERM)
        try:
            return process.wait(timeout_s)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(10.0)
            self._process = None

    def _running(self) -> subprocess.Popen[bytes]:
        if self._process is None:
            raise RuntimeError("the server is not running")
        return self._process

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return "(no output)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._process is not None:
            if self._process.poll() is None:
                self._children.update(descendants(self._process.pid))
                self._process.kill()
            self._process.wait(10.0)
            self._process = None
        for child in wait_gone(list(self._children), 5.0):
            child.kill()
        self._children.clear()
