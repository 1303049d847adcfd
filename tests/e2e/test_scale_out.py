"""Crash safety and convergence in the scale-out topology, on the real PostgreSQL.

Two API processes (`orderline serve --no-processing`) and three worker processes
(`orderline worker`) share a fresh PostgreSQL database on loopback. Signed Shopify
webhooks for six stores (so several stores' jobs run at once) are posted to both API
processes in turn. During the load one worker is SIGKILLed while it is inside a
processing transaction (it holds an order's advisory lock), and restarted; one API
process is SIGKILLed while requests to it are in flight, and restarted on a new port.
Only webhooks answered 200 count as acknowledged. The platform then retries what was not
acknowledged and redelivers a sample of what was. Once the inbox has nothing left to
process and no job is waiting or running, every acknowledged webhook must be in the
inbox exactly once and processed, the facts a set, and the projections (orders,
timeline, facts, each delivery's outcome) equal to what a replay of the inbox rebuilds.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import Engine

from orderline.bootstrap import build_runtime
from orderline.clock import system_clock
from orderline.config import load_config
from orderline.persistence.database import make_engine, migrate
from orderline.services.replay import replay_inbox
from tests.e2e.scale_cluster import (
    POSTGRES_URL,
    WorkerProcess,
    duplicate_facts,
    first_difference,
    fresh_database,
    inbox_key_counts,
    inbox_statuses,
    job_counts,
    order_lock_holders,
    scale_stores,
    snapshot,
    start_all,
    table_exists,
    wait_quiet,
    with_database,
    write_config,
)
from tests.e2e.scale_load import AlternatingLoad, build_deliveries, deliver_all
from tests.e2e.server_process import ServerProcess

API_COUNT = 2
WORKER_COUNT = 3
STORE_COUNT = 6
ORDER_COUNT = 180
CONCURRENCY = 12
SEED = 20261203
TRAFFIC_DAYS_AGO = 5
"""Histories span up to ~17 days: most of the load is past, with timers due; the rest lies ahead."""
API_KILL_AFTER_ACKED = 0.35
API_KILL_MIN_IN_FLIGHT = 3
API_KILL_AT_LATEST = 0.55
WORKER_KILL_AFTER_PROCESSED = 0.10
"""A worker is killed, inside a processing transaction, once this share of the load is processed."""
REDELIVERED_SHARE = 0.10
WORKER_KILL_TIMEOUT_S = 60.0
READY_TIMEOUT_S = 90.0
"""An API process answers /readyz within seconds, or a minute on a machine busy with other work."""
QUIET_TIMEOUT_S = 90.0
"""A killed worker's job waits for procrastinate to find it stalled, then runs again."""


def _traffic_start() -> datetime:
    """09:00 UTC TRAFFIC_DAYS_AGO days before `now` on the services' clock (all honour
    ORDERLINE_CLOCK_OFFSET)."""
    return (system_clock() - timedelta(days=TRAFFIC_DAYS_AGO)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )


@dataclass
class Cluster:
    apis: list[ServerProcess]
    workers: list[WorkerProcess]
    configs: list[Path]
    engine: Engine
    """The test's own connections, named `scale-test`."""


@dataclass
class WorkerKill:
    """Kills a worker once it is mid-job (inside a processing transaction), then starts
    it again; runs in a thread."""

    cluster: Cluster
    processed_at_least: int
    victim: int | None = None
    processed_at_kill: int | None = None
    exit_code: int | None = None
    error: str | None = None
    done: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        engine = self.cluster.engine
        deadline = time.monotonic() + WORKER_KILL_TIMEOUT_S
        try:
            while time.monotonic() < deadline:
                processed = _processed(engine)
                busy = order_lock_holders(engine) if processed >= self.processed_at_least else set()
                victims = [n for n in range(WORKER_COUNT) if f"scale-worker-{n}" in busy]
                if victims:
                    self.victim, self.processed_at_kill = victims[0], processed
                    self.exit_code = self.cluster.workers[victims[0]].kill()
                    self.cluster.workers[victims[0]].start()
                    return
                time.sleep(0.01)
            self.error = f"no worker seen mid-transaction within {WORKER_KILL_TIMEOUT_S} s"
        except Exception as error:  # reported by the test, not lost in the thread
            self.error = repr(error)
        finally:
            self.done.set()


