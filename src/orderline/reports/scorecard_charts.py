"""The geometry of the HTML report's charts, worked out on the server: where each bar,
point, band and tick of the cycle-time histogram, the eight-week trends and the exception
Pareto goes, in SVG user units. The template only draws what is computed here, so the
report needs no script to open, and tests can read a chart's marks as numbers.

A chart with nothing to draw (no shipped order, no exception) is None; the report says
so in words instead.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from orderline.domain.scorecard.figures import HistogramBin, Kpi, ParetoRow, Target, TrendPoint
from orderline.reports.scorecard_labels import KPI_LABELS, bin_label, kpi_value, number

LABEL_CHARS = 18
"""A Pareto cause longer than this is cut on the axis (its whole name is in the tooltip)."""


@dataclass(frozen=True, slots=True)
class Frame:
    """A chart's size and its plot area inside it (margins hold the axis labels)."""

    width: float
    height: float
    left: float
    right: float
    top: float
    bottom: float

    @property
    def plot_width(self) -> float:
        return self.width - self.left - self.right

    @property
    def plot_height(self) -> float:
        return self.height - self.top - self.bottom

    @property
    def base_y(self) -> float:
        return self.height - self.bottom

    def y_of(self, value: float, low: float, high: float) -> float:
        share = 0.0 if high == low else (value - low) / (high - low)
        return self.base_y - min(max(share, 0.0), 1.0) * self.plot_height


