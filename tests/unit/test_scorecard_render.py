"""The scorecard's renderings of a hand-made card (tests/scorecard_samples.py): JSON-able
data, long CSV, the self-contained HTML report and its chart geometry."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from html.parser import HTMLParser

import pytest

from orderline.domain.scorecard.figures import Figure, HistogramBin, Kpi, ParetoRow, Target, TrendPoint
from orderline.domain.scorecard.weeks import IsoWeek
from orderline.reports import scorecard_charts as charts
from orderline.reports.scorecard_csv import COLUMNS, render_csv
from orderline.reports.scorecard_data import scorecard_to_dict
from orderline.reports.scorecard_html import render_html
from orderline.reports.scorecard_labels import KPI_LABELS, Direction, arrow, direction, signed_change
from tests.scorecard_samples import (
    CHINESE_STORE,
    DRIFT_REASON,
    QUOTED_STORE,
    TICKET_REASON,
    WEEK,
    empty_card,
    full_card,
)

# --- JSON -------------------------------------------------------------------------------


def test_json_headline_rounds_to_two_decimals_and_keeps_nothing_measured_as_null() -> None:
    data = scorecard_to_dict(full_card())

    assert (data["week"], data["store"], data["generated_at"]) == ("2026-W48", "all", "2026-11-30T06:00:00Z")
    assert (data["orders"], data["cancelled"], data["is_baseline"]) == (125, 5, False)
    assert data["headline"][0] == {
        "kpi": "ship_first_p50_hours",
        "value": 18.25,
        "previous": 20.5,
        "change": -2.25,
        "target": {"green": 24.0, "amber": 36.0, "higher_is_better": False},
        "rating": "green",
    }
    assert data["headline"][2] == {
        "kpi": "ship_last_p50_hours",
        "value": 30.0,
        "previous": None,
        "change": None,
        "target": None,
        "rating": None,
    }
    assert [figure["rating"] for figure in data["headline"]] == [
        "green", "amber", None, "red", None, None, "amber", "amber", "green", None, None,
    ]  # fmt: skip
    assert data["headline"][5]["value"] is None and data["headline"][7]["value"] == 8.33


def test_json_carries_every_section_and_survives_a_strict_json_round_trip() -> None:
    data = scorecard_to_dict(full_card(QUOTED_STORE))

    again = json.loads(json.dumps(data, allow_nan=False, ensure_ascii=False))

    assert again == data
    assert list(data) == [
        "week", "store", "generated_at", "is_baseline", "orders", "cancelled", "headline", "cycle_time",
        "unshipped", "exception_rates", "tickets", "distribution", "trend", "analysis", "risks",
    ]  # fmt: skip
    assert data["store"] == QUOTED_STORE
    assert data["cycle_time"][1]["key"] == CHINESE_STORE
    assert data["cycle_time"][1]["first_hours"] == {"count": 80, "p50": 16.0, "p90": 36.5}
    assert data["unshipped"]["by_age"][3] == {"band": ">96h", "orders": 1}
    assert data["exception_rates"][5] == {
        "dimension": "exception_type", "key": "split_shipment", "orders": 120, "with_exception": 4,
        "rate_pct": 3.33, "informational": True,
    }  # fmt: skip
    assert data["tickets"]["total"]["per_100_orders"] == 3.2
    assert data["tickets"]["by_store"][1]["linked_share_pct"] is None
    assert data["tickets"]["top_reasons"][0] == {"reason": TICKET_REASON, "tickets": 2}
    assert data["distribution"][4] == {"low_hours": 96.0, "high_hours": None, "orders": 3}
    assert data["analysis"]["pareto"][1] == {
        "cause": "fulfillment_delayed",
        "count": 5,
        "cumulative_pct": 73.33,
    }
    assert data["analysis"]["breached_escalations"][0]["opened_at"] == "2026-11-24T09:15:00Z"
    assert data["analysis"]["drift_incidents"][0]["reason"] == DRIFT_REASON
    assert data["risks"][2] == {
        "exception_type": "payment_failed", "exceptions": 3, "cycle_impact_hours": -1.5, "tickets": 0,
        "score": 0.0,
    }  # fmt: skip


def test_json_trend_lists_eight_weeks_oldest_first_with_gaps_as_null() -> None:
    trend = scorecard_to_dict(full_card())["trend"]

    assert [point["week"] for point in trend] == [f"2026-W{week}" for week in range(41, 49)]
    assert list(trend[0]["values"]) == [kpi.value for kpi in Kpi]
    assert [point["values"]["ship_last_p50_hours"] for point in trend] == [
        None, None, 33.0, 32.0, None, 31.0, None, 30.0,
    ]  # fmt: skip
    assert trend[-1]["values"]["problem_exception_rate_pct"] == 8.33


def test_json_writes_a_change_too_small_to_show_as_zero() -> None:
    card = replace(full_card(), headline=(Figure(Kpi.SHIP_FIRST_P50_HOURS, 10.001, 10.004),))

    (figure,) = scorecard_to_dict(card)["headline"]

    assert json.dumps(figure["change"]) == "0.0"


def test_json_of_a_week_without_orders_has_nulls_not_zeros() -> None:
    data = scorecard_to_dict(empty_card())

    assert data["orders"] == 0
    assert {figure["value"] for figure in data["headline"]} == {None}
    assert {figure["rating"] for figure in data["headline"]} == {None}
    assert data["cycle_time"][0]["first_hours"] == {"count": 0, "p50": None, "p90": None}
    assert data["exception_rates"][0]["rate_pct"] is None
    assert data["tickets"]["total"]["per_100_orders"] is None
    assert data["analysis"] == {
        "pareto": [], "slowest_lanes": [], "breached_escalations": [], "silent_exceptions": [],
        "drift_incidents": [],
    }  # fmt: skip


# --- CSV --------------------------------------------------------------------------------


def _csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_csv_is_long_format_with_crlf_lines_and_a_header() -> None:
    text = render_csv(full_card())

    assert text.startswith(",".join(COLUMNS) + "\r\n")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    rows = _csv_rows(text)
    assert all(list(row) == list(COLUMNS) for row in rows)
    assert rows[0] == {**_blank(), "section": "scorecard", "dimension": "all", "key": "all", "metric": "week",
                       "value": "2026-W48"}  # fmt: skip
    assert rows[6] == {
        "section": "headline", "dimension": "all", "key": "all", "metric": "ship_first_p50_hours",
        "value": "18.25", "previous": "20.5", "target_green": "24.0", "target_amber": "36.0",
        "rating": "green",
    }  # fmt: skip
    nothing_this_week = next(row for row in rows if row["metric"] == "ship_first_p90_business_hours")
    assert (nothing_this_week["value"], nothing_this_week["previous"], nothing_this_week["rating"]) == (
        "", "22.0", "",
    )  # fmt: skip


def _blank() -> dict[str, str]:
    return dict.fromkeys(COLUMNS, "")


def test_csv_quotes_a_store_id_with_a_comma_and_quotes_as_one_cell() -> None:
    text = render_csv(full_card())

    assert '"shop ""north"", eu"' in text
    store_rows = [
        row for row in _csv_rows(text) if row["section"] == "cycle_time" and row["key"] == QUOTED_STORE
    ]
    assert [(row["metric"], row["value"]) for row in store_rows][:4] == [
        ("orders", "40"), ("first_hours_count", "40"), ("first_hours_p50", "22.75"),
        ("first_hours_p90", "48.0"),
    ]  # fmt: skip
    chinese = [row for row in _csv_rows(text) if row["key"] == CHINESE_STORE and row["section"] == "tickets"]
    assert [(row["metric"], row["value"]) for row in chinese] == [
        ("tickets", "3"), ("orders", "84"), ("linked", "3"), ("per_100_orders", "3.57"),
        ("linked_share_pct", "100.0"),
    ]  # fmt: skip


def test_csv_has_a_row_per_figure_of_every_section() -> None:
    rows = _csv_rows(render_csv(full_card()))

    sections = {row["section"]: 0 for row in rows}
    for row in rows:
        sections[row["section"]] += 1

    assert sections == {
        "scorecard": 6, "headline": 11, "cycle_time": 9 * 14, "unshipped": 3 + 4, "exception_rates": 6 * 4,
        "tickets": 3 * 5, "ticket_reasons": 3, "distribution": 5, "trend": 8 * 11, "pareto": 4 * 2,
        "slowest_lanes": 2 * 2, "breached_escalations": 5, "silent_exceptions": 2, "drift_incidents": 3,
        "risks": 3 * 4,
    }  # fmt: skip
    assert [(row["key"], row["value"]) for row in rows if row["section"] == "distribution"] == [
        ("0-12", "30"), ("12-24", "45"), ("24-48", "25"), ("48-96", "12"), ("96+", "3"),
    ]  # fmt: skip
    lane = next(row for row in rows if row["section"] == "slowest_lanes")
    assert (lane["key"], lane["metric"], lane["value"]) == (f"{QUOTED_STORE} / DHL Express / international",
                                                            "orders", "12")  # fmt: skip
    drift = [row["value"] for row in rows if row["section"] == "drift_incidents"]
    assert drift == ["2026-11-26T14:00:00Z", DRIFT_REASON, "true"]


def test_csv_headline_agrees_with_the_json() -> None:
    card = full_card()
    headline = [row for row in _csv_rows(render_csv(card)) if row["section"] == "headline"]

    expected = [
        (f["kpi"], "" if f["value"] is None else str(f["value"]), f["rating"] or "")
        for f in scorecard_to_dict(card)["headline"]
    ]
    assert [(row["metric"], row["value"], row["rating"]) for row in headline] == expected


# --- HTML -------------------------------------------------------------------------------


class _Page(HTMLParser):
    """The page's elements as (tag, attributes, id of the enclosing chart) and its text."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str], str | None]] = []
        self.text: list[str] = []
        self._chart: str | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "svg":
            self._chart = values["id"]
        self.elements.append((tag, values, self._chart))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg":
            self._chart = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def inside(self, chart: str, tag: str) -> list[dict[str, str]]:
        return [attrs for found, attrs, where in self.elements if where == chart and found == tag]

    def charts(self) -> list[str]:
        return [attrs["id"] for tag, attrs, _ in self.elements if tag == "svg"]


