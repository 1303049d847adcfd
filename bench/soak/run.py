"""Soak: `orderline serve` with embedded processing at half its measured ingest rate.

Usage: .venv/bin/python bench/soak/run.py [--minutes 60]

Starts the real service on a fresh SQLite file, measures its ingest rate with a short
burst of signed Shopify webhooks (as bench/ingest does: as fast as it acknowledges,
processing running beside it), waits for processing to absorb the burst, then posts new
orders' webhooks at half that rate (`--share`) for `--minutes` (the load generator is a
process of its own: loadgen.py). Every minute it prints the server's RSS (VmRSS of its
process, from /proc), the worker's, the p99 acknowledgement latency of that minute and
the processing backlog (pending deliveries); at the end the server's RSS slope (least
squares, MB per hour). Last line:
    soak minutes=N rss_start_mb=N rss_end_mb=N p99_ms=N
"""

from __future__ import annotations

import argparse
import json
import pickle
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent / "crash_loop"))  # the shared process handling

from loadgen import Template  # noqa: E402
from processes import ProcessId, ServerProcess, rss_mb  # noqa: E402

from orderline.clock import system_clock  # noqa: E402
from orderline.simulation.shopify import generate_order_history  # noqa: E402

SHOP = "soak.myshopify.com"
SECRET = "soak-secret"
FIRST_ORDER_ID = 800_000_000_000_000
"""15 digits: no other id in a simulated body (13 digits) contains one (see loadgen.py)."""
SETTLE_TIMEOUT_S = 600.0


def build_templates(orders: int, seed: int) -> list[Template]:
    rng = random.Random(seed)
    start = (system_clock() - timedelta(days=5)).replace(hour=9, minute=0, second=0, microsecond=0)
    templates: list[Template] = []
    for n in range(orders):
        order_id = FIRST_ORDER_ID + n
        for webhook in generate_order_history(rng, order_id=order_id, start=start + timedelta(minutes=3 * n)):
            headers = webhook.headers(SECRET, SHOP)
            del headers["X-Shopify-Hmac-Sha256"]  # signed per request: the body changes per lap
            templates.append((headers, webhook.body, order_id))
    return templates


def write_config(directory: Path) -> Path:
    config = directory / "orderline.yaml"
    config.write_text(
        f"database_url: sqlite:///{directory / 'soak.db'}\n"
        "stores:\n"
        "  - id: soak\n"
        "    platform: shopify\n"
        f"    shop_domain: {SHOP}\n"
        f"    webhook_secrets: [{SECRET}]\n"
    )
    return config


def loadgen(port: int, templates: Path, *options: str) -> subprocess.Popen[str]:
    command = [sys.executable, str(HERE / "loadgen.py"), "--port", str(port), "--templates", str(templates)]
    return subprocess.Popen([*command, *options], stdout=subprocess.PIPE, text=True)


def measure_rate(port: int, templates: Path, requests: int) -> dict[str, float]:
    burst = loadgen(port, templates, "--burst", str(requests), "--connections", "64")
    out, _ = burst.communicate()
    if burst.returncode != 0:
        raise RuntimeError(f"the burst failed ({burst.returncode})")
    result: dict[str, float] = json.loads(out.splitlines()[-1])
    return result


def backlog(database: Path) -> int:
    """Deliveries not processed yet (through the (status, id) index)."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30) as connection:
        (count,) = connection.execute("SELECT count(*) FROM inbox WHERE status = 'pending'").fetchone()
    connection.close()
    return int(count)


def wait_processed(database: Path, timeout_s: float) -> float:
    started = time.monotonic()
    while backlog(database) and time.monotonic() - started < timeout_s:
        time.sleep(1.0)
    return time.monotonic() - started


def slope_mb_per_h(samples: list[tuple[float, float]]) -> float:
    """Least-squares slope of (minute, MB) samples, per hour."""
    if len(samples) < 2:
        return 0.0
    mean_t = sum(t for t, _ in samples) / len(samples)
    mean_m = sum(m for _, m in samples) / len(samples)
    spread = sum((t - mean_t) ** 2 for t, _ in samples)
    return 60 * sum((t - mean_t) * (m - mean_m) for t, m in samples) / spread


def soak(
    server: ServerProcess, database: Path, templates: Path, rate: float, args: argparse.Namespace
) -> None:
    """Load at `rate` for `minutes`, a line per minute; the summary and the last line."""
    samples = [(0.0, rss_mb(server.pid) or 0.0)]
    print(f"minute   0: server rss {samples[0][1]:7.1f} MB  worker rss {_rss(server.workers()):7.1f} MB")
    minutes = args.minutes
    options = ["--rate", f"{rate:.1f}", "--minutes", str(minutes), "--connections", str(args.connections)]
    generator = loadgen(server.port, templates, *options)
    assert generator.stdout is not None
    overall: dict[str, Any] = {}
    for line in generator.stdout:
        window = json.loads(line)
        if window["minute"] == "all":
            overall = window
            continue
        samples.append((float(window["minute"]), rss_mb(server.pid) or 0.0))
        print(minute_line(window, samples[-1][1], _rss(server.workers()), backlog(database)), flush=True)
    if generator.wait() != 0 or not overall:
        raise RuntimeError(f"the load generator failed ({generator.returncode})")
    print(
        f"{overall['count']} webhooks in {overall['seconds']:.0f} s ({overall['per_s']:.1f}/s), "
        f"answers {overall['statuses']}; server RSS slope {slope_mb_per_h(samples):+.1f} MB/h"
    )
    print(
        f"soak minutes={minutes} rss_start_mb={samples[0][1]:.1f} rss_end_mb={samples[-1][1]:.1f} "
        f"p99_ms={overall['p99_ms']:.1f}"
    )


def minute_line(window: dict[str, Any], server_mb: float, worker_mb: float, pending: int) -> str:
    return (
        f"minute {window['minute']:>3}: server rss {server_mb:7.1f} MB  worker rss {worker_mb:7.1f} MB  "
        f"acknowledged {window['per_s']:6.1f}/s  p99 {window['p99_ms']:7.1f} ms  "
        f"backlog {pending:>6}  answers {window['statuses']}"
    )


def _rss(processes: list[ProcessId]) -> float:
    return sum(rss_mb(p.pid) or 0.0 for p in processes)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=int, default=60)
    parser.add_argument(
        "--orders", type=int, default=2000, help="order histories per lap (~15 webhooks each)"
    )
    parser.add_argument("--burst", type=int, default=10_000, help="webhooks of the rate measurement")
    parser.add_argument("--connections", type=int, default=32, help="keep-alive connections of the soak")
    parser.add_argument("--share", type=float, default=0.5, help="of the measured ingest rate, for the soak")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="orderline-soak-") as tmp:
        directory = Path(tmp)
        templates = directory / "templates.pickle"
        pool = build_templates(args.orders, args.seed)
        templates.write_bytes(pickle.dumps((SECRET, pool)))
        with ServerProcess(write_config(directory), directory / "server.log") as server:
            server.start()
            measured = measure_rate(server.port, templates, min(args.burst, len(pool)))
            rate = measured["per_s"] * args.share
            settled_s = wait_processed(directory / "soak.db", SETTLE_TIMEOUT_S)
            print(
                f"ingest burst: {measured['count']:.0f} webhooks at {measured['per_s']:.0f}/s "
                f"(p99 {measured['p99_ms']:.1f} ms), processed {settled_s:.0f} s later; "
                f"soaking at {rate:.0f}/s",
                flush=True,
            )
            soak(server, directory / "soak.db", templates, rate, args)
            server.stop()


if __name__ == "__main__":
    main()
