"""What a scorecard reports: headline figures rated against targets, the breakdowns
behind them, an eight-week trend and the failure analysis for the weekly review.

Everything here is plain data, ready for a table, JSON, CSV or the HTML report. Hours are
floats; a figure with nothing to measure (no order shipped) is None, never 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from orderline.domain.scorecard.weeks import IsoWeek


class Rating(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"


class Dimension(StrEnum):
    """What a breakdown row is grouped by."""

    ALL = "all"
    STORE = "store"
    PLATFORM = "platform"
    ORDER_TYPE = "order_type"
    CARRIER = "carrier"
    EXCEPTION_TYPE = "exception_type"


class Kpi(StrEnum):
    """The headline figures, in the order the scorecard shows them."""

    SHIP_FIRST_P50_HOURS = "ship_first_p50_hours"
    SHIP_FIRST_P90_HOURS = "ship_first_p90_hours"
    SHIP_LAST_P50_HOURS = "ship_last_p50_hours"
    SHIP_LAST_P90_HOURS = "ship_last_p90_hours"
    SHIP_FIRST_P50_BUSINESS_HOURS = "ship_first_p50_business_hours"
    SHIP_FIRST_P90_BUSINESS_HOURS = "ship_first_p90_business_hours"
    EXCEPTION_RATE_PCT = "exception_rate_pct"
    PROBLEM_EXCEPTION_RATE_PCT = "problem_exception_rate_pct"
    TICKETS_PER_100_ORDERS = "tickets_per_100_orders"
    DRIFT_PER_1000_ORDERS = "drift_per_1000_orders"
    DRIFT_DETECT_P50_HOURS = "drift_detect_p50_hours"


@dataclass(frozen=True, slots=True)
class Target:
    """Green up to `green`, amber up to `amber`, red beyond (reversed when higher is better)."""

    green: float
    amber: float
    higher_is_better: bool = False

    def __post_init__(self) -> None:
        wrong_way = self.amber > self.green if self.higher_is_better else self.amber < self.green
        if wrong_way:
            side = "at most" if self.higher_is_better else "at least"
            raise ValueError(f"amber ({self.amber}) must be {side} green ({self.green})")

    def rate(self, value: float) -> Rating:
        if self.higher_is_better:
            value, green, amber = -value, -self.green, -self.amber
        else:
            green, amber = self.green, self.amber
        if value <= green:
            return Rating.GREEN
        return Rating.AMBER if value <= amber else Rating.RED


@dataclass(frozen=True, slots=True)
class Figure:
    """One headline number with the week before and its target."""

    kpi: Kpi
    value: float | None
    previous: float | None
    target: Target | None = None

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def rating(self) -> Rating | None:
        if self.value is None or self.target is None:
            return None
        return self.target.rate(self.value)


@dataclass(frozen=True, slots=True)
class Percentiles:
    """p50 and p90 by linear interpolation between closest ranks; None for no values."""

    count: int
    p50: float | None
    p90: float | None


@dataclass(frozen=True, slots=True)
class CycleTimeRow:
    """Order-to-ship cycle time of one group of the week's orders (cancelled ones excluded)."""

    dimension: Dimension
    key: str
    orders: int
    first_hours: Percentiles
    last_hours: Percentiles
    first_business_hours: Percentiles
    last_business_hours: Percentiles
    unshipped: int
    """Orders of the group with no shipment yet."""


@dataclass(frozen=True, slots=True)
class Unshipped:
    """The week's orders not shipped yet (cancelled excluded), with their age at `now`."""

    count: int
    median_age_hours: float | None
    oldest_age_hours: float | None
    by_age: tuple[tuple[str, int], ...] = ()
    """Counts per age band: ("<24h", n), ("24-48h", n), ("48-96h", n), (">96h", n)."""


