"""A scorecard as CSV in long format, one row per figure, for a spreadsheet or a script.

Columns: section, dimension, key, metric, value, previous, target_green, target_amber,
rating. `previous`, the targets and `rating` are filled on headline rows only; every
other row is one number (or, for the listed escalations and incidents, one field) of one
group. The first rows say which week and store the file is about; rows of the whole
scorecard (dimension `all`: headline, unshipped) have the store (or `all`) as their key. Values are written as
the JSON carries them (two decimals; an empty cell where the JSON has null), quoted by
the csv module as RFC 4180 asks (a store id with a comma or a quote stays one cell).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from orderline.domain.scorecard.figures import Scorecard
from orderline.reports.scorecard_data import scorecard_to_dict

COLUMNS = (
    "section",
    "dimension",
    "key",
    "metric",
    "value",
    "previous",
    "target_green",
    "target_amber",
    "rating",
)

Row = tuple[Any, ...]


def render_csv(card: Scorecard) -> str:
    """The CSV text (header row first, CRLF line ends) of a `Scorecard`."""
    data = scorecard_to_dict(card)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows([_cell(value) for value in row] for row in _rows(data))
    return buffer.getvalue()


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _rows(data: dict[str, Any]) -> Iterator[Row]:
    yield from _about(data)
    yield from _headline(data["store"], data["headline"])
    yield from _cycle_time(data["cycle_time"])
    yield from _unshipped(data["store"], data["unshipped"])
    yield from _exception_rates(data["exception_rates"])
    yield from _tickets(data["tickets"])
    for bin_ in data["distribution"]:
        high = bin_["high_hours"]
        key = f"{bin_['low_hours']:g}" + ("+" if high is None else f"-{high:g}")
        yield _plain("distribution", "first_ship_hours", key, "orders", bin_["orders"])
    for point in data["trend"]:
        for kpi, value in point["values"].items():
            yield _plain("trend", "week", point["week"], kpi, value)
    yield from _analysis(data["analysis"])
    for risk in data["risks"]:
        yield from _fields("risks", "exception_type", risk["exception_type"], risk, _RISK_FIELDS)


def _plain(section: str, dimension: str, key: str, metric: str, value: Any) -> Row:
    return (section, dimension, key, metric, value, None, None, None, None)


def _fields(
    section: str, dimension: str, key: str, record: dict[str, Any], names: tuple[str, ...]
) -> Iterator[Row]:
    for name in names:
        yield _plain(section, dimension, key, name, record[name])


def _about(data: dict[str, Any]) -> Iterator[Row]:
    for metric in ("week", "store", "generated_at", "is_baseline", "orders", "cancelled"):
        yield _plain("scorecard", "all", data["store"], metric, data[metric])


def _headline(store: str, figures: list[dict[str, Any]]) -> Iterator[Row]:
    for figure in figures:
        target = figure["target"] or {}
        yield (
            "headline", "all", store, figure["kpi"], figure["value"], figure["previous"],
            target.get("green"), target.get("amber"), figure["rating"],
        )  # fmt: skip


_PERCENTILES = ("first_hours", "last_hours", "first_business_hours", "last_business_hours")


def _cycle_time(rows: list[dict[str, Any]]) -> Iterator[Row]:
    for row in rows:
        where = ("cycle_time", row["dimension"], row["key"])
        yield _plain(*where, "orders", row["orders"])
        for name in _PERCENTILES:
            for part in ("count", "p50", "p90"):
                yield _plain(*where, f"{name}_{part}", row[name][part])
        yield _plain(*where, "unshipped", row["unshipped"])


def _unshipped(store: str, unshipped: dict[str, Any]) -> Iterator[Row]:
    yield from _fields(
        "unshipped", "all", store, unshipped, ("count", "median_age_hours", "oldest_age_hours")
    )
    for band in unshipped["by_age"]:
        yield _plain("unshipped", "age", band["band"], "orders", band["orders"])


def _exception_rates(rows: list[dict[str, Any]]) -> Iterator[Row]:
    names = ("orders", "with_exception", "rate_pct", "informational")
    for row in rows:
        yield from _fields("exception_rates", row["dimension"], row["key"], row, names)


_TICKET_FIELDS = ("tickets", "orders", "linked", "per_100_orders", "linked_share_pct")


def _tickets(tickets: dict[str, Any]) -> Iterator[Row]:
    for row in [tickets["total"], *tickets["by_store"]]:
        dimension = "all" if row is tickets["total"] else "store"
        yield from _fields("tickets", dimension, row["store_id"], row, _TICKET_FIELDS)
    for reason in tickets["top_reasons"]:
        yield _plain("ticket_reasons", "reason", reason["reason"], "tickets", reason["tickets"])


_LANE_FIELDS = ("orders", "p90_hours")
_BREACHED_FIELDS = ("exception_type", "owner", "opened_at", "level_reached", "is_resolved")
_SILENT_FIELDS = ("exception_type", "silent_hours")
_DRIFT_FIELDS = ("opened_at", "reason", "is_resolved")
_RISK_FIELDS = ("exceptions", "cycle_impact_hours", "tickets", "score")


def _analysis(analysis: dict[str, Any]) -> Iterator[Row]:
    for row in analysis["pareto"]:
        yield from _fields("pareto", "exception_type", row["cause"], row, ("count", "cumulative_pct"))
    for row in analysis["slowest_lanes"]:
        lane = f"{row['store_id']} / {row['carrier']} / {row['order_type']}"
        yield from _fields("slowest_lanes", "lane", lane, row, _LANE_FIELDS)
    for row in analysis["breached_escalations"]:
        order = f"{row['store_id']}/{row['order_id']}"
        yield from _fields("breached_escalations", "order", order, row, _BREACHED_FIELDS)
    for row in analysis["silent_exceptions"]:
        order = f"{row['store_id']}/{row['order_id']}"
        yield from _fields("silent_exceptions", "order", order, row, _SILENT_FIELDS)
    for row in analysis["drift_incidents"]:
        order = f"{row['store_id']}/{row['order_id']}"
        yield from _fields("drift_incidents", "order", order, row, _DRIFT_FIELDS)
