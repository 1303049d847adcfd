"""Crash safety (ack after durable commit), against real processes.

A load of signed Shopify webhooks runs against `orderline serve` on SQLite; once enough
of them are acknowledged, and while requests are in flight, the server is SIGKILLed:
either the server alone (its processing worker must then exit by itself) or the whole
service, worker included (as when the host or container dies). Every webhook answered
2xx must then be in the inbox. The server is restarted on the same file, the
platform's retries (everything not acknowledged, plus redeliveries of acknowledged
ones) are sent, and once the inbox is drained the order projections must equal a
replay of the inbox.
"""

from __future__ import annotations

import random
import signal
import sqlite3
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select

from orderline.bootstrap import build_runtime
from orderline.clock import system_clock
from orderline.config import load_config
from orderline.persistence.tables import facts, inbox, orders
from orderline.services.replay import replay_inbox
from orderline.simulation.shopify import ShopifyWebhook, generate_order_history
from tests.e2e.conftest import SECRET, SHOP, write_config
from tests.e2e.server_process import ProcessId, ServerProcess, wait_gone

ORDER_COUNT = 200
CONCURRENCY = 16
SEED = 20261127
TRAFFIC_DAYS_AGO = 5
"""Histories span up to ~17 days: most of the load is past, with timers due; the rest lies ahead."""
KILL_AFTER_ACKED = 0.40
"""Kill once this share of the load is acknowledged and enough requests are in flight..."""
KILL_MIN_IN_FLIGHT = CONCURRENCY // 2
KILL_AT_LATEST = 0.60
"""...or, whatever is in flight, once this share is: the kill always lands mid-load."""
REDELIVERED_SHARE = 0.10
DRAIN_TIMEOUT_S = 45.0
ORPHAN_TIMEOUT_S = 30.0
"""The worker notices its server is gone within a second, then finishes its batch (<= 10 s)."""


def _load(seed: int, start: datetime) -> list[ShopifyWebhook]:
    """Every webhook of ORDER_COUNT order histories, in the order the platform triggers them."""
    rng = random.Random(seed)
    webhooks: list[ShopifyWebhook] = []
    for n in range(ORDER_COUNT):
        webhooks.extend(
            generate_order_history(rng, order_id=7_100_000 + n, start=start + timedelta(minutes=3 * n))
        )
    webhooks.sort(key=lambda w: w.triggered_at)
    return webhooks


def _traffic_start() -> datetime:
    """09:00 UTC TRAFFIC_DAYS_AGO days before `now` on the server's clock (both honour
    ORDERLINE_CLOCK_OFFSET), so the load sits where it does whatever today's date."""
    return (system_clock() - timedelta(days=TRAFFIC_DAYS_AGO)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )


@dataclass
class LoadOutcome:
    acked: set[str] = field(default_factory=set)
    failed: dict[str, str] = field(default_factory=dict)
    """webhook id -> the transport error's class name (connection refused, reset, ...)."""
    rejected: dict[str, int] = field(default_factory=dict)
    """webhook id -> a non-2xx status."""
    acked_at_kill: int | None = None
    in_flight_at_kill: int | None = None
    children: list[ProcessId] = field(default_factory=list)
    """The server's children (processing worker, resource tracker) when it was killed."""


class KillingLoad:
    """Posts webhooks concurrently and SIGKILLs the server mid-load, at a deterministic point."""

    def __init__(self, server: ServerProcess, total: int, *, with_children: bool) -> None:
        self._server = server
        self._with_children = with_children
        self._kill_at = int(total * KILL_AFTER_ACKED)
        self._kill_at_latest = int(total * KILL_AT_LATEST)
        self._lock = threading.Lock()
        self._in_flight = 0
        self.outcome = LoadOutcome()

    def run(self, webhooks: list[ShopifyWebhook]) -> LoadOutcome:
        with _client() as client, ThreadPoolExecutor(CONCURRENCY) as pool:
            list(pool.map(lambda w: self._post(client, w), webhooks))
        return self.outcome

    def _post(self, client: httpx.Client, webhook: ShopifyWebhook) -> None:
        with self._lock:
            self._in_flight += 1
        try:
            response = _send(client, self._server.url, webhook)
        except httpx.TransportError as error:
            with self._lock:
                self.outcome.failed[webhook.webhook_id] = type(error).__name__
            return
        finally:
            with self._lock:
                self._in_flight -= 1
        with self._lock:
            if not response.is_success:
                self.outcome.rejected[webhook.webhook_id] = response.status_code
                return
            self.outcome.acked.add(webhook.webhook_id)
            self._maybe_kill()

    def _maybe_kill(self) -> None:
        """Called under the lock; `_in_flight` counts the other workers' outstanding requests."""
        if self.outcome.acked_at_kill is not None:
            return
        acked = len(self.outcome.acked)
        if acked >= self._kill_at_latest or (
            acked >= self._kill_at and self._in_flight >= KILL_MIN_IN_FLIGHT
        ):
            self.outcome.children = self._server.send_kill(with_children=self._with_children)
            self.outcome.acked_at_kill = acked
            self.outcome.in_flight_at_kill = self._in_flight