def test_html_draws_a_histogram_a_trend_per_headline_kpi_and_a_pareto() -> None:
    page = _Page(render_html(full_card()))

    assert page.charts() == [
        "chart-distribution", *[f"chart-trend-{kpi.value}" for kpi in Kpi], "chart-pareto",
    ]  # fmt: skip
    for chart in page.charts():
        (title,) = page.inside(chart, "title")[:1]
        assert title["id"] == f"{chart}-title"
    assert len(page.inside("chart-distribution", "rect")) == 5
    assert len(page.inside("chart-pareto", "rect")) == 4
    assert len(page.inside("chart-pareto", "circle")) == 4
    gappy = "chart-trend-ship_last_p50_hours"
    assert len(page.inside(gappy, "circle")) == 4
    assert [d[0] for d in page.inside(gappy, "path")[0]["d"].split()] == ["M", "L", "M", "M"]
    assert [band["class"] for band in page.inside("chart-trend-ship_first_p50_hours", "rect")] == [
        "band band-green", "band band-amber",
    ]  # fmt: skip
    assert page.inside("chart-trend-ship_first_p90_business_hours", "circle") == []


def test_html_headline_shows_ratings_arrows_and_dashes() -> None:
    text = render_html(full_card())

    assert '<span class="badge badge-green">green</span>' in text
    assert '<span class="badge badge-amber">amber</span>' in text
    assert '<span class="badge badge-red">red</span>' in text
    assert '<td class="num better"><span title="better">▼</span> -2.2 h</td>' in text
    assert '<td class="num worse"><span title="worse">▲</span> +10.5 h</td>' in text
    assert '<td class="num same"><span title="same">=</span> 0.0</td>' in text
    assert "green ≤ 24.0 h, amber ≤ 36.0 h" in text


