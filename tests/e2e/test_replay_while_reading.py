"""Replay while readers read (docs/processing.md: swapped whole), against real processes.

A database holds 2,000 orders of simulated Shopify traffic, stored and processed. One of
them has a shipping address without a postal code, so a tick places Orderline's own
`address` hold on it. Its projection is then made stale the way a mapping bug would
leave it (the facts of its second delivery gone, the order refolded without them), so
that the replay rewrites exactly that order, in the middle of its swap phase.

`orderline serve --no-processing` serves the API while `orderline replay` runs as a
process of its own; the held order is read through the API in a loop the whole time.
Every read must show it `on_hold` with Orderline's hold: before its swap, after it, and
never in between without the hold.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, select

from orderline.bootstrap import Runtime, build_runtime, run_tick
from orderline.clock import system_clock
from orderline.config import load_config
from orderline.persistence import tokens
from orderline.persistence.database import make_engine, migrate
from orderline.persistence.inbox import InboxRecord, write_records
from orderline.persistence.tables import facts, inbox
from orderline.simulation.shopify import ShopifyWebhook, generate_order_history
from tests.e2e.conftest import SECRET, SHOP, write_config
from tests.e2e.server_process import ServerProcess, orderline_command

ORDER_COUNT = 2_000
FIRST_ORDER_ID = 7_100_000
HELD_ORDER_ID = FIRST_ORDER_ID + ORDER_COUNT // 2
"""In the middle of the key order, so its swap comes halfway through the swap phase."""
HELD_PATH = f"/api/v1/stores/shop1/orders/{HELD_ORDER_ID}"
HELD_GROUP = "orderline:address_invalid:missing:postal_code"
SEED = 20261128
TRAFFIC_DAYS_AGO = 5
MIN_READS = 20
REPLAY_TIMEOUT_S = 120.0


def _traffic_start() -> datetime:
    """09:00 UTC TRAFFIC_DAYS_AGO days before the clock's `now` (ORDERLINE_CLOCK_OFFSET included)."""
    return (system_clock() - timedelta(days=TRAFFIC_DAYS_AGO)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )


def _held_order_body(placed: datetime, updated: datetime, financial_status: str) -> bytes:
    """An order shipped to a US address with no postal code: the address detector flags it."""
    body = {
        "id": HELD_ORDER_ID,
        "name": f"#{HELD_ORDER_ID}",
        "email": "buyer@example.com",
        "created_at": placed.isoformat(),
        "updated_at": updated.isoformat(),
        "financial_status": financial_status,
        "currency": "USD",
        "total_price": "10.00",
        "line_items": [{"id": 1, "title": "Mug", "quantity": 1, "price": "10.00"}],
        "shipping_address": {
            "name": "Ada Buyer",
            "address1": "1 Market St",
            "city": "San Francisco",
            "country_code": "US",
        },
    }
    return json.dumps(body).encode()


def _held_order_webhooks(placed: datetime) -> tuple[ShopifyWebhook, ShopifyWebhook]:
    """Placed with payment pending, paid ten minutes later."""
    paid = placed + timedelta(minutes=10)
    return (
        ShopifyWebhook(
            "orders/create", _held_order_body(placed, placed, "pending"), "held-create", "held-e1", placed
        ),
        ShopifyWebhook("orders/paid", _held_order_body(placed, paid, "paid"), "held-paid", "held-e2", paid),
    )


def _traffic(now: datetime) -> list[ShopifyWebhook]:
    """ORDER_COUNT - 1 simulated order histories and the held order's, one order after the
    other (as an import of history stores them). Interleaved in trigger order, processing
    would refold every order at each of its ~15 deliveries: three times the building time
    on PostgreSQL, for the same orders, since the fold does not depend on arrival order."""
    rng = random.Random(SEED)
    start = _traffic_start()
    webhooks: list[ShopifyWebhook] = []
    for n in range(ORDER_COUNT):
        if FIRST_ORDER_ID + n == HELD_ORDER_ID:
            webhooks += _held_order_webhooks(now - timedelta(hours=1))
        else:
            webhooks += generate_order_history(
                rng, order_id=FIRST_ORDER_ID + n, start=start + timedelta(minutes=3 * n)
            )
    return webhooks


def _store(runtime: Runtime, webhooks: list[ShopifyWebhook]) -> None:
    records = [
        InboxRecord("shopify", "shop1", w.topic, w.webhook_id, w.event_id, w.triggered_at, w.triggered_at,
                    w.headers(SECRET, SHOP), w.body)
        for w in webhooks
    ]  # fmt: skip
    with runtime.engine.begin() as connection:
        write_records(connection, records)


