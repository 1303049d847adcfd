"""Drift figures: incidents per 1,000 orders and the median time to detect, each incident
counted in the week (in its store's zone) Orderline detected it."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from orderline.domain.scorecard.figures import Kpi
from orderline.domain.scorecard.records import DriftRecord
from orderline.domain.scorecard.weeks import IsoWeek
from tests.unit.scorecard_records import W20, at, card, order

W19 = IsoWeek(2026, 19)
NOW = at(2026, 5, 25)
ORDERS = [order(f"w{n}", at(2026, 5, 11, 9) + timedelta(hours=n)) for n in range(8)] + [
    order("p1", at(2026, 5, 5, 9)),
    order("p2", at(2026, 5, 6, 9)),
]


def _drift(order_id: str, changed_hours_before: float, detected: datetime, store: str = "s1") -> DriftRecord:
    return DriftRecord(store, order_id, detected - timedelta(hours=changed_hours_before), detected)


def _figures(
    drifts: list[DriftRecord] | None = None, zones: dict[str, ZoneInfo] | None = None
) -> dict[Kpi, tuple[float | None, float | None]]:
    result = card(W20, ORDERS, now=NOW, drifts=drifts or [], zones=zones)
    return {f.kpi: (f.value, f.previous) for f in result.headline}


def test_incidents_per_thousand_orders_and_median_hours_to_detect() -> None:
    drifts = [
        _drift("w1", 1.0, at(2026, 5, 12, 10)),
        _drift("w2", 4.0, at(2026, 5, 13, 10)),
        _drift("w3", 2.5, at(2026, 5, 14, 10)),
        _drift("p1", 30.0, at(2026, 5, 6, 10)),  # the week before
    ]

    figures = _figures(drifts=drifts)

    assert figures[Kpi.DRIFT_PER_1000_ORDERS] == (1000.0 * 3 / 8, 1000.0 * 1 / 2)
    assert figures[Kpi.DRIFT_DETECT_P50_HOURS] == (2.5, 30.0)


def test_no_incident_is_zero_per_thousand_and_no_detection_time() -> None:
    figures = _figures()

    assert figures[Kpi.DRIFT_PER_1000_ORDERS] == (0.0, 0.0)
    assert figures[Kpi.DRIFT_DETECT_P50_HOURS] == (None, None)


def test_an_incident_counts_in_its_store_week_of_detection() -> None:
    # Sunday 17 May 23:30 UTC is Monday 18 May (W21) in Berlin: not in W20 for s2.
    late = _drift("w4", 2.0, at(2026, 5, 17, 23, 30), store="s2")
    zones = {"s1": ZoneInfo("UTC"), "s2": ZoneInfo("Europe/Berlin")}

    figures = _figures(drifts=[late], zones=zones)
    utc_figures = _figures(drifts=[late])

    assert figures[Kpi.DRIFT_PER_1000_ORDERS] == (0.0, 0.0)
    assert utc_figures[Kpi.DRIFT_PER_1000_ORDERS] == (125.0, 0.0)


def test_a_detection_before_the_platform_change_counts_zero_hours() -> None:
    odd = DriftRecord("s1", "w5", at(2026, 5, 13, 12), at(2026, 5, 13, 10))

    assert _figures(drifts=[odd])[Kpi.DRIFT_DETECT_P50_HOURS] == (0.0, None)


def test_one_store_scorecard_counts_its_own_incidents() -> None:
    drifts = [_drift("w1", 1.0, at(2026, 5, 12, 10)), _drift("x9", 3.0, at(2026, 5, 12, 11), store="s2")]

    result = card(W20, ORDERS, now=NOW, drifts=drifts, store_id="s1")
    figures = {f.kpi: f.value for f in result.headline}

    assert figures[Kpi.DRIFT_PER_1000_ORDERS] == 125.0
    assert figures[Kpi.DRIFT_DETECT_P50_HOURS] == 1.0
