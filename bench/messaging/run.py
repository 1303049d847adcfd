"""Messaging benchmark. Usage: .venv/bin/python bench/messaging/run.py [--orders N]

Processes realistic Shopify traffic (the simulator's order histories) into a fresh SQLite
file once, then, on copies of it, in this run:

- baseline: one scheduler tick over every order (exceptions, holds, timers; no messages);
- messaging: the same tick with the message planner after each evaluation (triggers,
  cadence, rendering with the built-in templates, outbox rows in the same transaction);
- delivery: the outbox delivered to a pickup directory (claim, send, record, one message
  at a time), beside the channel alone writing the same messages (its ceiling).

Best of `--rounds`, interleaved. The last line is machine-readable:
    messaging evaluations_per_s=N baseline_per_s=N messages=N delivered_per_s=N channel_per_s=N
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection, select

from orderline.bootstrap.outreach import build_outreach
from orderline.channels.pickup import PickupChannel, PickupSettings
from orderline.config import OrderlineConfig
from orderline.connectors.shopify import ShopifyConnector
from orderline.domain.order_exceptions import DEFAULT_CALENDAR, DEFAULT_POLICY
from orderline.persistence import message_records
from orderline.persistence.database import make_engine, migrate
from orderline.persistence.inbox import InboxRecord, write_records
from orderline.persistence.messaging_tables import messages
from orderline.services.outbox_sending import outgoing
from orderline.services.processing import Processor
from orderline.services.scheduler import tick
from orderline.simulation.shopify import generate_order_history

SHOP = "bench-shop.myshopify.com"
SECRET = "bench-secret"
START = datetime(2026, 11, 2, tzinfo=UTC)


def config(mail: Path) -> OrderlineConfig:
    return OrderlineConfig.model_validate(
        {
            "stores": [
                {"id": "bench", "platform": "shopify", "shop_domain": SHOP, "webhook_secrets": [SECRET]}
            ],
            "messaging": {
                "channel": "pickup",
                "pickup": {
                    "directory": str(mail),
                    "sender": "orders@bench.example",
                    "message_id_domain": "b.example",
                },
                "cadence": {"quiet_hours": None},
            },
        }
    )


def build_template(database: Path, order_count: int, seed: int) -> datetime:
    """Process every order's history into `database`; the moment just after the last event."""
    rng = random.Random(seed)
    webhooks = []
    for n in range(order_count):
        webhooks += generate_order_history(rng, order_id=8_000_000 + n, start=START + timedelta(minutes=n))
    engine = make_engine(f"sqlite:///{database}")
    migrate(engine)
    records = [
        InboxRecord("shopify", "bench", w.topic, w.webhook_id, w.event_id, w.triggered_at, w.triggered_at,
                    w.headers(SECRET, SHOP), w.body)
        for w in webhooks
    ]  # fmt: skip
    with engine.begin() as connection:
        write_records(connection, records)
    last = max(w.triggered_at for w in webhooks)
    Processor(engine, {"shopify": ShopifyConnector()}, lambda: last).run_until_idle()
    engine.dispose()
    return last + timedelta(hours=1)


def measure_tick(template: Path, workdir: Path, now: datetime, with_messages: bool) -> tuple[int, float, int]:
    """(orders evaluated, seconds, messages decided) for one tick over a copy."""
    database = workdir / "tick.db"
    shutil.copyfile(template, database)
    engine = make_engine(f"sqlite:///{database}")
    after = build_outreach(config(workdir / "mail"), engine).after if with_messages else None
    started = time.perf_counter()
    result = tick(engine, lambda _s: DEFAULT_POLICY, lambda _s: DEFAULT_CALENDAR, now, after=after)
    elapsed = time.perf_counter() - started
    with engine.connect() as connection:
        decided = len(connection.execute(select(messages.c.id)).all())
    engine.dispose()
    if with_messages:
        shutil.copyfile(database, workdir / "outbox.db")
    database.unlink()
    return result.orders, elapsed, decided


def measure_delivery(workdir: Path, now: datetime) -> tuple[int, float, float]:
    """(messages delivered, seconds through the outbox, seconds for the channel alone)."""
    database = workdir / "deliver.db"
    shutil.copyfile(workdir / "outbox.db", database)
    engine = make_engine(f"sqlite:///{database}")
    with engine.connect() as connection:
        queued = [m for m in _all_messages(connection) if m.state == message_records.QUEUED]
    channel = PickupChannel(PickupSettings(workdir / "ceiling", "orders@bench.example", "b.example"))
    started = time.perf_counter()
    for message in queued:
        channel.send(outgoing(message))
    ceiling = time.perf_counter() - started
    outreach = build_outreach(config(workdir / "mail"), engine)
    started = time.perf_counter()
    sent = 0
    while (report := outreach.deliver(now, limit=500)).attempts:
        sent += report.sent
    elapsed = time.perf_counter() - started
    engine.dispose()
    database.unlink()
    shutil.rmtree(workdir / "ceiling", ignore_errors=True)
    shutil.rmtree(workdir / "mail", ignore_errors=True)
    return sent, elapsed, ceiling


def _all_messages(connection: Connection) -> list[message_records.StoredMessage]:
    ids = connection.execute(select(messages.c.id).order_by(messages.c.id)).scalars().all()
    return [m for i in ids if (m := message_records.get_message(connection, i)) is not None]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="orderline-bench-messaging-") as tmp:
        workdir = Path(tmp)
        template = workdir / "processed.db"
        now = build_template(template, args.orders, args.seed)
        base, messaging, delivery, channel = [], [], [], []
        decided = sent = 0
        for _ in range(args.rounds):
            orders, seconds, _none = measure_tick(template, workdir, now, with_messages=False)
            base.append(orders / seconds)
            orders, seconds, decided = measure_tick(template, workdir, now, with_messages=True)
            messaging.append(orders / seconds)
            sent, seconds, ceiling = measure_delivery(workdir, now)
            delivery.append(sent / seconds)
            channel.append(sent / ceiling)
    print(f"{orders} orders evaluated per tick; {decided} messages decided; {sent} delivered")
    print(f"{'measure':<58}{'per s':>10}")
    print(f"{'tick, exceptions only (baseline)':<58}{max(base):>10.0f}")
    print(f"{'tick with the message plan (render, outbox rows)':<58}{max(messaging):>10.0f}")
    print(f"{'delivery through the outbox to a pickup directory':<58}{max(delivery):>10.0f}")
    print(f"{'the pickup channel alone (ceiling)':<58}{max(channel):>10.0f}")
    print(f"messaging / baseline = {max(messaging) / max(base):.2f}; delivery / channel = "
          f"{max(delivery) / max(channel):.2f}")  # fmt: skip
    print(
        f"messaging evaluations_per_s={max(messaging):.0f} baseline_per_s={max(base):.0f} messages={decided} "
        f"delivered_per_s={max(delivery):.0f} channel_per_s={max(channel):.0f}"
    )


if __name__ == "__main__":
    main()