def _client() -> httpx.Client:
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    return httpx.Client(limits=limits, timeout=httpx.Timeout(30.0, connect=5.0))


def _send(client: httpx.Client, base_url: str, webhook: ShopifyWebhook) -> httpx.Response:
    return client.post(
        f"{base_url}/webhooks/shopify", content=webhook.body, headers=webhook.headers(SECRET, SHOP)
    )


def _redeliver(server: ServerProcess, webhooks: list[ShopifyWebhook]) -> dict[str, int]:
    """The platform's retries against the restarted server: webhook id -> status."""
    with _client() as client, ThreadPoolExecutor(CONCURRENCY) as pool:
        statuses = pool.map(lambda w: (w.webhook_id, _send(client, server.url, w).status_code), webhooks)
        return dict(statuses)


def _inbox_keys(database: Path) -> list[str]:
    """Read straight from the file with the sqlite3 module: no Orderline code in the way."""
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT dedupe_key FROM inbox").fetchall()
    connection.close()
    return [str(key) for (key,) in rows]


def _inbox_statuses(connection: sqlite3.Connection) -> dict[str, int]:
    rows = connection.execute("SELECT status, count(*) FROM inbox GROUP BY status").fetchall()
    return {str(status): int(count) for status, count in rows}


def _wait_drained(database: Path, expected_rows: int, timeout_s: float) -> dict[str, int]:
    """Poll, on one autocommit connection, until every row is stored and none is pending."""
    connection = sqlite3.connect(database, timeout=30, isolation_level=None)
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            statuses = _inbox_statuses(connection)
            if sum(statuses.values()) == expected_rows and statuses.get("pending", 0) == 0:
                return statuses
            if time.monotonic() > deadline:
                raise AssertionError(f"inbox not drained within {timeout_s} s: {statuses}")
            time.sleep(0.5)
    finally:
        connection.close()


def _rows(engine: Engine, columns: Iterable[Any], order_by: Iterable[Any]) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(select(*columns).order_by(*order_by))]


