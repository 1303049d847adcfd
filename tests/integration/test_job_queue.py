"""The scale-out job queue on the real PostgreSQL: intake defers a store's job in the
transaction that commits its deliveries, procrastinate workers process them end to end,
only due timers are pumped (no job parked for a long SLA), failed and stalled jobs go back
in line, and `orderline jobs` and /metrics show the queue. SQLite keeps its in-process
engine."""

from __future__ import annotations

import asyncio
import importlib.metadata
import json
import random
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, text
from typer.testing import CliRunner

from orderline.bootstrap import Runtime, build_runtime, job_engine
from orderline.bootstrap.job_tasks import Housekeeping
from orderline.bootstrap.jobs import (
    RETRY_CAP_S,
    CappedBackoff,
    ProcrastinateEngine,
    defer_store_jobs,
    intake_hook,
)
from orderline.cli import app
from orderline.config import load_config
from orderline.persistence import job_queue
from orderline.persistence.database import make_engine, migrate
from orderline.persistence.inbox import GroupCommitWriter, InboxRecord
from orderline.services.jobs import InProcessEngine
from orderline.services.operations_gauges import OperationsGauges
from orderline.simulation.shopify import ShopifyWebhook, generate_order_history
from tests.conftest import POSTGRES_URL

runner = CliRunner()
SECRET = "test-secret"
STORES = ("shop1", "shop2")
WAIT_S = 60.0
"""How long a test waits for the worker to finish what it was given (a bound on a hang,
not a performance assertion)."""


@pytest.fixture
def pg_url(postgres_admin: Engine | None) -> Iterator[str]:
    """A PostgreSQL schema of its own (the job queue runs on PostgreSQL only)."""
    if postgres_admin is None:
        pytest.skip("PostgreSQL is not reachable (set CI=true to make this a failure)")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with postgres_admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    with postgres_admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def _config(directory: Path, database_url: str) -> Path:
    path = directory / "orderline.yaml"
    stores = "".join(
        f"  - id: {store}\n    platform: shopify\n"
        f"    shop_domain: {store}.myshopify.com\n    webhook_secrets: [{SECRET}]\n"
        for store in STORES
    )
    path.write_text(f"database_url: '{database_url}'\nstores:\n{stores}")
    return path


@dataclass
class Deployment:
    config: Path
    runtime: Runtime

    @property
    def engine(self) -> Engine:
        return self.runtime.engine

    def cli(self, *args: str) -> Any:
        return runner.invoke(app, [*args, "--config", str(self.config)], env={"COLUMNS": "200"})

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.engine.connect() as connection:
            return connection.execute(text(sql), params).scalar()

    def jobs(self, where: str = "TRUE") -> list[dict[str, Any]]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT id, status::text AS status, task_name, lock, queueing_lock, args, scheduled_at "
                    f"FROM procrastinate_jobs WHERE {where} ORDER BY id"
                )
            )
            return [dict(row._mapping) for row in rows]


def _deploy(directory: Path, database_url: str) -> Deployment:
    migrate(make_engine(database_url))
    config = _config(directory, database_url)
    return Deployment(config, build_runtime(load_config(config)))


@pytest.fixture
def pg(tmp_path: Path, pg_url: str) -> Iterator[Deployment]:
    deployment = _deploy(tmp_path, pg_url)
    yield deployment
    deployment.runtime.close()


def _records(store: str, orders: int, start: datetime, seed: int = 7) -> list[InboxRecord]:
    rng = random.Random(seed)
    records = []
    for number in range(orders):
        webhooks: list[ShopifyWebhook] = generate_order_history(rng, order_id=9000 + number, start=start)
        records += [
            InboxRecord(
                "shopify",
                store,
                w.topic,
                f"{store}-{w.webhook_id}",
                w.event_id,
                w.triggered_at,
                w.triggered_at,
                {},
                w.body,
            )
            for w in webhooks
        ]
    return records


def _write(
    engine: Engine,
    records: Sequence[InboxRecord],
    hook: Callable[[Connection, Sequence[InboxRecord]], None] | None,
) -> list[BaseException | None]:
    """Hand `records` to intake's group-commit writer at once; each request's outcome."""
    writer = GroupCommitWriter(engine, in_transaction=hook)

    async def run() -> list[BaseException | None]:
        writer.start()
        results = await asyncio.gather(*(writer.write(r) for r in records), return_exceptions=True)
        await writer.stop()
        return [r if isinstance(r, BaseException) else None for r in results]

    return asyncio.run(run())


def _wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still not {what} after {WAIT_S} s")
        time.sleep(0.1)