def _lose_the_payment(runtime: Runtime) -> None:
    """What a mapping bug would have left: the orders/paid delivery's facts missing and the
    order folded without them. The raw body is still in the inbox, so replay restores it."""
    with runtime.engine.begin() as connection:
        inbox_id = connection.execute(
            select(inbox.c.id).where(inbox.c.dedupe_key == "held-paid")
        ).scalar_one()
        removed = connection.execute(delete(facts).where(facts.c.inbox_id == inbox_id)).rowcount
        assert removed >= 1, "the orders/paid delivery gave no facts"
        runtime.processor.record_facts(connection, "shop1", str(HELD_ORDER_ID), [])


def _viewer_token(runtime: Runtime) -> dict[str, str]:
    with runtime.engine.begin() as connection:
        value = tokens.create_token(connection, name="reader", role="viewer", now=runtime.clock())
    return {"Authorization": f"Bearer {value}"}


@dataclass(frozen=True, slots=True)
class Read:
    status_code: int
    status: str | None
    payment_status: str | None
    hold_groups: tuple[str, ...]

    @classmethod
    def of(cls, response: httpx.Response) -> Read:
        if response.status_code != 200:
            return cls(response.status_code, None, None, ())
        order: dict[str, Any] = response.json()
        groups = tuple(sorted(str(hold["hold_group"]) for hold in order["holds"]))
        return cls(200, order["status"], order["payment_status"], groups)

    @property
    def is_held_by_orderline(self) -> bool:
        return self.status_code == 200 and self.status == "on_hold" and HELD_GROUP in self.hold_groups


def _read_while_running(
    client: httpx.Client, replay: subprocess.Popen[bytes], timeout_s: float
) -> list[Read]:
    """Read the held order until the replay process exits; only reads answered while it ran."""
    reads: list[Read] = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        response = client.get(HELD_PATH)
        if replay.poll() is not None:
            return reads
        reads.append(Read.of(response))
    replay.kill()
    raise AssertionError(f"orderline replay still ran after {timeout_s} s")


@pytest.mark.slow
@pytest.mark.replay_at_any_date
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ServerProcess reads /proc")
def test_an_order_under_an_orderline_address_hold_reads_on_hold_throughout_a_replay(
    tmp_path: Path, database_url: str
) -> None:
    started = time.monotonic()
    config = write_config(tmp_path, database_url)
    migrate(make_engine(database_url))
    runtime = build_runtime(load_config(config))
    try:
        # Given 2,000 processed orders, one of them held by Orderline for its address...
        webhooks = _traffic(system_clock())
        _store(runtime, webhooks)
        assert runtime.processor.run_until_idle() == len(webhooks)
        run_tick(runtime, system_clock() + timedelta(minutes=1))
        # ...whose projection a mapping bug left without its payment.
        _lose_the_payment(runtime)
        headers = _viewer_token(runtime)
    finally:
        runtime.engine.dispose()
    built = time.monotonic() - started

    with (
        ServerProcess(config, tmp_path / "server.log", processing=False) as server,
        httpx.Client(base_url=server.start().url, headers=headers, timeout=10.0) as client,
    ):
        before = Read.of(client.get(HELD_PATH))
        assert before == Read(200, "on_hold", "pending", (HELD_GROUP,)), server.log_tail()

        # When `orderline replay` runs as its own process while the order is read in a loop...
        with (tmp_path / "replay.out").open("wb") as out, (tmp_path / "replay.err").open("wb") as err:
            replay = subprocess.Popen(
                [*orderline_command(), "replay", "--config", str(config)], stdout=out, stderr=err
            )
            try:
                reads = _read_while_running(client, replay, REPLAY_TIMEOUT_S)
            finally:
                if replay.poll() is None:
                    replay.kill()
                exit_code = replay.wait(10.0)
        after = Read.of(client.get(HELD_PATH))
    replayed = time.monotonic() - started
    output = (tmp_path / "replay.out").read_text()
    errors = (tmp_path / "replay.err").read_text(errors="replace")

    # ...then it ran to the end, restoring the lost payment of that one order...
    assert exit_code == 0, errors
    assert output.splitlines()[-1] == (
        f"replayed {len(webhooks)} deliveries of {ORDER_COUNT} orders; 1 orders changed"
    ), output
    assert f"shop1/{HELD_ORDER_ID}: payment_status: pending -> paid" in output
    assert after == Read(200, "on_hold", "paid", (HELD_GROUP,))
    # ...and every read while it ran saw the order held by Orderline, before its swap and after.
    assert len(reads) >= MIN_READS, f"only {len(reads)} reads while the replay ran"
    not_held = [read for read in reads if not read.is_held_by_orderline]
    assert not not_held, f"{len(not_held)} of {len(reads)} reads not on_hold by Orderline: {not_held[:5]}"
    seen = [read.payment_status for read in reads]
    assert "pending" in seen and "paid" in seen, "the reads did not straddle the order's swap"
    print(
        f"\nreplay while reading: {len(webhooks)} deliveries, {len(reads)} reads while the replay ran "
        f"({seen.count('pending')} before the order's swap, {seen.count('paid')} after); "
        f"built in {built:.1f} s, replayed by {replayed:.1f} s"
    )