def _snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Everything derived from the inbox, minus surrogate ids and processing timestamps."""
    return {
        "orders": _rows(engine, orders.columns, [orders.c.store_id, orders.c.order_id]),
        "facts": _rows(
            engine,
            [facts.c.store_id, facts.c.order_id, facts.c.fact_key, facts.c.fact_type, facts.c.body],
            [facts.c.store_id, facts.c.order_id, facts.c.fact_key],
        ),
        "outcomes": _rows(
            engine, [inbox.c.dedupe_key, inbox.c.status, inbox.c.order_id, inbox.c.error], [inbox.c.id]
        ),
    }


def _first_difference(live: list[tuple[Any, ...]], replayed: list[tuple[Any, ...]]) -> str:
    for index, (a, b) in enumerate(zip(live, replayed, strict=False)):
        if a != b:
            return f"row {index}:\n  live:     {a!r}\n  replayed: {b!r}"
    return f"{len(live)} live rows, {len(replayed)} replayed rows"


@pytest.mark.slow
@pytest.mark.replay_at_any_date
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="finds the server's worker in /proc")
@pytest.mark.parametrize("killed", ["server", "service"])
def test_sigkill_mid_load_loses_nothing_acknowledged_and_projections_equal_a_replay(
    tmp_path: Path, killed: str
) -> None:
    started = time.monotonic()
    database = tmp_path / "orderline.db"
    config = write_config(tmp_path, f"sqlite:///{database}")
    webhooks = _load(SEED, _traffic_start())
    by_id = {w.webhook_id: w for w in webhooks}
    assert len(by_id) == len(webhooks), "the simulator gave two deliveries one webhook id"

    with ServerProcess(config, tmp_path / "server.log") as server:
        # 1. Load, and SIGKILL the server (and, for "service", its worker) in the middle of it.
        server.start()
        marks = {"started": time.monotonic() - started}
        load = KillingLoad(server, len(webhooks), with_children=killed == "service").run(webhooks)
        assert load.acked_at_kill is not None, "the load finished without the kill"
        marks["loaded"] = time.monotonic() - started
        assert server.kill() == -signal.SIGKILL, server.log_tail()
        assert load.children, "serve started no processing worker"
        lingering = wait_gone(load.children, ORPHAN_TIMEOUT_S)
        assert not lingering, f"children of the killed server still run after {ORPHAN_TIMEOUT_S} s"
        assert not {s for s in load.rejected.values() if 400 <= s < 500}, load.rejected
        assert load.acked, "nothing was acknowledged before the kill"
        assert load.failed, "no request failed: the kill did not land mid-load"

        # 2. Nothing acknowledged is lost: read the file as the crash left it.
        stored_after_crash = set(_inbox_keys(database))
        lost = load.acked - stored_after_crash
        assert not lost, f"{len(lost)} acknowledged webhooks are not in the inbox, e.g. {sorted(lost)[:5]}"
        stored_unacked = stored_after_crash - load.acked

        # 3. Restart on the same file; the platform retries what was not acknowledged and
        #    redelivers a sample of what was.
        server.start()
        marks["restarted"] = time.monotonic() - started
        rng = random.Random(SEED)
        acked_sample = set(rng.sample(sorted(load.acked), max(1, int(len(load.acked) * REDELIVERED_SHARE))))
        retry_ids = (set(by_id) - load.acked) | acked_sample
        retries = [w for w in webhooks if w.webhook_id in retry_ids]
        statuses = _redeliver(server, retries)
        refused = {k: v for k, v in statuses.items() if v != 200}
        assert not refused, f"{len(refused)} retries/redeliveries not answered 200: {refused}"
        marks["retried"] = time.monotonic() - started

        # 4. Let the processing worker drain the inbox, then stop the service gracefully.
        outcome_counts = _wait_drained(database, len(by_id), DRAIN_TIMEOUT_S)
        marks["drained"] = time.monotonic() - started
        children = server.children()
        # uvicorn shuts down gracefully on SIGTERM, then re-raises the signal it caught.
        assert server.stop() in (0, -signal.SIGTERM), server.log_tail()
        assert not wait_gone(children, ORPHAN_TIMEOUT_S), "the worker outlived a graceful stop"
    marks["stopped"] = time.monotonic() - started

    # 5. One row per distinct webhook, none pending, nothing acknowledged missing.
    keys = _inbox_keys(database)
    assert len(keys) == len(set(keys)) == len(by_id)
    assert set(keys) == set(by_id)
    assert outcome_counts.get("pending", 0) == 0
    assert set(outcome_counts) <= {"processed", "ignored"}, outcome_counts

    # 6. The projections the live service built equal a replay of the inbox.
    runtime = build_runtime(load_config(config))
    try:
        live = _snapshot(runtime.engine)
        assert len(live["orders"]) == ORDER_COUNT
        replay_inbox(runtime.engine, runtime.processor)
        replayed = _snapshot(runtime.engine)
    finally:
        runtime.engine.dispose()
    for table in live:
        assert live[table] == replayed[table], f"{table} differ after replay: " + _first_difference(
            live[table], replayed[table]
        )

    failures = dict(Counter(load.failed.values()))
    phases = ", ".join(f"{name} {at:.1f}" for name, at in marks.items())
    print(
        f"\ncrash safety ({killed}): {len(webhooks)} webhooks; SIGKILL at {load.acked_at_kill} acked with "
        f"{load.in_flight_at_kill} in flight; {len(load.acked)} acked, {len(load.failed)} failed {failures}, "
        f"{len(stored_unacked)} stored unacknowledged; {len(retries)} retried after restart; "
        f"outcomes {outcome_counts}; {time.monotonic() - started:.1f} s ({phases})"
    )