def _processed(engine: Engine) -> int:
    statuses = inbox_statuses(engine)
    return statuses.get("processed", 0) + statuses.get("ignored", 0)


@pytest.fixture
def cluster(tmp_path: Path, postgres_admin: Engine | None) -> Iterator[Cluster]:
    if postgres_admin is None:
        pytest.skip("PostgreSQL is not reachable (set CI=true to make this a failure)")
    stores = scale_stores(STORE_COUNT)
    with ExitStack() as stack:
        database = stack.enter_context(fresh_database("scale_test"))
        engine = make_engine(with_database(POSTGRES_URL, database, "scale-test"))
        stack.callback(engine.dispose)
        migrate(engine)
        names = [f"scale-api-{n}" for n in range(API_COUNT)] + [
            f"scale-worker-{n}" for n in range(WORKER_COUNT)
        ]
        configs = [
            write_config(tmp_path / f"{name}.yaml", with_database(POSTGRES_URL, database, name), stores)
            for name in names
        ]
        apis = [
            stack.enter_context(ServerProcess(configs[n], tmp_path / f"{names[n]}.log", processing=False))
            for n in range(API_COUNT)
        ]
        workers = [
            stack.enter_context(
                WorkerProcess(configs[API_COUNT + n], tmp_path / f"{names[API_COUNT + n]}.log")
            )
            for n in range(WORKER_COUNT)
        ]
        yield Cluster(apis, workers, configs, engine)


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.replay_at_any_date
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="tracks processes in /proc")
def test_scale_out_kills_lose_nothing_acknowledged_and_projections_equal_a_replay(cluster: Cluster) -> None:
    started = time.monotonic()
    stores = scale_stores(STORE_COUNT)
    deliveries = build_deliveries(stores, ORDER_COUNT, SEED, _traffic_start(), first_order_id=7_400_000)
    by_id = {d.webhook_id: d for d in deliveries}
    assert len(by_id) == len(deliveries), "the simulator gave two deliveries one webhook id"
    total = len(deliveries)

    # 1. Two API processes and three workers.
    start_all(
        [*(partial(api.start, READY_TIMEOUT_S) for api in cluster.apis), *(w.start for w in cluster.workers)]
    )
    marks = {"started": time.monotonic() - started}

    # 2. The load, to both APIs in turn; a worker is killed mid-job (and restarted) in a
    #    thread, API 0 mid-request (and restarted on a new port) in another.
    worker_kill = WorkerKill(cluster, processed_at_least=int(total * WORKER_KILL_AFTER_PROCESSED))
    threading.Thread(target=worker_kill.run, name="kill-worker", daemon=True).start()
    api_killed = threading.Event()
    restart = _ApiRestart(cluster.apis[0], api_killed)
    restarter = threading.Thread(target=restart.run, name="restart-api", daemon=True)
    restarter.start()
    load = AlternatingLoad(
        cluster.apis,
        concurrency=CONCURRENCY,
        kill_after=int(total * API_KILL_AFTER_ACKED),
        kill_at_latest=int(total * API_KILL_AT_LATEST),
        kill_min_in_flight=API_KILL_MIN_IN_FLIGHT,
        on_kill=lambda: _send_kill(cluster.apis[0], api_killed),
    ).run(deliveries)
    marks["loaded"] = time.monotonic() - started
    restarter.join(60.0)
    assert restart.error is None, restart.error
    assert restart.exit_code == -signal.SIGKILL, cluster.apis[0].log_tail()
    assert load.acked_at_kill is not None, "the load finished without killing the API process"
    assert load.failed, "no request failed: the API kill did not land mid-request"
    assert not load.rejected, f"answers other than 2xx: {Counter(load.rejected.values())}"

    # 3. Nothing acknowledged is missing, read while the workers still run.
    acked = set(load.acked)
    lost = acked - set(inbox_key_counts(cluster.engine))
    assert not lost, f"{len(lost)} acknowledged webhooks are not in the inbox, e.g. {sorted(lost)[:5]}"

    # 4. The platform retries what was not acknowledged and redelivers a sample of what was.
    redelivered = sorted(acked)[:: max(1, round(1 / REDELIVERED_SHARE))]
    retries = [by_id[key] for key in sorted((set(by_id) - acked) | set(redelivered))]
    answers = deliver_all(cluster.apis, retries, CONCURRENCY)
    refused = {key: status for key, status in answers.items() if status != 200}
    assert not refused, f"{len(refused)} retries or redeliveries not answered 200: {refused}"
    marks["retried"] = time.monotonic() - started

    # 5. The worker kill has happened; the workers drain the inbox and the job queue.
    assert worker_kill.done.wait(WORKER_KILL_TIMEOUT_S), "the worker kill never ended"
    assert worker_kill.error is None, worker_kill.error
    assert worker_kill.exit_code == -signal.SIGKILL
    statuses, jobs = _wait_quiet_or_explain(cluster, total)
    marks["quiet"] = time.monotonic() - started
    # uvicorn re-raises the SIGTERM it shut down on; a worker exits 0 or by the signal.
    for worker in cluster.workers:
        assert worker.stop() in (0, -signal.SIGTERM), worker.log_tail()
    for api in cluster.apis:
        assert api.stop() in (0, -signal.SIGTERM), api.log_tail()
    marks["stopped"] = time.monotonic() - started

    # 6. Each webhook once in the inbox, processed; the facts a set; no job left behind.
    key_counts = inbox_key_counts(cluster.engine)
    assert set(key_counts) == set(by_id)
    assert {key: n for key, n in key_counts.items() if n != 1} == {}
    assert set(statuses) <= {"processed", "ignored"}, statuses
    assert duplicate_facts(cluster.engine) == 0
    assert table_exists(cluster.engine, "procrastinate_jobs"), "the workers ran without the job queue"
    assert not {
        state: n for state, n in job_counts(cluster.engine).items() if state in ("todo", "doing", "failed")
    }

    # 7. The projections the cluster built equal a replay of the inbox.
    _assert_replay_changes_nothing(cluster.configs[0])
    marks["replayed"] = time.monotonic() - started

    phases = ", ".join(f"{name} {at:.1f}" for name, at in marks.items())
    print(
        f"\nscale-out: {total} webhooks for {STORE_COUNT} stores, {API_COUNT} APIs, {WORKER_COUNT} workers; "
        f"API 0 SIGKILLed at {load.acked_at_kill} acked with {load.in_flight_at_kill} in flight to it; "
        f"worker {worker_kill.victim} killed mid-transaction at {worker_kill.processed_at_kill} processed; "
        f"{len(acked)} acked, {len(load.failed)} failed {dict(Counter(load.failed.values()))}; "
        f"{len(retries)} retried or redelivered; inbox {statuses}; jobs {jobs}; "
        f"{time.monotonic() - started:.1f} s ({phases})"
    )


