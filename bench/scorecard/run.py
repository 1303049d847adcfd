"""The weekly scorecard over 1,000,000 orders and 150,000 tickets, timed next to DuckDB
computing the same KPIs on the same data in the same run.

The orders are spread over the eight weeks a scorecard reads (its week, the week before
and the trend), across three stores in three zones, so both sides do the work of a large
merchant's scorecard. Both are timed on data already in memory (records for Orderline, a
loaded table for DuckDB): best of `--repeat` runs. Orderline also computes business hours
on each store's calendar, which the DuckDB side does not (see tests/scorecard_duckdb.py).

    .venv/bin/python bench/scorecard/run.py [--orders 1000000] [--tickets 150000]

Last line: `scorecard seconds=N duckdb_seconds=N ratio=N`.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.scorecard_duckdb import DuckKpis

from orderline.domain.order_exceptions.business_calendar import BusinessCalendar
from orderline.domain.scorecard.inputs import ScorecardInputs
from orderline.domain.scorecard.kpis import build_scorecard
from orderline.domain.scorecard.records import OrderRecord, TicketRecord
from orderline.domain.scorecard.weeks import IsoWeek

WEEK = IsoWeek(2026, 48)
NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
STORES = {
    "acme-us": ("shopify", "America/New_York"),
    "acme-de": ("woocommerce", "Europe/Berlin"),
    "acme-au": ("bigcommerce", "Australia/Sydney"),
}
CARRIERS = ("UPS", "DHL", "USPS", "FedEx", None)
TYPES = ("multi_item", "international", "high_value", "pre_order")
EXCEPTIONS = ("address_invalid", "backorder", "fulfillment_delayed", "split_shipment", "payment_failed")
REASONS = ("where_is_my_order", "damaged", "return_refund", "cancel", "address_change", "other")


def generate(orders: int, tickets: int, seed: int = 7) -> tuple[list[OrderRecord], list[TicketRecord]]:
    rng = random.Random(seed)
    start, _ = WEEK.shifted(-7).bounds(ZoneInfo("UTC"))
    span_s = int(timedelta(weeks=8).total_seconds())
    stores = list(STORES)
    records = [
        _order(rng, n, stores[n % 3], start + timedelta(seconds=rng.randrange(span_s))) for n in range(orders)
    ]
    ticket_records = [
        TicketRecord(
            ticket_id=f"T{n}",
            created_at=start + timedelta(seconds=rng.randrange(span_s)),
            source=rng.choice(("zendesk", "csv", "handoff")),
            store_id=rng.choice((*stores, None)),
            order_id=str(rng.randrange(orders)) if rng.random() < 0.7 else None,
            reason=rng.choice(REASONS),
        )
        for n in range(tickets)
    ]
    return records, ticket_records


def _order(rng: random.Random, number: int, store_id: str, placed_at: datetime) -> OrderRecord:
    first = last = None
    if rng.random() < 0.93:
        first = placed_at + timedelta(hours=rng.expovariate(1 / 30))
        last = first + timedelta(hours=rng.expovariate(1 / 20)) if rng.random() < 0.9 else None
    types = frozenset(t for t in TYPES if rng.random() < 0.2)
    exceptions = frozenset(e for e in EXCEPTIONS if rng.random() < 0.03)
    return OrderRecord(
        store_id=store_id,
        order_id=str(number),
        platform=STORES[store_id][0],
        placed_at=placed_at,
        first_shipped_at=first if first is None or first < NOW else None,
        last_shipped_at=last if last is None or last < NOW else None,
        carrier=rng.choice(CARRIERS) if first is not None else None,
        is_cancelled=rng.random() < 0.02,
        is_refunded=rng.random() < 0.04,
        types=types,
        exception_types=exceptions,
    )


def inputs(orders: list[OrderRecord], tickets: list[TicketRecord]) -> ScorecardInputs:
    zones = {store: ZoneInfo(zone) for store, (_, zone) in STORES.items()}
    return ScorecardInputs(
        week=WEEK,
        store_id=None,
        now=NOW,
        orders=orders,
        tickets=tickets,
        zones=zones,
        calendars={store: BusinessCalendar(timezone=zone) for store, (_, zone) in STORES.items()},
        default_zone=ZoneInfo("UTC"),
        informational_types=frozenset({"split_shipment"}),
    )


def duck_scorecard(duck: DuckKpis) -> None:
    """The same figures the scorecard shows: headline for each trend week, the breakdowns of
    the week and the week before, exception rates and tickets; each record's week and
    hours derived first, as build_scorecard does."""
    duck.derive_weeks()
    for offset in range(8):
        duck.headline(WEEK.shifted(-offset))
    for week in (WEEK, WEEK.shifted(-1)):
        for dimension in ("all", "store", "platform", "order_type", "carrier"):
            duck.cycle_rows(week, dimension)
        duck.problem_rates_by_type(week)
        duck.exception_type_counts(week)
        duck.tickets_by_store(week)


def best_of(repeat: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--tickets", type=int, default=150_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    started = time.perf_counter()
    orders, tickets = generate(args.orders, args.tickets)
    print(f"generated orders={len(orders)} tickets={len(tickets)} in {time.perf_counter() - started:.1f} s")
    scorecard_inputs = inputs(orders, tickets)
    started = time.perf_counter()
    duck = DuckKpis(orders, tickets, {s: z for s, (_, z) in STORES.items()}, "UTC", ["split_shipment"])
    print(f"duckdb load seconds={time.perf_counter() - started:.2f} (not timed below)")

    card = build_scorecard(scorecard_inputs)
    print(
        f"week {card.week}: orders={card.orders} cancelled={card.cancelled} unshipped={card.unshipped.count}"
    )
    ours = best_of(args.repeat, lambda: build_scorecard(scorecard_inputs))
    theirs = best_of(args.repeat, lambda: duck_scorecard(duck))
    print(f"scorecard seconds={ours:.3f} duckdb_seconds={theirs:.3f} ratio={ours / theirs:.1f}")


if __name__ == "__main__":
    main()
