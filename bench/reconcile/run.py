"""Reconciliation's comparison of 1,000,000 orders against a platform snapshot, timed next
to a plain in-memory dict comparison of the same data in the same run.

Orderline's side of each order is a folded `Order`, as the projection holds it, read with
`view_of`; the platform's side is the order folded from what the platform says, read the
same way. About 0.5% of the orders differ on the platform (`--faults`): a cancellation, a
partial refund, a shipment, a captured payment, a hold placed or released, a changed
tracking number, each only there. About 3% are held by Orderline itself (an address
problem the platform never heard of), which must not count as drift.

Orders are built from a few dozen histories folded once each (ready, unpaid, partly
shipped, delivered, refunded, cancelled, held...), every order with ids of its own (lines,
tracking numbers, refunds), each side built separately, so no two sides share a tuple.
Building them is not timed; reading them with `view_of` is reported per order.

Timed, best of `--repeat` runs over the same pairs: `differences(ours, theirs)` for every
order, against the baseline: both sides as plain dicts of the same values, compared with
`==` per order, the differing keys listed only where unequal. Both must find the same
orders and fields, exactly the injected ones.

    .venv/bin/python bench/reconcile/run.py [--orders 1000000] [--faults 0.005] [--seed 14]

Last line: `reconcile orders=N seconds=N baseline_seconds=N`.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from orderline.domain.facts import (
    DeliveryEvent,
    Fact,
    HoldPlaced,
    HoldsReleased,
    LineItem,
    LineQuantity,
    OrderSnapshot,
    RefundRecorded,
    ShipmentRecorded,
)
from orderline.domain.fold import fold
from orderline.domain.order import HOLD_GROUP_PREFIX, Order, OrderLine, Refund, Shipment
from orderline.domain.reconciliation import RECONCILED_FIELDS, ReconcileView, differences, view_of
from orderline.domain.vocabulary import DeliveryStatus, HoldReason, PaymentStatus

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
ORDER = "T"
Views = list[ReconcileView]
Dicts = list[dict[str, Any]]


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def placed(hours: float = 0, **changes: Any) -> OrderSnapshot:
    """Two mugs (L1) and a tea (L2), 25.00 paid."""
    lines = (LineItem("L1", "Mug", 2, Decimal("10.00")), LineItem("L2", "Tea", 1, Decimal("5.00")))
    base = OrderSnapshot(ORDER, at(hours), T0, PaymentStatus.PAID, lines, "#T", None, "USD", Decimal("25.00"))
    return replace(base, **changes)


def shipped(shipment_id: str, hours: float, *lines: tuple[str, int], tracking: str = "") -> ShipmentRecorded:
    quantities = tuple(LineQuantity(line_id, quantity) for line_id, quantity in lines)
    number = tracking or f"1Z{shipment_id}"
    return ShipmentRecorded(ORDER, shipment_id, at(hours), at(hours), quantities, tracking_numbers=(number,))


def refunded(refund_id: str, hours: float, amount: str, *lines: tuple[str, int]) -> RefundRecorded:
    quantities = tuple(LineQuantity(line_id, quantity) for line_id, quantity in lines)
    return RefundRecorded(ORDER, refund_id, at(hours), Decimal(amount), quantities)


def delivered(shipment_id: str, hours: float) -> DeliveryEvent:
    return DeliveryEvent(ORDER, shipment_id, f"E-{shipment_id}", DeliveryStatus.DELIVERED, at(hours))


def platform_hold(hours: float, reason: HoldReason = HoldReason.FRAUD_REVIEW) -> HoldPlaced:
    return HoldPlaced(ORDER, "FO-1", reason, at(hours))


def orderline_hold(hours: float) -> HoldPlaced:
    return HoldPlaced(ORDER, f"{HOLD_GROUP_PREFIX}address_invalid:postal_code", HoldReason.ADDRESS, at(hours))


ALL = (("L1", 2), ("L2", 1))

# (weight, history): the orders' histories, as both sides know them.
HISTORIES: tuple[tuple[int, tuple[Fact, ...]], ...] = (
    (20, (placed(),)),
    (5, (placed(0, payment_status=PaymentStatus.PENDING),)),
    (8, (placed(), shipped("S1", 20, ("L1", 2)))),
    (20, (placed(), shipped("S1", 20, *ALL))),
    (30, (placed(), shipped("S1", 20, *ALL), delivered("S1", 70))),
    (
        3,
        (
            placed(),
            shipped("S1", 20, ("L1", 1)),
            shipped("S2", 40, ("L1", 1), ("L2", 1)),
            delivered("S1", 60),
        ),
    ),
    (4, (placed(), shipped("S1", 20, *ALL), refunded("R1", 90, "10.00", ("L1", 1)))),
    (3, (placed(), placed(2, cancelled_at=at(2)), refunded("R1", 2, "25.00", *ALL))),
    (2, (placed(), platform_hold(1))),
    (2, (placed(), platform_hold(1, HoldReason.BACKORDER), shipped("S1", 20, ("L2", 1)))),
)

# Orderline's own holds, on Orderline's side only: never drift.
ORDERLINE_HELD: tuple[tuple[int, tuple[Fact, ...]], ...] = (
    (2, (placed(), orderline_hold(1))),
    (1, (placed(), shipped("S1", 20, ("L1", 2)), orderline_hold(21))),
)


def _latest(facts: tuple[Fact, ...], **changes: Any) -> tuple[Fact, ...]:
    """The history's latest snapshot, told again later with `changes`."""
    snapshots = [f for f in facts if type(f) is OrderSnapshot]
    return (replace(snapshots[-1], updated_at=at(100), **changes),)


