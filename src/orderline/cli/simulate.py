"""`orderline simulate`: realistic multi-store traffic for an Orderline you run yourself.

It serves a fake BigCommerce API (thin BigCommerce webhooks make Orderline fetch each
order from it), writes the matching three-store configuration if asked, waits until
the target answers /readyz, then posts history and live orders at a chosen rate.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import httpx
import typer

from orderline.cli.feeder import TrafficFeeder
from orderline.cli.options import output_console
from orderline.clock import system_clock
from orderline.simulation.bigcommerce import FakeBigCommerce, FakeBigCommerceServer
from orderline.simulation.traffic import FAKE_QUOTA, MultiStoreTraffic, SimulatedStores

out = output_console()


def simulate(
    url: Annotated[str, typer.Option(help="The Orderline to post to.")] = "http://127.0.0.1:8080",
    rate: Annotated[float, typer.Option(help="Live orders per minute, across the three stores.")] = 30.0,
    history: Annotated[int, typer.Option(help="Orders of past history per store, posted first.")] = 50,
    seed: Annotated[int, typer.Option(help="Same seed, same traffic.")] = 7,
    bigcommerce_port: Annotated[int, typer.Option(help="Port for the fake BigCommerce API.")] = 8089,
    write_config: Annotated[
        Path | None, typer.Option(help="Write the three-store configuration here (SQLite in ./simulate.db).")
    ] = None,
    duration: Annotated[
        float, typer.Option(help="Stop after this many seconds of live traffic (0: never).")
    ] = 0,
) -> None:
    """Drive fake Shopify, WooCommerce and BigCommerce stores against a running Orderline."""
    stores = SimulatedStores()
    api = FakeBigCommerce(stores.store_hash, rng=random.Random(seed), quota=FAKE_QUOTA)
    with FakeBigCommerceServer(api, port=bigcommerce_port) as server:
        if write_config is not None:
            write_config.write_text(
                stores.config_yaml("sqlite:///simulate.db", server.base_url, api.api_token)
            )
            out.print(f"wrote {write_config}; start Orderline with: orderline serve --config {write_config}")
        out.print(f"fake BigCommerce API at {server.base_url}; waiting for {url}/readyz ...")
        # Cut at the real clock: nothing simulated is dated in the future.
        traffic = MultiStoreTraffic(random.Random(seed), stores, api, until=system_clock)
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_run(url, traffic, rate, history, duration))


async def _run(url: str, traffic: MultiStoreTraffic, rate: float, history: int, duration_s: float) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        await _wait_ready(client)
        feeder = TrafficFeeder(client, traffic)
        start = system_clock() - timedelta(days=21)
        await feeder.history(history, start, timedelta(days=21) / max(history, 1))
        out.print(
            f"history posted: {feeder.counts.posted} accepted, refused {feeder.counts.refused or 'none'}"
        )
        live = feeder.live(rate, now=system_clock)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(live, timeout=duration_s or None)
        out.print(f"done: {feeder.counts.posted} accepted, refused {feeder.counts.refused or 'none'}")


async def _wait_ready(client: httpx.AsyncClient, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if (await client.get("/readyz")).status_code == 200:
                return
        await asyncio.sleep(0.5)
    out.print(f"[red]{client.base_url} did not answer /readyz in {timeout_s:.0f} s[/red]")
    raise typer.Exit(1)
