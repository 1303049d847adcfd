"""The processing worker as its own process.

`orderline serve` starts one beside the HTTP server in the embedded mode, at a lower
CPU priority: acknowledging webhooks comes first, and the inbox absorbs any backlog.
In its own process it also never competes with the server for the GIL.
`orderline worker` runs the same engine on its own (for `serve --no-processing`, and as
many as wanted on PostgreSQL). The engine follows the database: the in-process loop on
SQLite, procrastinate's worker on PostgreSQL (`bootstrap.jobs`).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
from pathlib import Path

from orderline import logs
from orderline.bootstrap import build_runtime, database_label, job_engine
from orderline.cli.options import load_or_exit
from orderline.logs import LogFormat, LogLevel, fields

log = logging.getLogger(__name__)

NICE_INCREMENT = 10


def run_worker(config_path: Path | None, *, parent_pid: int | None = None) -> None:
    """Process the inbox until SIGTERM/SIGINT, or until the parent process is gone."""
    runtime = build_runtime(load_or_exit(config_path))
    loop = job_engine(runtime)
    log.info(
        "processing worker started",
        extra=fields(pid=os.getpid(), database=database_label(runtime), engine=loop.name),
    )
    stopped = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopped.set())
    loop.start()
    while not stopped.wait(1.0):
        if parent_pid is not None and os.getppid() != parent_pid:
            break  # the server died (even by SIGKILL): do not linger as an orphan
    loop.stop()
    runtime.close()
    log.info("processing worker stopped", extra=fields(pid=os.getpid()))


LogSettings = tuple[LogLevel, LogFormat]


def _child(config_path: str | None, parent_pid: int, log_settings: LogSettings) -> None:
    # A spawned process starts with no logging configured: it writes like its parent.
    logs.configure(*log_settings)
    os.nice(NICE_INCREMENT)
    run_worker(Path(config_path) if config_path else None, parent_pid=parent_pid)


class WorkerProcess:
    """The processing worker beside `orderline serve`, restarted if it dies.

    A worker that exits unexpectedly (killed, or failing at start) is started again
    after a pause that doubles up to a minute; `restarts` and `is_running` feed
    /readyz and /metrics so a worker that keeps dying is visible.
    """

    def __init__(
        self,
        config_path: Path | None,
        *,
        check_every_s: float = 1.0,
        log_settings: LogSettings = (LogLevel.INFO, LogFormat.KV),
    ) -> None:
        self._config_path = str(config_path) if config_path else None
        self._log_settings = log_settings
        self._check_every_s = check_every_s
        self._process: multiprocessing.process.BaseProcess | None = None
        self._stopping = threading.Event()
        self._supervisor: threading.Thread | None = None
        self.restarts = 0

    @property
    def is_running(self) -> bool:
        return self._process is not None and self._process.is_alive()

    def start(self) -> None:
        self._spawn()
        self._supervisor = threading.Thread(
            target=self._supervise, name="orderline-worker-supervisor", daemon=True
        )
        self._supervisor.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stopping.set()
        if self._supervisor is not None:
            self._supervisor.join(timeout_s)
        if self._process is not None and self._process.is_alive():
            self._process.terminate()
            self._process.join(timeout_s)
            if self._process.is_alive():
                self._process.kill()

    def _spawn(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._process = context.Process(
            target=_child,
            args=(self._config_path, os.getpid(), self._log_settings),
            name="orderline-worker",
            daemon=True,
        )
        self._process.start()

    def _supervise(self) -> None:
        pause_s = 1.0
        while not self._stopping.wait(self._check_every_s):
            if self.is_running:
                pause_s = 1.0
                continue
            exitcode = self._process.exitcode if self._process is not None else None
            log.error(
                "processing worker exited; restarting",
                extra=fields(exit_code=exitcode, restart_in_s=pause_s, restarts=self.restarts + 1),
            )
            if self._stopping.wait(pause_s):
                return
            self.restarts += 1
            self._spawn()
            pause_s = min(pause_s * 2, 60.0)