@dataclass(frozen=True, slots=True)
class RateRow:
    """Share of a group's orders with at least one exception (of `exception_type` if set)."""

    dimension: Dimension
    key: str
    orders: int
    with_exception: int
    informational: bool = False

    @property
    def rate_pct(self) -> float | None:
        return None if self.orders == 0 else 100.0 * self.with_exception / self.orders


@dataclass(frozen=True, slots=True)
class TicketRow:
    store_id: str
    tickets: int
    orders: int
    linked: int
    """Tickets linked to an order."""

    @property
    def per_100_orders(self) -> float | None:
        return None if self.orders == 0 else 100.0 * self.tickets / self.orders

    @property
    def linked_share_pct(self) -> float | None:
        return None if self.tickets == 0 else 100.0 * self.linked / self.tickets


@dataclass(frozen=True, slots=True)
class TicketSummary:
    total: TicketRow
    """store_id "all": every ticket of the week, with or without a store."""
    by_store: tuple[TicketRow, ...]
    top_reasons: tuple[tuple[str, int], ...]
    """(reason, tickets), most frequent first, at most five."""


@dataclass(frozen=True, slots=True)
class HistogramBin:
    """Orders whose first shipment came within [low_hours, high_hours); high None: open-ended."""

    low_hours: float
    high_hours: float | None
    orders: int


@dataclass(frozen=True, slots=True)
class TrendPoint:
    week: IsoWeek
    values: dict[Kpi, float | None]


@dataclass(frozen=True, slots=True)
class ParetoRow:
    cause: str
    """An exception type."""
    count: int
    cumulative_pct: float


@dataclass(frozen=True, slots=True)
class LaneRow:
    """A lane: store x carrier x order type, ranked by p90 hours to first shipment."""

    store_id: str
    carrier: str
    order_type: str
    orders: int
    p90_hours: float


@dataclass(frozen=True, slots=True)
class BreachedEscalation:
    store_id: str
    order_id: str
    exception_type: str
    owner: str
    opened_at: datetime
    level_reached: int
    is_resolved: bool


@dataclass(frozen=True, slots=True)
class SilentException:
    """An exception the buyer heard nothing about (messaging audit)."""

    store_id: str
    order_id: str
    exception_type: str
    silent_hours: float


@dataclass(frozen=True, slots=True)
class DriftIncident:
    store_id: str
    order_id: str
    opened_at: datetime
    reason: str
    is_resolved: bool


@dataclass(frozen=True, slots=True)
class FailureAnalysis:
    pareto: tuple[ParetoRow, ...] = ()
    slowest_lanes: tuple[LaneRow, ...] = ()
    breached_escalations: tuple[BreachedEscalation, ...] = ()
    silent_exceptions: tuple[SilentException, ...] = ()
    drift_incidents: tuple[DriftIncident, ...] = ()


@dataclass(frozen=True, slots=True)
class WorkflowRisk:
    """A workflow (exception type) ranked by exceptions x cycle-time impact x tickets."""

    exception_type: str
    exceptions: int
    cycle_impact_hours: float
    """Median hours to first shipment of orders with it, minus the median of all orders."""
    tickets: int
    """Tickets linked to orders with it."""
    score: float


@dataclass(frozen=True, slots=True)
class Scorecard:
    week: IsoWeek
    store_id: str | None
    """None: all stores, each order counted in its own store's week."""
    generated_at: datetime
    orders: int
    """The week's orders (placed in the week), cancelled ones included."""
    cancelled: int
    headline: tuple[Figure, ...]
    cycle_time: tuple[CycleTimeRow, ...]
    unshipped: Unshipped
    exception_rates: tuple[RateRow, ...]
    tickets: TicketSummary
    distribution: tuple[HistogramBin, ...]
    trend: tuple[TrendPoint, ...]
    """The eight weeks ending with `week`, oldest first."""
    analysis: FailureAnalysis = field(default_factory=FailureAnalysis)
    risks: tuple[WorkflowRisk, ...] = ()
    is_baseline: bool = False
    """Computed over imported history before any policy acted (`scorecard --baseline`)."""
