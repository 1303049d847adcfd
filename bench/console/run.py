"""The web console's exception queue and order page, served over 100,000 stored orders.

A fresh SQLite file gets `--orders` orders (copies of one folded order, each with its own
id, number, e-mail and time), open exceptions on `--exceptions-share` of them spread over
both teams and every SLA state, and one order through the real path (facts folded, a
tick opening its exception, a timeline). Then the app answers, in process through the
ASGI stack (what the server spends; no network): an operations user's queue (its tab, the
oldest 200 rows, with the tab counts) and that order's page; the median of `--repeat`
requests each after a warm-up.

    .venv/bin/python bench/console/run.py [--orders 100000] [--repeat 20]

Last line: `console queue_ms=N order_ms=N` (issue 15 asks for at most 300 each).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from copy import deepcopy
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from starlette.testclient import TestClient
from tests.e2e.conftest import write_config

from orderline.bootstrap import build_runtime, build_web_context
from orderline.config import load_config
from orderline.domain.facts import Address, HoldPlaced, LineItem, OrderSnapshot
from orderline.domain.fold import fold
from orderline.domain.order_exceptions import DEFAULT_CALENDAR, DEFAULT_POLICY, EscalationDue, Finding
from orderline.domain.vocabulary import ExceptionType, HoldReason, PaymentStatus
from orderline.persistence import exception_records
from orderline.persistence.database import make_engine, migrate
from orderline.persistence.projections import save_projections
from orderline.persistence.tables import orders
from orderline.services.console_auth import ConsoleRole
from orderline.services.order_rows import projection_of
from orderline.services.scheduler import enqueue_now, tick
from orderline.web.app import create_app

NOW = datetime(2027, 3, 1, 15, 0, tzinfo=UTC)
STORE = "shop1"
PASSWORD = "bench-password-1"
TYPES = [
    (ExceptionType.ADDRESS_INVALID, "support"),
    (ExceptionType.PAYMENT_FAILED, "support"),
    (ExceptionType.FULFILLMENT_DELAYED, "operations"),
    (ExceptionType.FRAUD_REVIEW, "operations"),
]


def _snapshot(order_id: str, placed_at: datetime) -> OrderSnapshot:
    address = Address(
        name="Ann Lee", address1="1 Main St", city="Austin", postal_code="1234", country_code="US"
    )
    return OrderSnapshot(
        order_id=order_id,
        updated_at=placed_at,
        placed_at=placed_at,
        payment_status=PaymentStatus.PAID,
        lines=(LineItem("L1", "Mug", 1, Decimal("10.00")), LineItem("L2", "Plate", 2, Decimal("7.50"))),
        order_number=f"#{order_id}",
        email=f"buyer{order_id}@example.com",
        shipping_address=address,
    )


def seed(url: str, count: int, share: float, rng: random.Random) -> str:
    """`count` orders and their exceptions; returns the id of the order built for real."""
    engine = make_engine(url)
    migrate(engine)
    folded = fold(STORE, "0", (_snapshot("0", NOW),))
    assert folded is not None
    template = projection_of(folded, 1)
    batch: list[dict[str, object]] = []
    with engine.begin() as connection:
        for n in range(1, count + 1):
            placed = NOW - timedelta(seconds=rng.randrange(60 * 86400))
            state = deepcopy(template.state)
            iso = placed.isoformat()
            state.update(order_id=str(n), order_number=f"#{n}", email=f"buyer{n}@example.com",
                         placed_at=iso, updated_at=iso)  # fmt: skip
            batch.append({
                "store_id": STORE, "order_id": str(n), "order_number": f"#{n}", "status": template.status,
                "payment_status": template.payment_status, "fulfillment_status": template.fulfillment_status,
                "owner": template.owner, "placed_at": placed, "updated_at": placed,
                "email": f"buyer{n}@example.com", "state": state, "fact_count": 1,
            })  # fmt: skip
            if len(batch) == 5000:
                connection.execute(orders.insert(), batch)
                batch.clear()
            if rng.random() < share:
                kind, owner = rng.choice(TYPES)
                opened = NOW - timedelta(minutes=rng.randrange(3 * 24 * 60))
                levels = (
                    EscalationDue(1, opened + timedelta(hours=4), owner),
                    EscalationDue(2, opened + timedelta(hours=24), f"{owner}_lead"),
                )
                finding = Finding(kind, f"{kind.value}:bench", opened, owner, "bench", None, levels)
                reached = sum(1 for level in levels if level.due_at <= NOW)
                exception_records.open_exception(connection, STORE, str(n), finding, level_reached=reached)
        if batch:
            connection.execute(orders.insert(), batch)
    real = str(count + 1)
    placed = NOW - timedelta(hours=2)
    hold = HoldPlaced(real, "order", HoldReason.FRAUD_REVIEW, placed, "risk: high")
    order = fold(STORE, real, (_snapshot(real, placed), hold))
    assert order is not None
    with engine.begin() as connection:
        save_projections(connection, [projection_of(order, 2)])
        enqueue_now(connection, [(STORE, real)], NOW)
    tick(engine, lambda _s: DEFAULT_POLICY, lambda _s: DEFAULT_CALENDAR, NOW)
    engine.dispose()
    return real


def _median_ms(client: TestClient, path: str, repeat: int) -> float:
    assert client.get(path).status_code == 200, path  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        answer = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert answer.status_code == 200, path
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--exceptions-share", type=float, default=0.05)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{Path(directory) / 'orderline.db'}"
        started = time.perf_counter()
        real = seed(url, args.orders, args.exceptions_share, random.Random(15))
        print(f"seeded {args.orders:,} orders in {time.perf_counter() - started:.1f}s", file=sys.stderr)
        runtime = build_runtime(load_config(write_config(Path(directory), url)))
        context = build_web_context(runtime)
        context.clock = lambda: NOW
        context.console.create_user("bench", ConsoleRole.OPERATIONS, PASSWORD, NOW)
        with TestClient(create_app(context)) as client:
            form = client.get("/console/login").text
            token = form.split('name="login_token" value="', 1)[1].split('"', 1)[0]
            client.post(
                "/console/login", data={"login_token": token, "username": "bench", "password": PASSWORD}
            )
            queue_ms = _median_ms(client, "/console/exceptions", args.repeat)
            order_ms = _median_ms(client, f"/console/stores/{STORE}/orders/{real}", args.repeat)
        runtime.engine.dispose()
    print(f"console queue_ms={queue_ms:.0f} order_ms={order_ms:.0f}")


if __name__ == "__main__":
    main()
