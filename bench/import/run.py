"""Order-history import benchmark. Usage: .venv/bin/python bench/import/run.py [--orders N]

Starts the fake Shopify Admin API (simulation/shopify/fake_admin) in a process of its
own with N generated orders and its rate limit opened wide (a real shop's limit is
discussed below), then measures, in this run:

  fetch     paging through every order with ShopifyAdminClient, nothing stored
  baseline  raw fsync-durable SQLite inserts of the same node bodies, one commit per page
  import    `orderline import` into a fresh SQLite file: fetch + store raw + process

The last line is machine-readable:
    import orders_per_s=N

Against a real store the Admin API's rate limit, not Orderline, bounds an import: the
leaky bucket restores 100 points/s on Standard and 1,000 on Plus, and a page of full
order nodes costs well over a point per order.
"""

from __future__ import annotations

import argparse
import multiprocessing
import socket
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import orjson
import typer
from typer.testing import CliRunner

from orderline.cli.importing import import_orders
from orderline.connectors.shopify import AdminApiSettings, ShopifyAdminClient
from orderline.connectors.shopify.client import MAX_PAGE_SIZE
from orderline.simulation.shopify.fake_admin import ShopSpec, serve_forever
from orderline.store import order_queries
from orderline.store.database import make_engine

SHOP = "bench-shop.myshopify.com"
SINCE = datetime(2020, 1, 1, tzinfo=UTC)


@dataclass
class FetchRun:
    orders: int
    seconds: float
    pages: list[list[tuple[str, bytes]]]
    """Per page: (dedupe key, node body), for the baseline."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_shop(spec: ShopSpec) -> tuple[multiprocessing.process.BaseProcess, str]:
    port = _free_port()
    process = multiprocessing.get_context("spawn").Process(
        target=serve_forever, args=(spec, port), daemon=True
    )
    process.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            httpx.post(f"{url}/ready", timeout=1)
            return process, url
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError("the fake Admin API did not start")


def fetch_all(url: str, spec: ShopSpec) -> FetchRun:
    settings = AdminApiSettings(SHOP, spec.access_token, api_base_url=url)
    pages: list[list[tuple[str, bytes]]] = []
    orders, spent = 0, 0.0
    with ShopifyAdminClient(settings) as client:
        started = time.perf_counter()
        for page in client.orders_updated_since(SINCE, MAX_PAGE_SIZE):
            spent += time.perf_counter() - started
            orders += len(page.orders)
            pages.append(
                [(f"import:{n['legacyResourceId']}:{n['updatedAt']}", orjson.dumps(n)) for n in page.orders]
            )
            started = time.perf_counter()
    return FetchRun(orders, spent, pages)


def raw_inserts(pages: list[list[tuple[str, bytes]]], directory: Path) -> float:
    """Seconds to insert every body durably (WAL, synchronous=FULL), one commit per page."""
    connection = sqlite3.connect(directory / "baseline.db", isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute(
        "CREATE TABLE inbox (id INTEGER PRIMARY KEY, store_id TEXT, dedupe_key TEXT, received_at TEXT,"
        " body BLOB, UNIQUE (store_id, dedupe_key))"
    )
    received_at = datetime.now(UTC).isoformat()
    started = time.perf_counter()
    for page in pages:
        connection.execute("BEGIN")
        connection.executemany(
            "INSERT INTO inbox (store_id, dedupe_key, received_at, body) VALUES ('bench', ?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            [(key, received_at, body) for key, body in page],
        )
        connection.execute("COMMIT")
    seconds = time.perf_counter() - started
    connection.close()
    return seconds


def full_import(url: str, spec: ShopSpec, directory: Path) -> tuple[float, str, int]:
    config = directory / "orderline.yaml"
    database = directory / "import.db"
    config.write_text(
        f"database_url: sqlite:///{database}\n"
        "stores:\n"
        "  - id: bench\n"
        "    platform: shopify\n"
        f"    shop_domain: {SHOP}\n"
        "    webhook_secrets: [bench-secret]\n"
        f"    api_token: {spec.access_token}\n"
        f"    api_base_url: {url}\n"
    )
    app = typer.Typer()
    app.callback()(lambda: None)
    app.command("import")(import_orders)
    started = time.perf_counter()
    result = CliRunner().invoke(
        app, ["import", "--store", "bench", "--since", "2020-01-01", "--config", str(config)]
    )
    seconds = time.perf_counter() - started
    if result.exit_code != 0:
        raise RuntimeError(f"import failed: {result.output}")
    engine = make_engine(f"sqlite:///{database}")
    with engine.connect() as connection:
        orders = order_queries.count_orders(connection)
    engine.dispose()
    return seconds, result.stdout.strip().splitlines()[-1], orders


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    spec = ShopSpec(order_count=args.orders, seed=args.seed, bucket_size=1e12, restore_rate=1e12)
    started = time.perf_counter()
    process, url = start_shop(spec)
    print(
        f"fake Admin API: {args.orders} orders generated and served in {time.perf_counter() - started:.1f}s"
    )
    try:
        with tempfile.TemporaryDirectory(prefix="orderline-bench-import-") as tmp:
            fetched = fetch_all(url, spec)
            baseline_s = raw_inserts(fetched.pages, Path(tmp))
            import_s, summary, stored = full_import(url, spec, Path(tmp))
    finally:
        process.terminate()
        process.join()
    _report(args.orders, fetched, baseline_s, import_s, summary, stored)


def _report(
    total: int, fetched: FetchRun, baseline_s: float, import_s: float, summary: str, stored: int
) -> None:
    if fetched.orders != total or stored != total:
        raise SystemExit(f"expected {total} orders, fetched {fetched.orders}, stored {stored}")
    fetch_rate, baseline_rate, import_rate = total / fetched.seconds, total / baseline_s, total / import_s
    print(f"{summary}")
    print(f"fetch pages alone (250 per page, rate limit off) : {fetch_rate:>9,.0f} orders/s")
    print(f"baseline: raw durable SQLite inserts, 1 commit/page: {baseline_rate:>9,.0f} orders/s")
    print(
        f"full import (fetch + store raw + process)        : {import_rate:>9,.0f} orders/s ({import_s:.1f}s)"
    )
    ratios = f"import / baseline: {import_rate / baseline_rate:.3f}"
    print(f"{ratios}   import / fetch: {import_rate / fetch_rate:.3f}")
    print(f"import orders_per_s={import_rate:.0f}")


if __name__ == "__main__":
    main()
