"""Order-to-ship cycle time of the week's orders: the breakdown rows, the orders not shipped
yet with their age, and the distribution of hours to first shipment.

Cancelled orders are left out (they never ship); refunded ones count like any other. A
shipment dated after `now` has not happened yet; one dated before its order counts as 0
hours.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from orderline.domain.scorecard.figures import CycleTimeRow, Dimension, HistogramBin, Percentiles, Unshipped
from orderline.domain.scorecard.order_types import STANDARD
from orderline.domain.scorecard.percentiles import median, percentiles_of_sorted
from orderline.domain.scorecard.records import OrderRecord
from orderline.domain.scorecard.week_tally import TallyRules, hours_apart

UNKNOWN_CARRIER = "unknown"
HISTOGRAM_EDGES_HOURS: tuple[float, ...] = (0, 6, 12, 24, 48, 72, 120)
AGE_BANDS: tuple[tuple[str, float], ...] = (
    ("<24h", 24.0),
    ("24-48h", 48.0),
    ("48-96h", 96.0),
    (">96h", float("inf")),
)
"""Each band's label and its upper bound (exclusive); a band starts where the one before ends."""
_STANDARD_ONLY = frozenset({STANDARD})


@dataclass(frozen=True, slots=True)
class MeasuredOrder:
    """A week's order that is not cancelled, with its hours to first and last shipment
    (None while that shipment has not happened)."""

    order: OrderRecord
    first_hours: float | None
    last_hours: float | None
    first_business_hours: float | None
    last_business_hours: float | None

    @property
    def types(self) -> frozenset[str]:
        return self.order.types or _STANDARD_ONLY

    @property
    def carrier(self) -> str:
        return self.order.carrier or UNKNOWN_CARRIER


def measure(orders: Iterable[OrderRecord], rules: TallyRules) -> list[MeasuredOrder]:
    """The orders that are not cancelled, measured."""
    measured = []
    for order in orders:
        if order.is_cancelled:
            continue
        table = rules.calendars.table(order.store_id)
        placed = order.placed_at
        first = _shipped(order.first_shipped_at, rules.now)
        last = _shipped(order.last_shipped_at, rules.now) if first is not None else None
        measured.append(
            MeasuredOrder(
                order,
                None if first is None else hours_apart(placed, first),
                None if last is None else hours_apart(placed, last),
                None if first is None else table.hours_between(placed.timestamp(), first.timestamp()),
                None if last is None else table.hours_between(placed.timestamp(), last.timestamp()),
            )
        )
    return measured


def cycle_time_rows(measured: Sequence[MeasuredOrder]) -> tuple[CycleTimeRow, ...]:
    """All, then per store, platform, order type and (shipped orders only) carrier; each
    dimension's rows by key."""
    stores: defaultdict[str, list[MeasuredOrder]] = defaultdict(list)
    platforms: defaultdict[str, list[MeasuredOrder]] = defaultdict(list)
    order_types: defaultdict[str, list[MeasuredOrder]] = defaultdict(list)
    carriers: defaultdict[str, list[MeasuredOrder]] = defaultdict(list)
    for item in measured:
        order = item.order
        stores[order.store_id].append(item)
        platforms[order.platform].append(item)
        for name in order.types or _STANDARD_ONLY:
            order_types[name].append(item)
        if item.first_hours is not None:
            carriers[order.carrier or UNKNOWN_CARRIER].append(item)
    rows = [_row(Dimension.ALL, "all", measured)]
    for dimension, groups in (
        (Dimension.STORE, stores),
        (Dimension.PLATFORM, platforms),
        (Dimension.ORDER_TYPE, order_types),
        (Dimension.CARRIER, carriers),
    ):
        rows += [_row(dimension, key, groups[key]) for key in sorted(groups)]
    return tuple(rows)


def _row(dimension: Dimension, key: str, group: Sequence[MeasuredOrder]) -> CycleTimeRow:
    first = [hours for item in group if (hours := item.first_hours) is not None]
    return CycleTimeRow(
        dimension=dimension,
        key=key,
        orders=len(group),
        first_hours=_percentiles(first),
        last_hours=_percentiles([hours for item in group if (hours := item.last_hours) is not None]),
        first_business_hours=_percentiles(
            [hours for item in group if (hours := item.first_business_hours) is not None]
        ),
        last_business_hours=_percentiles(
            [hours for item in group if (hours := item.last_business_hours) is not None]
        ),
        unshipped=len(group) - len(first),
    )


def _percentiles(values: list[float]) -> Percentiles:
    values.sort()
    return percentiles_of_sorted(values)


def unshipped(measured: Iterable[MeasuredOrder], now: datetime) -> Unshipped:
    """The orders with no shipment yet and their age at `now` (0 for an order placed after
    `now`, which only bad data or a clock behind the platform's gives)."""
    ages = sorted(hours_apart(m.order.placed_at, now) for m in measured if m.first_hours is None)
    counts = dict.fromkeys((label for label, _ in AGE_BANDS), 0)
    for age in ages:
        counts[next(label for label, upper in AGE_BANDS if age < upper)] += 1
    return Unshipped(
        count=len(ages),
        median_age_hours=median(ages),
        oldest_age_hours=ages[-1] if ages else None,
        by_age=tuple(counts.items()),
    )


def distribution(measured: Iterable[MeasuredOrder]) -> tuple[HistogramBin, ...]:
    """Shipped orders per band of hours to first shipment, each band [low, high)."""
    counts = [0] * len(HISTOGRAM_EDGES_HOURS)
    for item in measured:
        if item.first_hours is not None:
            counts[_band(item.first_hours)] += 1
    highs: Sequence[float | None] = (*HISTOGRAM_EDGES_HOURS[1:], None)
    return tuple(
        HistogramBin(low_hours=float(low), high_hours=None if high is None else float(high), orders=count)
        for low, high, count in zip(HISTOGRAM_EDGES_HOURS, highs, counts, strict=True)
    )


def _band(hours: float) -> int:
    band = 0
    while band + 1 < len(HISTOGRAM_EDGES_HOURS) and hours >= HISTOGRAM_EDGES_HOURS[band + 1]:
        band += 1
    return band


def _shipped(moment: datetime | None, now: datetime) -> datetime | None:
    """A shipment's time; None for none yet, or for one dated after `now`."""
    return moment if moment is not None and moment <= now else None