# --- deferral in the intake transaction ---------------------------------------------------


def test_a_committed_burst_leaves_exactly_one_waiting_job_per_store(pg: Deployment) -> None:
    start = pg.runtime.clock() - timedelta(days=1)
    records = _records("shop1", 5, start) + _records("shop2", 3, start, seed=8)

    outcomes = _write(pg.engine, records, intake_hook(pg.runtime))

    assert outcomes == [None] * len(records)
    jobs = pg.jobs()
    assert [(j["status"], j["task_name"], j["args"], j["lock"], j["queueing_lock"]) for j in jobs] == [
        ("todo", "process_store", {"store_id": "shop1"}, "store:shop1", "store:shop1"),
        ("todo", "process_store", {"store_id": "shop2"}, "store:shop2", "store:shop2"),
    ]
    assert all(j["scheduled_at"] is None for j in jobs)
    # A second burst while the jobs still wait adds none.
    _write(pg.engine, _records("shop1", 2, start, seed=9), intake_hook(pg.runtime))
    assert len(pg.jobs()) == 2


def test_a_rolled_back_commit_leaves_neither_its_deliveries_nor_a_job(pg: Deployment) -> None:
    def defer_then_fail(connection: Connection, records: Sequence[InboxRecord]) -> None:
        defer_store_jobs(connection, records)
        raise RuntimeError("the commit fails after the job is deferred")

    records = _records("shop1", 2, pg.runtime.clock() - timedelta(days=1))
    outcomes = _write(pg.engine, records, defer_then_fail)

    assert all(isinstance(outcome, RuntimeError) for outcome in outcomes)
    assert pg.jobs() == []
    assert pg.scalar("SELECT count(*) FROM inbox") == 0


def test_a_job_deferred_for_a_store_that_already_has_one_waiting_does_not_abort_the_transaction(
    pg: Deployment,
) -> None:
    with pg.engine.begin() as connection:
        job_queue.defer_stores(connection, ["shop1"])
        job_queue.defer_stores(connection, ["shop1", "shop2"])
        connection.execute(text("SELECT 1"))  # the transaction is still usable

    assert [j["args"]["store_id"] for j in pg.jobs()] == ["shop1", "shop2"]


# --- the worker, end to end ----------------------------------------------------------------


@pytest.fixture
def worker(pg: Deployment) -> Iterator[ProcrastinateEngine]:
    engine = job_engine(pg.runtime)
    assert isinstance(engine, ProcrastinateEngine)
    engine.start()
    yield engine
    engine.stop()


def _quiet(deployment: Deployment) -> bool:
    pending = deployment.scalar("SELECT count(*) FROM inbox WHERE status IN ('pending', 'waiting')")
    open_jobs = deployment.scalar(
        "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'process_store' "
        "AND status IN ('todo', 'doing')"
    )
    return bool(pending == 0 and open_jobs == 0)


def test_a_worker_processes_committed_webhooks_end_to_end(
    pg: Deployment, worker: ProcrastinateEngine
) -> None:
    start = pg.runtime.clock() - timedelta(days=2)
    records = _records("shop1", 6, start) + _records("shop2", 4, start, seed=8)

    assert _write(pg.engine, records, intake_hook(pg.runtime)) == [None] * len(records)
    _wait_for(lambda: _quiet(pg), "processed")

    assert worker.is_running
    statuses = pg.scalar(
        "SELECT json_object_agg(status, n) FROM (SELECT status, count(*) n FROM inbox GROUP BY 1) s"
    )
    assert set(statuses) <= {"processed", "ignored"}
    assert pg.scalar("SELECT count(DISTINCT (store_id, order_id)) FROM orders") == 10
    # Succeeded jobs are deleted; none failed.
    assert pg.jobs("task_name = 'process_store'") == []
    # The worker beats Orderline's heartbeat (what `orderline replay` checks).
    assert pg.scalar("SELECT count(*) FROM workers") == 1


def test_deliveries_committed_without_a_job_are_pumped_to_the_worker(
    pg: Deployment, worker: ProcrastinateEngine
) -> None:
    records = _records("shop2", 3, pg.runtime.clock() - timedelta(days=2))
    assert _write(pg.engine, records, None) == [None] * len(records)  # as `orderline import` writes

    _wait_for(lambda: _quiet(pg), "processed")

    assert pg.scalar("SELECT count(DISTINCT order_id) FROM orders WHERE store_id = 'shop2'") == 3