@dataclass(frozen=True, slots=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    tooltip: str


@dataclass(frozen=True, slots=True)
class Point:
    x: float
    y: float
    tooltip: str


@dataclass(frozen=True, slots=True)
class Band:
    """A shaded stretch of the value axis: where a figure rates green or amber."""

    rating: str
    y: float
    height: float


@dataclass(frozen=True, slots=True)
class BarChart:
    frame: Frame
    bars: tuple[Bar, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]


@dataclass(frozen=True, slots=True)
class LineChart:
    frame: Frame
    path: str
    """SVG path data; a week with no value breaks the line."""
    points: tuple[Point, ...]
    bands: tuple[Band, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]


@dataclass(frozen=True, slots=True)
class ParetoChart:
    frame: Frame
    bars: tuple[Bar, ...]
    path: str
    """The cumulative share, through the top of each bar's column."""
    points: tuple[Point, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    """Counts, on the left axis."""
    pct_ticks: tuple[Tick, ...]
    """0 to 100 %, on the right axis."""


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 x 10^k at or above `value` (1 for nothing): a round
    top for an axis."""
    if value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        if value <= step * power + 1e-9:
            return step * power
    return 10.0 * power


def _value_ticks(frame: Frame, high: float, unit: str = "") -> tuple[Tick, ...]:
    return tuple(
        Tick(frame.y_of(high * share, 0.0, high), _axis_number(high * share, unit)) for share in (0, 0.5, 1)
    )


def _axis_number(value: float, unit: str) -> str:
    text = f"{value:g}" if value >= 10 or value == int(value) else f"{value:.1f}"
    return f"{text} {unit}".strip()


def histogram(bins: Sequence[HistogramBin]) -> BarChart | None:
    """Orders by hours to first shipment; None when no order shipped."""
    if sum(bin_.orders for bin_ in bins) == 0:
        return None
    frame = Frame(640, 240, left=44, right=12, top=12, bottom=36)
    high = nice_ceiling(max(bin_.orders for bin_ in bins))
    slot = frame.plot_width / len(bins)
    bars, ticks = [], []
    for index, bin_ in enumerate(bins):
        x = frame.left + index * slot
        y = frame.y_of(bin_.orders, 0.0, high)
        label = bin_label(bin_)
        noun = "order" if bin_.orders == 1 else "orders"
        bars.append(Bar(x + slot * 0.1, y, slot * 0.8, frame.base_y - y, f"{label}: {bin_.orders} {noun}"))
        ticks.append(Tick(x + slot / 2, label))
    return BarChart(frame, tuple(bars), tuple(ticks), _value_ticks(frame, high))


def trend(kpi: Kpi, points: Sequence[TrendPoint], target: Target | None) -> LineChart:
    """One KPI over the trend's weeks, with its target's green and amber bands."""
    frame = Frame(300, 160, left=48, right=18, top=10, bottom=28)
    values = [point.values.get(kpi) for point in points]
    measured = [value for value in values if value is not None]
    limits = [target.green, target.amber] if target is not None else []
    high = nice_ceiling(max([*measured, *limits], default=0.0))
    xs = _week_positions(frame, len(points))
    drawn: list[Point] = []
    commands: list[str] = []
    for index, (point, value) in enumerate(zip(points, values, strict=True)):
        if value is None:
            continue
        x, y = xs[index], frame.y_of(value, 0.0, high)
        joined = index > 0 and values[index - 1] is not None
        commands.append(f"{'L' if joined else 'M'}{x:.1f},{y:.1f}")
        drawn.append(Point(x, y, f"{point.week}: {kpi_value(kpi, value)}"))
    x_ticks = tuple(Tick(x, f"W{point.week.week:02d}") for x, point in zip(xs, points, strict=True))
    unit = KPI_LABELS[kpi].unit.replace("business h", "h")
    return LineChart(
        frame,
        " ".join(commands),
        tuple(drawn),
        _bands(frame, target, high),
        x_ticks,
        _value_ticks(frame, high, unit),
    )


def _week_positions(frame: Frame, weeks: int) -> list[float]:
    """Evenly across the plot, first week at the left edge, last at the right (one: centred)."""
    if weeks == 1:
        return [frame.left + frame.plot_width / 2]
    step = frame.plot_width / max(weeks - 1, 1)
    return [frame.left + index * step for index in range(weeks)]


def _bands(frame: Frame, target: Target | None, high: float) -> tuple[Band, ...]:
    if target is None:
        return ()
    if target.higher_is_better:
        spans = [("green", target.green, high), ("amber", target.amber, target.green)]
    else:
        spans = [("green", 0.0, target.green), ("amber", target.green, target.amber)]
    bands = []
    for rating, low, top in spans:
        y_top, y_low = frame.y_of(top, 0.0, high), frame.y_of(low, 0.0, high)
        if y_low > y_top:
            bands.append(Band(rating, y_top, y_low - y_top))
    return tuple(bands)


def pareto(rows: Sequence[ParetoRow]) -> ParetoChart | None:
    """Exceptions by cause, most frequent first, with the cumulative share; None for none."""
    if sum(row.count for row in rows) == 0:
        return None
    frame = Frame(640, 300, left=44, right=48, top=12, bottom=96)
    high = nice_ceiling(max(row.count for row in rows))
    slot = frame.plot_width / len(rows)
    bars, points, ticks, commands = [], [], [], []
    for index, row in enumerate(rows):
        x = frame.left + index * slot
        y = frame.y_of(row.count, 0.0, high)
        bars.append(Bar(x + slot * 0.15, y, slot * 0.7, frame.base_y - y, f"{row.cause}: {row.count}"))
        centre, line_y = x + slot / 2, frame.y_of(row.cumulative_pct, 0.0, 100.0)
        commands.append(f"{'L' if index else 'M'}{centre:.1f},{line_y:.1f}")
        points.append(Point(centre, line_y, f"{row.cause}: {number(row.cumulative_pct, '%')} cumulative"))
        ticks.append(Tick(centre, _short(row.cause)))
    pct_ticks = tuple(Tick(frame.y_of(pct, 0.0, 100.0), f"{pct} %") for pct in (0, 50, 100))
    return ParetoChart(
        frame,
        tuple(bars),
        " ".join(commands),
        tuple(points),
        tuple(ticks),
        _value_ticks(frame, high),
        pct_ticks,
    )


def _short(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"