def test_html_escapes_merchant_text_and_loads_nothing() -> None:
    text = render_html(full_card(QUOTED_STORE))

    assert DRIFT_REASON not in text and "<b>" not in text
    assert "&lt;b&gt;status &#34;shipped&#34; &amp; tracking missing&lt;/b&gt;" in text
    assert "where&#39;s my &lt;order&gt;?" in text
    assert "shop &#34;north&#34;, eu" in text and CHINESE_STORE in text
    for outside in (
        "http:",
        "https:",
        "//",
        "src=",
        "href=",
        "url(",
        "@import",
        "<script",
        "<link",
        "@font-face",
    ):
        assert outside not in text, outside


def test_html_of_a_week_without_orders_says_so_instead_of_drawing_empty_charts() -> None:
    page = _Page(render_html(empty_card()))
    text = "".join(page.text)

    assert "No orders were placed this week" in text
    assert "No shipped orders this week" in text
    assert "No exceptions this week." in text
    assert "No exceptions to rank this week." in text
    assert page.charts() == [f"chart-trend-{kpi.value}" for kpi in Kpi]
    assert text.count("nothing measured in these weeks") == len(Kpi)


def test_html_of_a_baseline_card_says_it_is_the_baseline() -> None:
    text = render_html(replace(full_card(), is_baseline=True))

    assert 'id="baseline"' in text and "before any Orderline policy acted" in text
    assert 'id="baseline"' not in render_html(full_card())


