"""Processing benchmark. Usage: .venv/bin/python bench/process/run.py [--orders N]

Stores realistic Shopify traffic (the simulator's order histories) in the inbox of a
fresh SQLite file and measures processing throughput twice, in this run, each time on a
copy of the same file:

- detectors off: `Processor.run_until_idle` (inbox -> facts -> projections);
- detectors on: the same batches, each followed by `orderline tick`'s work at the
  processing clock's `now` (`services.scheduler.tick`): processing makes every order it
  touched due, so each is evaluated by `services.exception_evaluation` with the
  default policy (detect_all, open, escalate, resolve, next timer) once per batch that
  touched it, as a scheduler ticking alongside the worker would. `--tick at-end` ticks
  once after the whole backlog instead (each order evaluated once: a catch-up import).
  The default, `--tick interval`, ticks every 5 s of processing, as the worker does.

Beside them, in the same run and over the same webhooks, the baseline of the
`eventsourcing` library (a test-only dependency; bench/process/eventsourcing_baseline.py
says exactly what it does): an event-sourced order aggregate per order with the same
mapping work, one transaction per webhook, and batched.

The last line is machine-readable:
    process events_per_s=N detectors_off_per_s=N eventsourcing_per_event_per_s=N eventsourcing_batched_per_s=N
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from eventsourcing_baseline import measure_eventsourcing

from orderline.connectors.shopify import ShopifyConnector
from orderline.domain.order_exceptions import DEFAULT_CALENDAR, DEFAULT_POLICY
from orderline.persistence.database import make_engine, migrate
from orderline.persistence.inbox import InboxRecord, write_records
from orderline.services.processing import Processor
from orderline.services.scheduler import tick
from orderline.simulation.shopify import ShopifyWebhook, generate_order_history

SHOP = "bench-shop.myshopify.com"
SECRET = "bench-secret"
START = datetime(2026, 11, 2, tzinfo=UTC)
TICK_EVERY_S = 5.0  # the processing worker's cadence (services/processing_loop.py)


def build_webhooks(order_count: int, seed: int) -> list[ShopifyWebhook]:
    rng = random.Random(seed)
    webhooks: list[ShopifyWebhook] = []
    for n in range(order_count):
        webhooks.extend(
            generate_order_history(rng, order_id=8_000_000 + n, start=START + timedelta(minutes=n))
        )
    return sorted(webhooks, key=lambda w: w.triggered_at)  # as they would have arrived


def write_inbox(database: Path, webhooks: list[ShopifyWebhook]) -> None:
    engine = make_engine(f"sqlite:///{database}")
    migrate(engine)
    records = [
        InboxRecord(
            platform="shopify",
            store_id="bench",
            topic=w.topic,
            dedupe_key=w.webhook_id,
            event_id=w.event_id,
            received_at=w.triggered_at,
            triggered_at=w.triggered_at,
            headers=w.headers(SECRET, SHOP),
            body=w.body,
        )
        for w in webhooks
    ]
    with engine.begin() as connection:
        write_records(connection, records)
    engine.dispose()


def measure(
    template: Path, workdir: Path, detectors: bool, mode: str = "per-batch"
) -> tuple[int, float, int]:
    """(deliveries, seconds, orders evaluated) for one pass over a copy of `template`."""
    database = workdir / f"run-{'on' if detectors else 'off'}.db"
    shutil.copyfile(template, database)
    engine = make_engine(f"sqlite:///{database}")
    now = START + timedelta(days=60)
    clock: Callable[[], datetime] = lambda: now  # noqa: E731
    processor = Processor(engine, {"shopify": ShopifyConnector()}, clock)
    policy, calendar = (lambda _s: DEFAULT_POLICY), (lambda _s: DEFAULT_CALENDAR)
    started = time.perf_counter()
    if not detectors:
        handled, evaluated = processor.run_until_idle(), 0
    elif mode == "at-end":
        handled = processor.run_until_idle()
        evaluated = tick(engine, policy, calendar, now, known=processor.folded_order).orders
    else:
        # per-batch: a tick after every batch; interval: every TICK_EVERY_S seconds of
        # processing and once at the end, as the processing worker does.
        every_s = 0.0 if mode == "per-batch" else TICK_EVERY_S
        handled, evaluated, last_tick = 0, 0, time.perf_counter()
        while (batch := processor.run_once().deliveries) > 0:
            handled += batch
            if time.perf_counter() - last_tick >= every_s:
                evaluated += tick(engine, policy, calendar, now, known=processor.folded_order).orders
                last_tick = time.perf_counter()
        evaluated += tick(engine, policy, calendar, now, known=processor.folded_order).orders
    elapsed = time.perf_counter() - started
    engine.dispose()
    database.unlink()
    return handled, elapsed, evaluated


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=3000, help="order histories (~10 webhooks each)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--tick",
        choices=("interval", "per-batch", "at-end"),
        default="interval",
        help="detectors on: tick every 5 s of processing as the worker does (default), after every"
        " batch (the worst case), or once after the backlog",
    )
    parser.add_argument("--rounds", type=int, default=2, help="passes per configuration; the best counts")
    args = parser.parse_args()

    webhooks = build_webhooks(args.orders, args.seed)
    print(f"{len(webhooks)} signed Shopify webhooks for {args.orders} orders")
    with tempfile.TemporaryDirectory(prefix="orderline-bench-process-") as tmp:
        workdir = Path(tmp)
        template = workdir / "inbox.db"
        write_inbox(template, webhooks)
        off: list[float] = []
        on: list[float] = []
        per_event: list[float] = []
        batched: list[float] = []
        evaluated = 0
        for _ in range(args.rounds):  # interleaved, so drift on a noisy machine hits all
            handled, seconds, _none = measure(template, workdir, detectors=False)
            off.append(handled / seconds)
            handled, seconds, evaluated = measure(template, workdir, True, args.tick)
            on.append(handled / seconds)
            handled, seconds = measure_eventsourcing(webhooks, workdir, batched=False)
            per_event.append(handled / seconds)
            handled, seconds = measure_eventsourcing(webhooks, workdir, batched=True)
            batched.append(handled / seconds)
    best_off, best_on, best_per_event, best_batched = max(off), max(on), max(per_event), max(batched)
    print(f"{'measure':<52}{'events/s':>10}")
    print(f"{'detectors off (process inbox -> facts -> projections)':<52}{best_off:>10.0f}")
    print(f"{'detectors on (process + evaluate each touched order)':<52}{best_on:>10.0f}")
    print(f"{'eventsourcing, one transaction per webhook':<52}{best_per_event:>10.0f}")
    print(f"{'eventsourcing, batched':<52}{best_batched:>10.0f}")
    print(f"tick: {args.tick}; order evaluations per pass with detectors on: {evaluated}")
    print(
        f"on / off = {best_on / best_off:.2f}; on / eventsourcing per event = {best_on / best_per_event:.2f}"
    )
    print(
        f"process events_per_s={best_on:.0f} detectors_off_per_s={best_off:.0f}"
        f" eventsourcing_per_event_per_s={best_per_event:.0f} eventsourcing_batched_per_s={best_batched:.0f}"
    )


if __name__ == "__main__":
    main()
