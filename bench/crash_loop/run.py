"""Crash loop: SIGKILL `orderline serve` and its processing worker over and over, under load.

Usage: .venv/bin/python bench/crash_loop/run.py [--kills 50] [--postgres] [--rate 200]

A platform-style sender (sender.py) posts signed Shopify webhooks and retries each until
it is answered 2xx. Between kills the load runs for a random 1-3 s, then the kill waits
(up to 1 s) for requests in flight. The kills take turns (`--kinds`): the server alone
(its worker must exit by itself; the server is restarted on the same database), the
processing worker alone (the server restarts it), and, if listed, the whole service at
once. After every kill, every acknowledged webhook must be in the inbox. Every
`--check-every` kills and at the end, the sender pauses until all it sent is
acknowledged, processing catches up, and `orderline replay --dry-run --json` must
report no order that a replay would change.

A SQLite file by default; `--postgres` runs in a schema of its own (dropped afterwards)
of the PostgreSQL named by ORDERLINE_TEST_POSTGRES. The last line is machine-readable:
    crash_loop kills=N acknowledged=N lost=N replay_diffs=N
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from checks import inbox_keys, replay_changes, reused_id_letters, wait_settled
from processes import ProcessId, ServerProcess, wait_gone
from sender import SECRET, SHOP, PlatformSender, Traffic
from sqlalchemy import Engine, create_engine, text

from orderline.clock import system_clock
from orderline.persistence.database import make_engine, migrate

POSTGRES_URL = os.environ.get("ORDERLINE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
KINDS = ("server", "worker", "service")
ORPHAN_TIMEOUT_S = 30.0
"""A worker notices within a second that its server is gone, then finishes its batch."""
WORKER_TIMEOUT_S = 30.0
"""The server notices a dead worker within a second and restarts it after 1 s."""
SETTLE_TIMEOUT_S = 300.0
LOAD_BETWEEN_KILLS_S = (1.0, 3.0)
KILL_MIN_IN_FLIGHT = 3
KILL_WAIT_S = 1.0
"""After the load period, the kill waits up to this long for that many requests in flight."""


@dataclass
class Tally:
    kills: Counter[str] = field(default_factory=Counter)
    lost: set[str] = field(default_factory=set)
    """Acknowledged webhook ids found missing from the inbox at any check."""
    replay_diffs: int = 0
    checks: int = 0
    in_flight_at_kill: list[int] = field(default_factory=list)


class CrashLoop:
    def __init__(
        self,
        server: ServerProcess,
        sender: PlatformSender,
        engine: Engine,
        config: Path,
        args: argparse.Namespace,
    ) -> None:
        self._server = server
        self._sender = sender
        self._engine = engine
        self._config = config
        self._args = args
        self._rng = random.Random(args.seed)
        self.tally = Tally()

    def run(self) -> Tally:
        kinds = self._args.kinds.split(",")
        for n in range(1, self._args.kills + 1):
            time.sleep(self._rng.uniform(*LOAD_BETWEEN_KILLS_S))
            self._wait_in_flight(KILL_MIN_IN_FLIGHT, KILL_WAIT_S)
            self._kill(n, kinds[(n - 1) % len(kinds)])
            if n % self._args.check_every == 0 and n < self._args.kills:
                self._check(f"after {n} kills")
        self._check("at the end")
        return self.tally

    def _wait_in_flight(self, requests: int, timeout_s: float) -> None:
        """Let the kill land while requests are being answered, if that comes soon."""
        deadline = time.monotonic() + timeout_s
        while self._sender.in_flight < requests and time.monotonic() < deadline:
            time.sleep(0.001)

    def _kill(self, n: int, kind: str) -> None:
        in_flight = self._sender.in_flight
        started = time.monotonic()
        lost = self._kill_worker() if kind == "worker" else self._kill_server(with_children=kind == "service")
        self.tally.kills[kind] += 1
        self.tally.in_flight_at_kill.append(in_flight)
        print(
            f"kill {n:>3}/{self._args.kills} {kind:<7} in flight {in_flight:>2}  "
            f"acknowledged {len(self._sender.acked):>6}  lost {lost}  "
            f"back in {time.monotonic() - started:.1f} s",
            flush=True,
        )

    def _kill_server(self, *, with_children: bool) -> int:
        """SIGKILL the server (and its worker); check the file as the crash left it; restart."""
        children = self._server.send_kill(with_children=with_children)
        self._server.kill()  # reap it
        lost = self._lost()
        lingering = wait_gone(children, ORPHAN_TIMEOUT_S)
        if lingering:
            raise RuntimeError(
                f"children of the killed server still run after {ORPHAN_TIMEOUT_S} s: {lingering}"
            )
        self._server.start()
        return lost

    def _kill_worker(self) -> int:
        worker = self._worker(other_than=None)
        worker.kill()
        lost = self._lost()
        self._worker(other_than=worker)
        return lost

    def _worker(self, other_than: ProcessId | None) -> ProcessId:
        """The server's processing worker (a new one, after a kill), once it runs."""
        deadline = time.monotonic() + WORKER_TIMEOUT_S
        while time.monotonic() < deadline:
            found = [w for w in self._server.workers() if w != other_than]
            if found:
                return found[0]
            time.sleep(0.1)
        raise RuntimeError(f"no processing worker within {WORKER_TIMEOUT_S} s:\n{self._server.log_tail()}")

    def _lost(self) -> int:
        # Acknowledgements are read first: each of them was committed before it was sent.
        acked = self._sender.acked_snapshot()
        missing = acked - inbox_keys(self._engine)
        self.tally.lost |= missing
        return len(missing)

    def _check(self, when: str) -> None:
        started = time.monotonic()
        self._sender.pause()
        statuses, waited = wait_settled(self._engine, SETTLE_TIMEOUT_S)
        lost = self._lost()
        sent, stored = self._sender.acked_snapshot(), inbox_keys(self._engine)
        changed, examples = replay_changes(self._config)
        self.tally.replay_diffs += changed
        self.tally.checks += 1
        print(
            f"check {when}: {len(sent)} sent and acknowledged, {len(stored)} stored, lost {lost}, "
            f"settled in {waited:.1f} s {statuses}; replay would change {changed} orders "
            f"({time.monotonic() - started:.1f} s)",
            flush=True,
        )
        for example in examples:
            print(f"  {example}")
        self._sender.resume()