def _furthest_ahead_while(deployment: Deployment, busy: Callable[[], bool], at_least_s: float) -> float:
    """The furthest any waiting job was scheduled ahead of now, sampled until `busy` is
    over and at least `at_least_s` went by (several periods of the pumps)."""
    furthest = 0.0
    started = time.monotonic()
    while time.monotonic() - started < at_least_s or busy():
        if time.monotonic() - started > WAIT_S:
            raise AssertionError(f"the worker was still busy after {WAIT_S} s")
        with deployment.engine.connect() as connection:
            ahead = job_queue.furthest_scheduled_s(connection)
        furthest = max(furthest, ahead or 0.0)
        time.sleep(0.05)
    return furthest


def test_no_job_is_scheduled_ahead_while_timers_lie_days_ahead(
    pg: Deployment, worker: ProcrastinateEngine
) -> None:
    """Acceptance 5: long SLAs stay in the timers table; the jobs table only ever holds
    work that is due (a failed job's retry would wait at most the capped backoff)."""
    now = pg.runtime.clock()
    records = _records("shop1", 8, now - timedelta(hours=2)) + _records("shop2", 8, now, seed=8)

    _write(pg.engine, records, intake_hook(pg.runtime))
    while_processing = _furthest_ahead_while(pg, lambda: not _quiet(pg), 0.0)
    # Every order's next due time days ahead: a long SLA.
    _commit(
        pg, "UPDATE timers SET due_at = :due + (random() * INTERVAL '3 days')", due=now + timedelta(days=2)
    )
    while_waiting = _furthest_ahead_while(pg, lambda: False, 6.0)

    assert pg.scalar("SELECT count(*) FROM timers") > 0
    assert pg.scalar("SELECT min(due_at) FROM timers") > now + timedelta(days=1)
    assert while_processing <= RETRY_CAP_S
    assert while_waiting <= RETRY_CAP_S
    assert pg.jobs("task_name = 'process_store'") == []  # no job parked for a timer ahead


def test_the_timers_pump_defers_only_the_stores_whose_timers_are_due_and_have_no_job_running(
    pg: Deployment,
) -> None:
    now = pg.runtime.clock()
    with pg.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO timers (store_id, order_id, due_at, kind) VALUES "
                "('shop1', '1', :due, 'sla'), ('shop2', '2', :later, 'sla'), ('shop3', '3', :due, 'sla')"
            ),
            {"due": now - timedelta(seconds=1), "later": now + timedelta(days=4)},
        )
    running = _insert_job(pg, "shop3", "doing")  # its job evaluates its timers as it ends

    Housekeeping(pg.runtime).pump_timers()

    jobs = [(j["args"], j["status"], j["scheduled_at"]) for j in pg.jobs(f"id <> {running}")]
    assert jobs == [({"store_id": "shop1"}, "todo", None)]


# --- failed and stalled jobs ----------------------------------------------------------------


def _insert_job(deployment: Deployment, store: str, status: str, worker_id: int | None = None) -> int:
    job_id = _commit(
        deployment,
        "INSERT INTO procrastinate_jobs (queue_name, task_name, lock, queueing_lock, args, status, "
        "worker_id) VALUES ('orderline', 'process_store', :lock, :lock, CAST(:args AS jsonb), "
        "CAST(:status AS procrastinate_job_status), :worker) RETURNING id",
        lock=f"store:{store}",
        args=json.dumps({"store_id": store}),
        status=status,
        worker=worker_id,
    )
    return int(job_id)


def _commit(deployment: Deployment, sql: str, **params: Any) -> Any:
    with deployment.engine.begin() as connection:
        result = connection.execute(text(sql), params)
        return result.scalar() if result.returns_rows else None


def test_jobs_retry_puts_a_failed_job_back_in_line_beside_a_waiting_one_of_its_store(
    pg: Deployment,
) -> None:
    failed = _insert_job(pg, "shop1", "failed")
    with pg.engine.begin() as connection:
        job_queue.defer_stores(connection, ["shop1"])  # intake meanwhile: a waiting job

    shown = pg.cli("jobs", "--json")
    assert shown.exit_code == 0, shown.output
    before = json.loads(shown.output)
    retried = pg.cli("jobs", "retry")

    assert retried.exit_code == 0, retried.output
    assert retried.output.strip() == f"1 failed jobs back in line: [{failed}]"
    assert (before["engine"], before["todo"], before["failed"]) == ("procrastinate", 1, 1)
    assert [(j["id"] == failed, j["status"]) for j in pg.jobs()] == [(True, "todo"), (False, "todo")]
    after = json.loads(pg.cli("jobs", "--json").output)
    assert (after["todo"], after["failed"]) == (2, 0)