def _retracked(facts: tuple[Fact, ...]) -> tuple[Fact, ...]:
    records = [f for f in facts if type(f) is ShipmentRecorded]
    return tuple(replace(f, updated_at=at(100), tracking_numbers=("9400NEW",)) for f in records)


# What the platform knows that Orderline missed, added to its side only.
FAULTS: dict[str, Callable[[tuple[Fact, ...]], tuple[Fact, ...]]] = {
    "cancellation": lambda facts: _latest(facts, cancelled_at=at(100)),
    "partial refund": lambda facts: (refunded("R9", 100, "5.00", ("L2", 1)),),
    "shipment": lambda facts: (shipped("S9", 100, ("L2", 1)),),
    "payment": lambda facts: _latest(facts, payment_status=PaymentStatus.VOIDED),
    "hold placed": lambda facts: (platform_hold(100, HoldReason.PAYMENT),),
    "hold released": lambda facts: (HoldsReleased(ORDER, "FO-1", at(100)),),
    "tracking": _retracked,
}


def folded(facts: tuple[Fact, ...]) -> Order:
    order = fold("bench", ORDER, facts)
    assert order is not None
    return order


class Template:
    """One history folded once: Orderline's order, the platform's, and the faults that make
    the platform's differ (those that change nothing on this history are left out)."""

    def __init__(self, ours: tuple[Fact, ...], theirs: tuple[Fact, ...]) -> None:
        self.ours, self.theirs = folded(ours), folded(theirs)
        assert not differences(view_of(self.ours), view_of(self.theirs))
        self.faults: list[tuple[str, Order]] = []
        for name, fault in FAULTS.items():
            extra = fault(theirs)
            faulty = folded(theirs + extra) if extra else self.theirs
            if differences(view_of(self.ours), view_of(faulty)):
                self.faults.append((name, faulty))


def instance(template: Order, n: int) -> Order:
    """`template` as order `n`: its own line ids, shipment and refund ids, tracking numbers."""
    tag = f"-{n}"
    lines = tuple(
        OrderLine(
            line.line_id + tag,
            line.title,
            line.sku,
            line.quantity,
            line.unit_price,
            line.shipped_quantity,
            line.refunded_quantity,
        )
        for line in template.lines
    )
    shipments = tuple(
        Shipment(
            s.shipment_id + tag,
            s.state,
            tuple(LineQuantity(lq.line_id + tag, lq.quantity) for lq in s.lines),
            tuple(number + tag for number in s.tracking_numbers),
            s.carrier,
            s.tracking_url,
            s.delivery_status,
            s.created_at,
            s.updated_at,
            s.delivered_at,
        )
        for s in template.shipments
    )
    refunds = tuple(
        Refund(r.refund_id + tag, r.created_at, Decimal(r.amount), r.lines, r.restock)
        for r in template.refunds
    )
    return replace(template, order_id=str(n), lines=lines, shipments=shipments, refunds=refunds)


