"""Webhook intake benchmark. Usage: .venv/bin/python bench/ingest/run.py [--orders N] [--rate N]

Prints events/s and ack latency (p50, p99, p99.9) for durable intake, with the processing
worker alongside as `orderline serve` runs it, next to the HTTP ceiling (same stack, no-op
store) and raw durable SQLite inserts, all measured in this run. Durable intake is driven
at a fixed rate (`--rate`, 5,000/s: open loop, each latency counted from when its request
was due); the ceiling as fast as it answers. The last line is machine-readable:
    ingest events_per_s=N p99_ms=N ceiling_per_s=N ratio=N
(`events_per_s`: acknowledgements per second of the durable run; at a fixed rate it cannot
exceed the rate, so a ratio below 1 may only mean the ceiling is higher than the rate.)
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import random
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from orderline.simulation.shopify import ShopifyWebhook, generate_order_history

HERE = Path(__file__).parent
SHOP = "bench-shop.myshopify.com"
SECRET = "bench-secret"


def build_requests(order_count: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    start = datetime(2026, 11, 27, tzinfo=UTC)
    webhooks: list[ShopifyWebhook] = []
    for n in range(order_count):
        webhooks.extend(
            generate_order_history(rng, order_id=9_000_000 + n, start=start + timedelta(minutes=n))
        )
    return [_http_request(w) for w in webhooks]


def _http_request(webhook: ShopifyWebhook) -> bytes:
    headers = webhook.headers(SECRET, SHOP)
    lines = [b"POST /webhooks/shopify HTTP/1.1", b"Host: 127.0.0.1"]
    lines += [f"{k}: {v}".encode() for k, v in headers.items() if k.lower() != "content-length"]
    lines.append(f"Content-Length: {len(webhook.body)}".encode())
    return b"\r\n".join(lines) + b"\r\n\r\n" + webhook.body


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _write_config(directory: Path) -> Path:
    config = directory / "orderline.yaml"
    config.write_text(
        f"database_url: sqlite:///{directory / 'bench.db'}\n"
        "stores:\n"
        "  - id: bench\n"
        "    platform: shopify\n"
        f"    shop_domain: {SHOP}\n"
        f"    webhook_secrets: [{SECRET}]\n"
    )
    return config


def run_server_and_load(
    mode: str, requests_file: Path, connections: int, rate: float = 0.0
) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix=f"orderline-bench-{mode}-") as tmp:
        config = _write_config(Path(tmp))
        port = _free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                str(HERE / "server.py"),
                "--config",
                str(config),
                "--port",
                str(port),
                "--mode",
                mode,
            ]
        )
        try:
            _wait_ready(port)
            load = subprocess.run(
                [
                    sys.executable,
                    str(HERE / "loadgen.py"),
                    "--port",
                    str(port),
                    "--requests",
                    str(requests_file),
                    "--connections",
                    str(connections),
                    "--rate",
                    str(rate),
                ],
                check=True,
                capture_output=True,
                text=True,
            )
            result: dict[str, object] = json.loads(load.stdout)
            result["records_per_commit"] = _records_per_commit(port)
            if mode.startswith("durable"):
                result["stored"], result["processed"] = _count_rows(Path(tmp) / "bench.db")
        finally:
            server.terminate()
            server.wait(30)
    return result


def _wait_ready(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not become ready in 30 s")


def _records_per_commit(port: int) -> float:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    values = {
        line.split()[0]: float(line.split()[1])
        for line in text.splitlines()
        if line.startswith("orderline_intake")
    }
    commits = values.get("orderline_intake_commits_total", 0.0)
    return values.get("orderline_intake_records_total", 0.0) / commits if commits else 0.0


def _count_rows(database: Path) -> tuple[int, int]:
    with sqlite3.connect(database) as connection:
        stored = connection.execute("SELECT count(*) FROM inbox").fetchone()[0]
        processed = connection.execute("SELECT count(*) FROM inbox WHERE status != 'pending'").fetchone()[0]
    return int(stored), int(processed)


def raw_sqlite_inserts(requests: list[bytes], batch: int) -> float:
    """Rows/s for fsync-durable inserts of the same bodies, `batch` rows per commit."""
    with tempfile.TemporaryDirectory(prefix="orderline-bench-raw-") as tmp:
        connection = sqlite3.connect(os.path.join(tmp, "raw.db"), isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")
        connection.execute("CREATE TABLE inbox (id INTEGER PRIMARY KEY, dedupe_key TEXT UNIQUE, body BLOB)")
        rows = requests[:20000]
        started = time.perf_counter()
        for offset in range(0, len(rows), batch):
            connection.execute("BEGIN")
            connection.executemany(
                "INSERT INTO inbox (dedupe_key, body) VALUES (?, ?)",
                [(str(offset + i), body) for i, body in enumerate(rows[offset : offset + batch])],
            )
            connection.execute("COMMIT")
        elapsed = time.perf_counter() - started
        connection.close()
    return len(rows) / elapsed


def _row(label: str, result: dict[str, Any]) -> None:
    print(
        f"{label:<52}{result['per_s']:>10.0f}{result['p50_ms']:>9.2f}"
        f"{result['p99_ms']:>9.2f}{result['p999_ms']:>10.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--orders", type=int, default=4000, help="order histories to generate (~8 webhooks each)"
    )
    parser.add_argument(
        "--connections", type=int, default=128, help="keep-alive connections of the ceiling run"
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=5000.0,
        help="webhooks/s offered to durable intake (0: as fast as answered)",
    )
    parser.add_argument(
        "--rate-connections",
        type=int,
        default=256,
        help="keep-alive connections of the fixed-rate run (a request waits for a free one, and that counts)",
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    requests = build_requests(args.orders, args.seed)
    sizes = sorted(len(r) for r in requests)
    print(f"{len(requests)} signed webhooks, median request {sizes[len(sizes) // 2]} bytes")
    with tempfile.NamedTemporaryFile(suffix=".pickle", delete=False) as handle:
        pickle.dump(requests, handle)
        requests_file = Path(handle.name)
    try:
        ceiling = run_server_and_load("noop", requests_file, args.connections)
        durable = run_server_and_load(
            "durable", requests_file, args.rate_connections if args.rate else args.connections, args.rate
        )
    finally:
        requests_file.unlink()
    raw_single = raw_sqlite_inserts(requests, 1)
    raw_batched = raw_sqlite_inserts(requests, 256)

    offered = f"at {args.rate:.0f}/s offered" if args.rate else "as fast as answered"
    print(f"{'measure':<52}{'per s':>10}{'p50 ms':>9}{'p99 ms':>9}{'p99.9 ms':>10}")
    _row("HTTP ceiling (signed no-op endpoint)", ceiling)
    _row(f"durable intake + processing, {offered}", durable)
    print(f"{'raw SQLite, 1 fsync-durable commit per row':<52}{raw_single:>10.0f}")
    print(f"{'raw SQLite, 1 commit per 256 rows':<52}{raw_batched:>10.0f}")
    print(f"answers: noop {ceiling['statuses']}  durable {durable['statuses']}")
    print(
        f"durable run: {durable['stored']} rows stored, {durable['processed']} processed when it stopped, "
        f"{durable['records_per_commit']:.1f} records per commit, slowest answer {durable['max_ms']:.1f} ms"
    )
    ratio = float(durable["per_s"]) / float(ceiling["per_s"])  # type: ignore[arg-type]
    print(
        f"ingest events_per_s={durable['per_s']:.0f} p99_ms={durable['p99_ms']:.1f} "
        f"ceiling_per_s={ceiling['per_s']:.0f} ratio={ratio:.2f}"
    )


if __name__ == "__main__":
    main()