@contextlib.contextmanager
def database(postgres: bool, directory: Path) -> Iterator[str]:
    """A SQLite file in `directory`, or a fresh PostgreSQL schema dropped afterwards."""
    if not postgres:
        yield f"sqlite:///{directory / 'orderline.db'}"
        return
    admin = create_engine(POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    schema = f"crash_loop_{uuid.uuid4().hex[:10]}"
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def write_config(directory: Path, database_url: str) -> Path:
    path = directory / "orderline.yaml"
    path.write_text(
        f"database_url: '{database_url}'\n"
        "stores:\n"
        "  - id: shop1\n"
        "    platform: shopify\n"
        f"    shop_domain: {SHOP}\n"
        f"    webhook_secrets: [{SECRET}]\n"
    )
    return path


def traffic_start() -> datetime:
    """09:00 UTC five days before the service's `now`: most orders are past, with timers due."""
    return (system_clock() - timedelta(days=5)).replace(hour=9, minute=0, second=0, microsecond=0)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--kinds", default="server,worker", help=f"comma-separated, taken in turn: {KINDS}")
    parser.add_argument("--check-every", type=int, default=10, help="kills between replay checks")
    parser.add_argument(
        "--rate", type=float, default=200.0, help="new webhooks per second (retries come on top)"
    )
    parser.add_argument("--concurrency", type=int, default=16, help="sender threads")
    parser.add_argument(
        "--redeliver", type=float, default=0.03, help="share of acknowledged webhooks sent again"
    )
    parser.add_argument(
        "--postgres", action="store_true", help="PostgreSQL (ORDERLINE_TEST_POSTGRES), not SQLite"
    )
    parser.add_argument("--seed", type=int, default=20261127)
    args = parser.parse_args()
    if unknown := set(args.kinds.split(",")) - set(KINDS):
        parser.error(f"unknown --kinds {sorted(unknown)}; choose from {KINDS}")
    return args


def main() -> None:
    args = parse_args()
    started = time.monotonic()
    with (
        tempfile.TemporaryDirectory(prefix="orderline-crash-loop-") as tmp,
        database(args.postgres, Path(tmp)) as url,
    ):
        config = write_config(Path(tmp), url)
        engine = make_engine(url)
        migrate(engine)  # serve migrates SQLite itself; PostgreSQL is upgraded by hand
        with ServerProcess(config, Path(tmp) / "server.log") as server:
            server.start()
            sender = PlatformSender(
                Traffic(args.seed, traffic_start()),
                lambda: server.url,
                concurrency=args.concurrency,
                rate_per_s=args.rate,
                redeliver_share=args.redeliver,
                seed=args.seed,
            )
            sender.start()
            try:
                tally = CrashLoop(server, sender, engine, config, args).run()
            finally:
                sender.stop()
            server.stop()
        reused = reused_id_letters(engine)
        engine.dispose()
    report(tally, sender, reused, time.monotonic() - started)


def report(tally: Tally, sender: PlatformSender, reused: int, elapsed_s: float) -> None:
    in_flight = sorted(tally.in_flight_at_kill)
    print(
        f"{sum(tally.kills.values())} kills {dict(tally.kills)} in {elapsed_s:.0f} s; "
        f"in flight at a kill: median {in_flight[len(in_flight) // 2]}, max {in_flight[-1]}"
    )
    print(
        f"sender: {sender.attempts} attempts, {len(sender.acked)} webhooks acknowledged, "
        f"{sender.redelivered} redelivered after their acknowledgement, "
        f"attempts without a 2xx {dict(sender.failures)}"
    )
    print(f"{tally.checks} replay checks; reused-webhook-id dead letters (must be 0): {reused}")
    print(
        f"crash_loop kills={sum(tally.kills.values())} acknowledged={len(sender.acked)} "
        f"lost={len(tally.lost)} replay_diffs={tally.replay_diffs}"
    )


if __name__ == "__main__":
    main()