def test_a_failing_store_job_is_retried_then_failed_and_runs_again_once_retried_by_hand(
    pg: Deployment,
) -> None:
    # The database refuses every change to shop1's deliveries (a disk full, say).
    _commit(
        pg,
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'no space left on device'; END $$",
    )
    _commit(
        pg,
        "CREATE TRIGGER refuse_shop1 BEFORE UPDATE ON inbox FOR EACH ROW "
        "WHEN (OLD.store_id = 'shop1') EXECUTE FUNCTION refuse()",
    )
    records = _records("shop1", 2, pg.runtime.clock() - timedelta(days=1))
    _write(pg.engine, records, intake_hook(pg.runtime))
    engine = ProcrastinateEngine(pg.runtime, retry=CappedBackoff(cap_s=0.2, attempts=2))
    engine.start()
    try:
        _wait_for(lambda: bool(pg.jobs("status = 'failed'")), "failed")
        failed = pg.jobs("status = 'failed'")[0]
        attempts = pg.scalar("SELECT attempts FROM procrastinate_jobs WHERE id = :id", id=failed["id"])
        _commit(pg, "DROP TRIGGER refuse_shop1 ON inbox")
        retried = pg.cli("jobs", "retry", "--json")
        _wait_for(lambda: _quiet(pg), "processed")
    finally:
        engine.stop()

    assert (failed["task_name"], failed["args"], attempts) == ("process_store", {"store_id": "shop1"}, 2)
    assert failed["id"] in json.loads(retried.output)["retried"]
    assert pg.jobs("status = 'failed'") == []
    assert pg.scalar("SELECT count(DISTINCT order_id) FROM orders WHERE store_id = 'shop1'") == 2