@dataclass
class _ApiRestart:
    """Waits for the API kill, reaps the process and starts it again on a new port."""

    api: ServerProcess
    killed: threading.Event
    exit_code: int | None = None
    error: str | None = None

    def run(self) -> None:
        try:
            if not self.killed.wait(120.0):
                self.error = "the API process was never killed"
                return
            self.exit_code = self.api.kill()
            self.api.start(READY_TIMEOUT_S)
        except Exception as error:
            self.error = repr(error)


def _send_kill(api: ServerProcess, killed: threading.Event) -> None:
    api.send_kill(with_children=True)
    killed.set()


def _wait_quiet_or_explain(cluster: Cluster, total: int) -> tuple[dict[str, int], dict[str, int]]:
    try:
        return wait_quiet(cluster.engine, total, QUIET_TIMEOUT_S)
    except AssertionError as error:
        logs = "\n".join(f"--- worker {n}\n{w.log_tail(15)}" for n, w in enumerate(cluster.workers))
        raise AssertionError(f"{error}\n{logs}") from None


def _assert_replay_changes_nothing(config: Path) -> None:
    runtime = build_runtime(load_config(config))
    try:
        live = snapshot(runtime.engine)
        assert len(live["orders"]) == ORDER_COUNT
        replay_inbox(runtime.engine, runtime.processor)
        replayed = snapshot(runtime.engine)
    finally:
        runtime.close()
    for table in live:
        assert live[table] == replayed[table], f"{table} differ after replay: " + first_difference(
            live[table], replayed[table]
        )
