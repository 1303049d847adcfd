"""How a scorecard's figures read for a person: each KPI's label and unit, numbers with
their units, which way a change went, and the labels of groups and histogram bins.

The terminal table and the HTML report both write figures through here, so a KPI reads
the same in both. JSON and CSV carry the raw values and the KPI's stable name instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from orderline.domain.scorecard.figures import Dimension, Figure, HistogramBin, Kpi

MISSING = "—"
"""What a figure with nothing to measure shows (None: no order shipped, no ticket)."""


@dataclass(frozen=True, slots=True)
class KpiLabel:
    title: str
    unit: str
    """Written after the number: "h", "business h", "%" or "" (a plain ratio)."""


KPI_LABELS: dict[Kpi, KpiLabel] = {
    Kpi.SHIP_FIRST_P50_HOURS: KpiLabel("Order to first shipment, p50", "h"),
    Kpi.SHIP_FIRST_P90_HOURS: KpiLabel("Order to first shipment, p90", "h"),
    Kpi.SHIP_LAST_P50_HOURS: KpiLabel("Order to last shipment, p50", "h"),
    Kpi.SHIP_LAST_P90_HOURS: KpiLabel("Order to last shipment, p90", "h"),
    Kpi.SHIP_FIRST_P50_BUSINESS_HOURS: KpiLabel("Order to first shipment, p50", "business h"),
    Kpi.SHIP_FIRST_P90_BUSINESS_HOURS: KpiLabel("Order to first shipment, p90", "business h"),
    Kpi.EXCEPTION_RATE_PCT: KpiLabel("Orders with an exception", "%"),
    Kpi.PROBLEM_EXCEPTION_RATE_PCT: KpiLabel("Orders with a problem (informational left out)", "%"),
    Kpi.TICKETS_PER_100_ORDERS: KpiLabel("Support tickets per 100 orders", ""),
    Kpi.DRIFT_PER_1000_ORDERS: KpiLabel("Drift incidents per 1,000 orders", ""),
    Kpi.DRIFT_DETECT_P50_HOURS: KpiLabel("Time to detect drift, p50", "h"),
}

DIMENSION_LABELS: dict[Dimension, str] = {
    Dimension.ALL: "All orders",
    Dimension.STORE: "By store",
    Dimension.PLATFORM: "By platform",
    Dimension.ORDER_TYPE: "By order type",
    Dimension.CARRIER: "By carrier",
    Dimension.EXCEPTION_TYPE: "By exception type",
}


class Direction(StrEnum):
    """Which way a figure moved since the week before, judged against its target's sense."""

    BETTER = "better"
    WORSE = "worse"
    SAME = "same"


def kpi_title(kpi: Kpi) -> str:
    label = KPI_LABELS[kpi]
    return f"{label.title} ({label.unit})" if label.unit == "business h" else label.title


def number(value: float | None, unit: str = "") -> str:
    """`12.5 h`, `4.2 %`, `3.1`; the dash for None."""
    if value is None:
        return MISSING
    text = f"{value:,.1f}"
    return f"{text} {unit}" if unit else text


def kpi_value(kpi: Kpi, value: float | None) -> str:
    return number(value, KPI_LABELS[kpi].unit)


def signed_change(figure: Figure) -> str:
    """The change since the week before with its sign (`+1.5 h`, `-0.3 %`); the dash for none."""
    change = figure.change
    if change is None:
        return MISSING
    return ("+" if change > 0 else "") + kpi_value(figure.kpi, change)


def direction(figure: Figure) -> Direction | None:
    """Better or worse by the target's sense; every KPI without a target is better lower
    (hours, shares of orders with an exception, tickets)."""
    change = figure.change
    if change is None:
        return None
    if round(change, 2) == 0:
        return Direction.SAME
    higher_is_better = figure.target.higher_is_better if figure.target is not None else False
    return Direction.BETTER if (change > 0) == higher_is_better else Direction.WORSE


def arrow(figure: Figure) -> str:
    """Which way the number moved: ▲ up, ▼ down, = unchanged (at two decimals); "" for no
    change to show. Whether that is good is `direction`'s to say (the colour)."""
    change = figure.change
    if change is None:
        return ""
    if round(change, 2) == 0:
        return "="
    return "▲" if change > 0 else "▼"


def target_text(figure: Figure) -> str:
    """`green ≤ 24.0 h, amber ≤ 48.0 h` (≥ when higher is better); the dash for no target."""
    target = figure.target
    if target is None:
        return MISSING
    sign = "≥" if target.higher_is_better else "≤"
    unit = KPI_LABELS[figure.kpi].unit
    return f"green {sign} {number(target.green, unit)}, amber {sign} {number(target.amber, unit)}"


def bin_label(bin_: HistogramBin) -> str:
    """`0-24 h`, or `96+ h` for the open-ended last bin."""
    if bin_.high_hours is None:
        return f"{bin_.low_hours:g}+ h"
    return f"{bin_.low_hours:g}-{bin_.high_hours:g} h"


def store_label(store_id: str | None) -> str:
    return "all stores" if store_id is None else f"store {store_id}"