def test_jobs_retry_of_nothing_failed_changes_nothing(pg: Deployment) -> None:
    with pg.engine.begin() as connection:
        job_queue.defer_stores(connection, ["shop2"])

    result = pg.cli("jobs", "retry", "--json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"engine": "procrastinate", "retried": []}
    assert [j["status"] for j in pg.jobs()] == ["todo"]


def test_the_job_of_a_dead_worker_is_retried_and_counted_stalled_until_then(pg: Deployment) -> None:
    with pg.engine.begin() as connection:
        dead = connection.execute(
            text(
                "INSERT INTO procrastinate_workers (last_heartbeat) VALUES (NOW() - INTERVAL '5 minutes') "
                "RETURNING id"
            )
        ).scalar_one()
        alive = connection.execute(
            text("INSERT INTO procrastinate_workers (last_heartbeat) VALUES (NOW()) RETURNING id")
        ).scalar_one()
    stalled = _insert_job(pg, "shop1", "doing", int(dead))
    running = _insert_job(pg, "shop2", "doing", int(alive))
    with pg.engine.begin() as connection:
        job_queue.defer_stores(connection, ["shop1"])
    shown = json.loads(pg.cli("jobs", "--json").output)

    Housekeeping(pg.runtime).retry_stalled()

    assert (shown["doing"], shown["stalled"]) == (2, 1)
    states = {j["id"]: (j["status"], j["queueing_lock"]) for j in pg.jobs()}
    assert states[stalled] == ("todo", None)
    assert states[running] == ("doing", "store:shop2")
    assert json.loads(pg.cli("jobs", "--json").output)["stalled"] == 0


def test_jobs_text_output_names_the_counts(pg: Deployment) -> None:
    with pg.engine.begin() as connection:
        job_queue.defer_stores(connection, ["shop1", "shop2"])

    result = pg.cli("jobs")

    assert result.exit_code == 0, result.output
    assert result.output.startswith("engine procrastinate: 2 waiting (oldest due ")
    assert "0 running, 0 stalled, 0 failed; inbox backlog 0" in result.output


def test_metrics_gauges_count_the_jobs_by_state(pg: Deployment) -> None:
    with pg.engine.begin() as connection:
        job_queue.defer_stores(connection, ["shop1", "shop2"])
    _insert_job(pg, "shop1", "failed")

    readings = {r.name: r for r in OperationsGauges(pg.engine).read(pg.runtime.clock())}

    assert readings["orderline_jobs"].samples == {
        ("todo",): 2.0,
        ("doing",): 0.0,
        ("stalled",): 0.0,
        ("failed",): 1.0,
    }
    assert readings["orderline_jobs_oldest_due_age_seconds"].samples[()] >= 0.0


# --- SQLite: the in-process engine --------------------------------------------------------


def test_sqlite_keeps_the_in_process_engine_and_no_job_queue(tmp_path: Path) -> None:
    deployment = _deploy(tmp_path, f"sqlite:///{tmp_path / 'orderline.db'}")
    engine = job_engine(deployment.runtime)
    result = deployment.cli("jobs")
    shown = json.loads(deployment.cli("jobs", "--json").output)

    assert isinstance(engine, InProcessEngine)
    assert intake_hook(deployment.runtime) is None
    assert result.exit_code == 0, result.output
    assert result.output.startswith("the in-process engine works the inbox directly (SQLite: no job queue)")
    assert shown["engine"] == "in-process"
    readings = {r.name for r in OperationsGauges(deployment.engine).read(deployment.runtime.clock())}
    assert "orderline_jobs" not in readings


# --- the job queue's schema across procrastinate releases ------------------------------


def _schema_engine(pg_url: str) -> Engine:
    engine = make_engine(pg_url)
    migrate(engine)
    return engine


def _record(engine: Engine, version: str | None) -> None:
    with engine.begin() as connection:
        connection.execute(text(f"DELETE FROM {job_queue.VERSION_TABLE}"))
        if version is not None:
            connection.execute(text(f"INSERT INTO {job_queue.VERSION_TABLE} VALUES (:v)"), {"v": version})


def _recorded(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return job_queue.installed_version(connection)


def _exists(engine: Engine, table: str) -> bool:
    with engine.connect() as connection:
        return bool(connection.execute(text(f"SELECT to_regclass('{table}') IS NOT NULL")).scalar())


def test_the_job_queue_records_the_procrastinate_release_it_came_from(pg_url: str) -> None:
    engine = _schema_engine(pg_url)
    assert job_queue.install_job_queue(engine) is True
    assert _recorded(engine) == importlib.metadata.version("procrastinate")
    # A queue installed before versions were recorded counts as 3.10.0 (all Orderline used).
    with engine.begin() as connection:
        connection.execute(text(f"DROP TABLE {job_queue.VERSION_TABLE}"))
    assert job_queue.install_job_queue(engine) is False
    assert _recorded(engine) == job_queue.UNRECORDED_VERSION
    engine.dispose()


def test_a_job_queue_from_an_older_release_is_refused_at_start_and_migrated_by_db_upgrade(
    pg_url: str, tmp_path: Path
) -> None:
    engine = _schema_engine(pg_url)
    job_queue.install_job_queue(engine)
    _record(engine, "3.3.0")
    with pytest.raises(job_queue.JobQueueSchemaError, match="orderline db upgrade"):
        job_queue.install_job_queue(engine)  # what every process does at start

    scripts = {
        "03.03.00_01_pre_applied_already.sql": "CREATE TABLE t_applied_already (x int);",
        "03.04.00_50_post_second.sql": "INSERT INTO t_migrated VALUES ('post');",
        "03.04.00_01_pre_first.sql": "CREATE TABLE t_migrated (x text);"
        " INSERT INTO t_migrated VALUES ('pre');",
        "03.11.00_01_pre_not_yet.sql": "CREATE TABLE t_not_yet (x int);",
    }
    for name, sql in scripts.items():
        (tmp_path / name).write_text(sql)
    with engine.begin() as connection:
        applied = job_queue.install(connection, "", "3.10.0", tmp_path.glob("*.sql"), upgrade=True)

    assert applied is True
    with engine.connect() as connection:
        assert connection.execute(text("SELECT x FROM t_migrated")).scalars().all() == ["pre", "post"]
    assert not _exists(engine, "t_applied_already") and not _exists(engine, "t_not_yet")
    assert _recorded(engine) == "3.10.0"
    engine.dispose()


def test_the_real_migrations_between_releases_are_picked_in_order() -> None:
    from procrastinate.schema import SchemaManager

    scripts = Path(SchemaManager.get_migrations_path()).glob("*.sql")
    picked = [path.name for path in job_queue.pending_migrations("3.2.0", "3.10.0", scripts)]
    assert picked[0].startswith("03.03.00_01_pre") and picked[-1].startswith("03.04.00_50_post")
    assert picked == sorted(picked) and not any(name.startswith("03.02") for name in picked)


def test_a_job_queue_from_a_newer_release_is_refused_even_by_db_upgrade(pg_url: str, tmp_path: Path) -> None:
    engine = _schema_engine(pg_url)
    job_queue.install_job_queue(engine)
    _record(engine, "9.0.0")
    with pytest.raises(job_queue.JobQueueSchemaError, match="newer"):
        job_queue.install_job_queue(engine, upgrade=True)
    config = _config(tmp_path, pg_url)
    result = runner.invoke(app, ["db", "upgrade", "--config", str(config)])
    assert result.exit_code == 2 and "newer" in result.output
    engine.dispose()