def build(orders: int, fault_share: float, seed: int) -> tuple[Views, Views, dict[int, str], float]:
    """Both sides' views and the injected faults by order; the seconds `view_of` took."""
    rng = random.Random(seed)
    plain = [(w, Template(h, h)) for w, h in HISTORIES]
    held = [(w, Template(h, h[:-1])) for w, h in ORDERLINE_HELD]
    choices = [t for _, t in plain + held]
    weights = [w for w, _ in plain + held]
    ours: Views = []
    theirs: Views = []
    faults: dict[int, str] = {}
    viewing = 0.0
    for start in range(0, orders, 10_000):
        chunk: list[tuple[Order, Order]] = []
        for n in range(start, min(start + 10_000, orders)):
            template = rng.choices(choices, weights)[0]
            platform = template.theirs
            if rng.random() < fault_share and template.faults:
                faults[n], platform = rng.choice(template.faults)
            chunk.append((instance(template.ours, n), instance(platform, n)))
        began = time.perf_counter()
        for mine, other in chunk:
            ours.append(view_of(mine))
            theirs.append(view_of(other))
        viewing += time.perf_counter() - began
    return ours, theirs, faults, viewing


def as_dicts(views: Views) -> Dicts:
    return [{name: getattr(view, name) for name in RECONCILED_FIELDS} for view in views]


def compare(ours: Views, theirs: Views) -> dict[int, tuple[str, ...]]:
    found: dict[int, tuple[str, ...]] = {}
    for n, (mine, other) in enumerate(zip(ours, theirs, strict=True)):
        drift = differences(mine, other)
        if drift:
            found[n] = tuple(d.field for d in drift)
    return found


def compare_dicts(ours: Dicts, theirs: Dicts) -> dict[int, tuple[str, ...]]:
    found: dict[int, tuple[str, ...]] = {}
    for n, (mine, other) in enumerate(zip(ours, theirs, strict=True)):
        if mine != other:
            found[n] = tuple(key for key in mine if mine[key] != other[key])
    return found


def best_of(repeat: int, work: Callable[[], object]) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return min(times), result


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--faults", type=float, default=0.005, help="share of orders that differ (0.005)")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    started = time.perf_counter()
    ours, theirs, faults, viewing = build(args.orders, args.faults, args.seed)
    print(
        f"built {len(ours)} orders on both sides in {time.perf_counter() - started:.1f} s "
        f"(view_of {viewing / (2 * len(ours)) * 1e6:.2f} µs per order, not timed below)"
    )
    print(f"injected faults={len(faults)}: {dict(sorted(Counter(faults.values()).items()))}")
    ours_dicts, theirs_dicts = as_dicts(ours), as_dicts(theirs)

    seconds, found = best_of(args.repeat, lambda: compare(ours, theirs))
    baseline_seconds, baseline_found = best_of(args.repeat, lambda: compare_dicts(ours_dicts, theirs_dicts))
    assert isinstance(found, dict) and isinstance(baseline_found, dict)
    by_field = Counter(name for names in found.values() for name in names)
    print(f"drifting orders={len(found)} fields: {dict(by_field)}")
    print(f"differences: {seconds:.3f} s ({seconds / len(ours) * 1e6:.2f} µs per order)")
    print(f"dict ==     : {baseline_seconds:.3f} s ({baseline_seconds / len(ours) * 1e6:.2f} µs per order)")
    agree = found == baseline_found and set(found) == set(faults)
    if not agree:
        print("MISMATCH: the comparisons disagree with each other or with the injected faults")
    print(f"reconcile orders={len(ours)} seconds={seconds:.3f} baseline_seconds={baseline_seconds:.3f}")
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
