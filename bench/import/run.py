"""Order-history import benchmark. Usage: .venv/bin/python bench/import/run.py [--orders N]

Starts the fake Shopify Admin API (simulation/shopify/fake_admin) in a process of its
own with N generated orders and its rate limit opened wide, then measures, in this run:

  fetch     reading every order with ShopifyAdminClient, nothing stored (the ceiling): a
            bulk operation's result file downloaded and reassembled into order nodes; the
            second of two runs, the first lets the fake write its result file
  baseline  raw fsync-durable SQLite inserts of the same node bodies, one commit per page
  paths     the first --compare orders, already fetched, stored and processed by the
            Processor's general path and by the import's bulk path (the speed-up, same run)
  import    `orderline import` into a fresh SQLite file: fetch + store raw + process

The last line is machine-readable:
    import orders_per_s=N

Against a real store the Admin API, not Orderline, bounds an import: Shopify takes its
time writing a bulk operation's result file (minutes for a large shop), while the fake
serves it at once.
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

from orderline.cli.importing import IMPORT_BATCH_SIZE, import_orders
from orderline.clock import system_clock
from orderline.connectors.shopify import AdminApiSettings, ShopifyAdminClient, ShopifyConnector
from orderline.connectors.shopify.client import MAX_PAGE_SIZE
from orderline.connectors.shopify.graphql_orders import IMPORT_TOPIC
from orderline.persistence import order_queries
from orderline.persistence.database import make_engine, migrate
from orderline.persistence.inbox import InboxRecord
from orderline.services.importer import import_in_bulk, import_records
from orderline.services.processing import Processor
from orderline.simulation.shopify.fake_admin import ShopSpec, serve_forever

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
    received_at = system_clock().isoformat()
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


def store_and_process(
    pages: list[list[tuple[str, bytes]]], orders: int, directory: Path, bulk: bool
) -> float:
    """Seconds to store and process the first `orders` fetched orders through one path."""
    engine = make_engine(f"sqlite:///{directory / ('bulk' if bulk else 'general')}.db")
    migrate(engine)
    processor = Processor(engine, {"shopify": ShopifyConnector()}, system_clock, batch_size=IMPORT_BATCH_SIZE)
    records = _first_records(pages, orders)
    run = import_in_bulk if bulk else import_records
    started = time.perf_counter()
    result = run(engine, processor, "bench", records)
    seconds = time.perf_counter() - started
    engine.dispose()
    if result.processed != orders:
        raise RuntimeError(f"processed {result.processed} of {orders} orders")
    return seconds


def _first_records(pages: list[list[tuple[str, bytes]]], orders: int) -> list[list[InboxRecord]]:
    """The first `orders` node bodies as the import stores them, page by page."""
    received_at = system_clock()
    records: list[list[InboxRecord]] = []
    for page in pages:
        left = orders - sum(len(done) for done in records)
        if left <= 0:
            break
        records.append(
            [
                InboxRecord("shopify", "bench", IMPORT_TOPIC, key, None, received_at, None, {}, body)
                for key, body in page[:left]
            ]
        )
    return records


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
    parser.add_argument(
        "--compare", type=int, default=20_000, help="orders for the path comparison (0: none)"
    )
    args = parser.parse_args()
    spec = ShopSpec(order_count=args.orders, seed=args.seed, bucket_size=1e12, restore_rate=1e12)
    started = time.perf_counter()
    process, url = start_shop(spec)
    print(
        f"fake Admin API: {args.orders} orders generated and served in {time.perf_counter() - started:.1f}s"
    )
    try:
        with tempfile.TemporaryDirectory(prefix="orderline-bench-import-") as tmp:
            fetch_all(url, spec)  # the fake writes its result file once, as Shopify would before serving it
            fetched = fetch_all(url, spec)
            baseline_s = raw_inserts(fetched.pages, Path(tmp))
            compare = min(args.compare, args.orders)
            paths = [store_and_process(fetched.pages, compare, Path(tmp), bulk) for bulk in (False, True)]
            import_s, summary, stored = full_import(url, spec, Path(tmp))
    finally:
        process.terminate()
        process.join()
    if fetched.orders != args.orders or stored != args.orders:
        raise SystemExit(f"expected {args.orders} orders, fetched {fetched.orders}, stored {stored}")
    print(summary)
    _report(args.orders, fetched.seconds, baseline_s, (compare, *paths), import_s)


def _report(
    total: int, fetch_s: float, baseline_s: float, paths: tuple[int, float, float], import_s: float
) -> None:
    fetch_rate, baseline_rate, import_rate = total / fetch_s, total / baseline_s, total / import_s
    _rate("fetch alone (bulk result, rate limit off)", fetch_rate)
    _rate("baseline: raw durable SQLite inserts, 1 commit/page", baseline_rate)
    compared, general_s, bulk_s = paths
    if compared:
        _rate(f"{compared:,} fetched orders, general path: store + process", compared / general_s)
        _rate(f"{compared:,} fetched orders, bulk path: store + process", compared / bulk_s)
        print(f"bulk / general: {general_s / bulk_s:.2f}")
    _rate("full import (fetch + store raw + process)", import_rate, f" ({import_s:.1f}s)")
    ratios = f"import / fetch: {import_rate / fetch_rate:.3f}"
    print(f"{ratios}   import / baseline: {import_rate / baseline_rate:.3f}")
    print(f"import orders_per_s={import_rate:.0f}")


def _rate(label: str, per_s: float, note: str = "") -> None:
    print(f"{label:<56}: {per_s:>9,.0f} orders/s{note}")


if __name__ == "__main__":
    main()
