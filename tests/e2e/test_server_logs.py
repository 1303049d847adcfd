"""What `orderline serve` writes: a start line, an access log when asked, a line per
refusal and per failure, and no buyer data anywhere, checked against a simulator run."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import random
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from orderline.cli.feeder import TrafficFeeder
from orderline.clock import system_clock
from orderline.simulation.bigcommerce import FakeBigCommerce, FakeBigCommerceServer
from orderline.simulation.traffic import FAKE_QUOTA, MultiStoreTraffic, Post, SimulatedStores
from tests.e2e.server_process import ServerProcess

PII_KEYS = ("email", "phone", "street", "address1", "address2", "first_name", "last_name")


def _json_lines(log_path: Path) -> list[dict[str, Any]]:
    """Every JSON log line (the test harness writes a few plain `--- start` lines too)."""
    lines = []
    for line in log_path.read_text().splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


def _buyer_values(value: Any, key: str = "") -> Iterator[str]:
    """Every string under a key that names buyer data (e-mail, phone, street, names)."""
    if isinstance(value, dict):
        for name, inner in value.items():
            yield from _buyer_values(inner, str(name).lower())
    elif isinstance(value, list | tuple):
        for inner in value:
            yield from _buyer_values(inner, key)
    elif isinstance(value, str) and any(part in key for part in PII_KEYS) and len(value) >= 5:
        yield value


def _wait_drained(server: ServerProcess, timeout_s: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    ready: dict[str, Any] = {}
    while time.monotonic() < deadline:
        ready = httpx.get(f"{server.url}/readyz", timeout=5).json()
        if ready["inbox_pending"] == 0:
            return ready
        time.sleep(0.3)
    raise AssertionError(f"processing did not catch up: {ready}\n{server.log_tail()}")


class RecordingFeeder(TrafficFeeder):
    """The simulator's feeder, keeping every body it posted."""

    def __init__(self, client: httpx.AsyncClient, traffic: MultiStoreTraffic) -> None:
        super().__init__(client, traffic)
        self.bodies: list[bytes] = []

    async def _post(self, post: Post) -> None:
        self.bodies.append(post.body)
        await super()._post(post)


async def _feed(url: str, traffic: MultiStoreTraffic, orders: int) -> RecordingFeeder:
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        feeder = RecordingFeeder(client, traffic)
        start = system_clock() - timedelta(days=3)
        await feeder.history(orders, start, timedelta(hours=1))
        # A copy with a broken signature: refused, dead-lettered, logged without its body.
        forged = next(b for b in feeder.bodies if b"@" in b)
        await client.post(
            "/webhooks/shopify",
            content=forged,
            headers={"x-shopify-hmac-sha256": "Zm9yZ2Vk", "x-shopify-shop-domain": "nobody.myshopify.com"},
        )
        return feeder


@pytest.mark.slow
def test_a_simulator_run_logs_events_and_no_buyer_data(tmp_path: Path) -> None:
    stores = SimulatedStores()
    bigcommerce = FakeBigCommerce(stores.store_hash, rng=random.Random(3), quota=FAKE_QUOTA)
    with FakeBigCommerceServer(bigcommerce) as api:
        config = tmp_path / "orderline.yaml"
        config.write_text(
            stores.config_yaml(f"sqlite:///{tmp_path / 'orderline.db'}", api.base_url, bigcommerce.api_token)
        )
        log_path = tmp_path / "server.log"
        args = ["--log-format", "json", "--log-level", "debug", "--access-log"]
        with ServerProcess(config, log_path, args=args) as server:
            server.start()
            traffic = MultiStoreTraffic(random.Random(3), stores, bigcommerce)
            feeder = asyncio.run(_feed(server.url, traffic, orders=15))
            _wait_drained(server, 120)
            # uvicorn re-raises the SIGTERM it handled once it has shut down cleanly.
            assert server.stop() in (0, -15)

    sent: set[str] = set()
    for body in feeder.bodies:
        if body.startswith(b"{"):
            sent.update(_buyer_values(json.loads(body)))
    for order in bigcommerce.state.snapshot_orders():
        sent.update(_buyer_values(dataclasses.asdict(order)))
    text = log_path.read_text()
    assert len(sent) > 50, "the simulator sent too little buyer data for the scan to mean anything"
    assert [value for value in sent if value in text] == []

    lines = _json_lines(log_path)
    events = {line["event"] for line in lines}
    serving = next(line for line in lines if line["event"] == "serving")
    assert serving["address"] == server.url
    assert serving["database"].startswith("sqlite:///")
    assert serving["stores"] == f"{stores.shopify_id},{stores.woo_id},{stores.bigcommerce_id}"
    assert serving["processing"] == "embedded"
    assert "processing worker started" in events
    refused = [line for line in lines if line["event"] == "webhook rejected"]
    assert [(r["platform"], r["status"], r["reason"]) for r in refused] == [("shopify", 404, "unknown_store")]
    requests = [line for line in lines if line["event"] == "request"]
    assert len(requests) >= len(feeder.bodies)
    assert {"/webhooks/{platform}", "/readyz"} <= {r["route"] for r in requests}
    assert all(line["ts"].endswith("Z") for line in lines)
