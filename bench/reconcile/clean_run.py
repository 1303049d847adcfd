"""A clean reconciliation run: N simulated Shopify orders imported into a fresh SQLite
file, then swept against the same fake Admin API; the sweep must report zero drift and
zero missing orders.

    .venv/bin/python bench/reconcile/clean_run.py [--orders 10000]

Imports through `services.importer` (the bulk path), sweeps through
`services.reconciliation.Reconciler` as `orderline reconcile` does. Last line:
`reconcile_clean orders=N seen=N drift=N missing=N import_seconds=N sweep_seconds=N`;
the exit code is 1 when the sweep found anything.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from orderline.bootstrap import build_runtime
from orderline.bootstrap.reconcile import reconciler
from orderline.config import load_config
from orderline.connectors.registry import platform_named
from orderline.persistence.database import make_engine, migrate
from orderline.services.importer import import_history
from orderline.simulation.shopify.fake_admin import FakeAdminServer, ShopSpec

SINCE = datetime(2020, 1, 1, tzinfo=UTC)
SHOP = "clean-run.myshopify.com"


def clean_run(orders: int, directory: Path) -> tuple[int, int, int, float, float]:
    """(seen, drifted, missing, import seconds, sweep seconds) of one run."""
    spec = ShopSpec(order_count=orders, seed=14, restore_rate=1e9, bucket_size=1e9)
    with FakeAdminServer(spec) as server:
        database = f"sqlite:///{directory / 'orderline.db'}"
        config = directory / "orderline.yaml"
        config.write_text(
            f"database_url: {database}\n"
            "stores:\n"
            "  - id: shop-1\n"
            "    platform: shopify\n"
            f"    shop_domain: {SHOP}\n"
            "    webhook_secrets: [secret]\n"
            f"    api_token: {server.api.spec.access_token}\n"
            f"    api_base_url: {server.url}\n"
        )
        migrate(make_engine(database))
        settings = load_config(config)
        runtime = build_runtime(settings)
        started = time.perf_counter()
        with platform_named("shopify").history(settings.stores[0]) as history:
            # workers=0: the bulk path in this process (its worker processes are not what is timed).
            import_history(
                runtime.engine, runtime.processor, history, "shop-1", SINCE, clock=runtime.clock, workers=0
            )
        imported = time.perf_counter()
        report = reconciler(runtime).sweep("shop-1", since=SINCE)
        swept = time.perf_counter()
        runtime.close()
    if report.error is not None:
        raise SystemExit(f"sweep failed: {report.error}")
    return report.seen, len(report.drift), len(report.missing), imported - started, swept - imported


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        seen, drifted, missing, import_s, sweep_s = clean_run(args.orders, Path(directory))
    print(
        f"reconcile_clean orders={args.orders} seen={seen} drift={drifted} missing={missing} "
        f"import_seconds={import_s:.1f} sweep_seconds={sweep_s:.1f}"
    )
    raise SystemExit(0 if (drifted, missing, seen) == (0, 0, args.orders) else 1)


if __name__ == "__main__":
    main()