# --- labels and chart geometry -----------------------------------------------------------


def test_every_kpi_has_a_label() -> None:
    assert set(KPI_LABELS) == set(Kpi)


@pytest.mark.parametrize(
    ("value", "previous", "higher_is_better", "expected", "shown"),
    [
        (10.0, 12.0, False, Direction.BETTER, "▼"),
        (12.0, 10.0, False, Direction.WORSE, "▲"),
        (12.0, 10.0, True, Direction.BETTER, "▲"),
        (10.0, 10.004, False, Direction.SAME, "="),
        (None, 10.0, False, None, ""),
    ],
)
def test_a_change_is_better_or_worse_by_the_targets_sense(
    value: float | None, previous: float, higher_is_better: bool, expected: Direction | None, shown: str
) -> None:
    target = Target(20, 10, higher_is_better=True) if higher_is_better else Target(10, 20)
    figure = Figure(Kpi.EXCEPTION_RATE_PCT, value, previous, target)

    assert (direction(figure), arrow(figure)) == (expected, shown)


def test_a_signed_change_carries_the_kpis_unit() -> None:
    assert signed_change(Figure(Kpi.SHIP_FIRST_P50_HOURS, 12.0, 10.0)) == "+2.0 h"
    assert signed_change(Figure(Kpi.EXCEPTION_RATE_PCT, 1.0, 3.5)) == "-2.5 %"
    assert signed_change(Figure(Kpi.TICKETS_PER_100_ORDERS, None, 3.5)) == "—"


@pytest.mark.parametrize(
    ("value", "ceiling"),
    [(0, 1), (0.3, 0.5), (1, 1), (7, 10), (45, 50), (80.456, 100), (120, 200), (2100, 2500)],
)
def test_an_axis_ends_at_a_round_number(value: float, ceiling: float) -> None:
    assert charts.nice_ceiling(value) == pytest.approx(ceiling)


def test_histogram_bars_are_as_tall_as_their_counts() -> None:
    bins = (HistogramBin(0, 24, 10), HistogramBin(24, 48, 5), HistogramBin(48, None, 0))

    chart = charts.histogram(bins)

    assert chart is not None
    frame = chart.frame  # counts up to 10 on a 10-high axis: the first bar fills the plot
    assert [bar.height for bar in chart.bars] == [frame.plot_height, frame.plot_height / 2, 0.0]
    assert [bar.y + bar.height for bar in chart.bars] == [frame.base_y] * 3
    assert [tick.label for tick in chart.x_ticks] == ["0-24 h", "24-48 h", "48+ h"]
    assert [bar.tooltip for bar in chart.bars] == [
        "0-24 h: 10 orders",
        "24-48 h: 5 orders",
        "48+ h: 0 orders",
    ]
    assert charts.histogram((HistogramBin(0, 24, 0),)) is None


def test_trend_shades_the_green_and_amber_stretch_of_its_target() -> None:
    points = [TrendPoint(IsoWeek(2026, 47), {Kpi.SHIP_FIRST_P50_HOURS: 20.0}), TrendPoint(WEEK, {})]

    chart = charts.trend(Kpi.SHIP_FIRST_P50_HOURS, points, Target(25, 40))

    frame = chart.frame  # the axis runs to 50: green 0-25 is the lower half, amber 25-40 above it
    green, amber = chart.bands
    assert (green.rating, green.y, green.height) == (
        "green",
        frame.top + frame.plot_height / 2,
        frame.plot_height / 2,
    )
    assert amber.rating == "amber" and amber.height == pytest.approx(frame.plot_height * 15 / 50)
    assert [point.tooltip for point in chart.points] == ["2026-W47: 20.0 h"]
    assert chart.path == f"M{frame.left:.1f},{frame.y_of(20, 0, 50):.1f}"


def test_pareto_line_climbs_to_the_cumulative_share() -> None:
    rows = (ParetoRow("address_invalid", 3, 75.0), ParetoRow("a-very-long-exception-cause-name", 1, 100.0))

    chart = charts.pareto(rows)

    assert chart is not None
    frame = chart.frame
    assert [point.y for point in chart.points] == [
        frame.base_y - 0.75 * frame.plot_height, frame.base_y - frame.plot_height,
    ]  # fmt: skip
    assert [tick.label for tick in chart.x_ticks] == ["address_invalid", "a-very-long-excep…"]
    assert charts.pareto(()) is None
