"""A scorecard as one self-contained HTML document: inline CSS and server-drawn SVG charts
(cycle-time histogram, an eight-week trend per headline KPI, the exception Pareto), no
script, no font, no URL, so it opens from an e-mail attachment or a file with no network.

The page is `templates/scorecard.html.j2`, autoescaped: store ids, carriers, ticket
reasons and owners are merchant text. Chart geometry comes from `scorecard_charts`,
labels and number formats from `scorecard_labels`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from orderline.domain.scorecard.figures import CycleTimeRow, Dimension, Figure, RateRow, Scorecard
from orderline.reports import scorecard_charts as charts
from orderline.reports.scorecard_data import utc_text
from orderline.reports.scorecard_labels import (
    DIMENSION_LABELS,
    MISSING,
    arrow,
    direction,
    kpi_title,
    kpi_value,
    number,
    signed_change,
    store_label,
    target_text,
)

TEMPLATES = Path(__file__).resolve().parent / "templates"
TEMPLATE = "scorecard.html.j2"


@dataclass(frozen=True, slots=True)
class ReportView:
    """What the page shows beyond the scorecard's own fields: charts and grouped rows."""

    histogram: charts.BarChart | None
    trends: tuple[tuple[Figure, charts.LineChart], ...]
    trend_span: str
    pareto: charts.ParetoChart | None
    cycle_groups: tuple[tuple[str, tuple[CycleTimeRow, ...]], ...]
    rate_groups: tuple[tuple[str, tuple[RateRow, ...]], ...]


def render_html(card: Scorecard) -> str:
    """The whole document, ending in a newline."""
    page = _environment().get_template(TEMPLATE).render(card=card, view=report_view(card))
    return page.rstrip("\n") + "\n"


def report_view(card: Scorecard) -> ReportView:
    trend_span = f"{card.trend[0].week} to {card.trend[-1].week}" if card.trend else str(card.week)
    return ReportView(
        histogram=charts.histogram(card.distribution),
        trends=tuple(
            (figure, charts.trend(figure.kpi, card.trend, figure.target)) for figure in card.headline
        )
        if card.trend
        else (),
        trend_span=trend_span,
        pareto=charts.pareto(card.analysis.pareto),
        cycle_groups=_by_dimension(card.cycle_time),
        rate_groups=_rate_groups(card.exception_rates),
    )


def _by_dimension(rows: Sequence[CycleTimeRow]) -> tuple[tuple[str, tuple[CycleTimeRow, ...]], ...]:
    """Rows grouped by what they are grouped by, in the order the scorecard lists them."""
    dimensions = list(dict.fromkeys(row.dimension for row in rows))
    return tuple(
        (DIMENSION_LABELS[dimension], tuple(row for row in rows if row.dimension is dimension))
        for dimension in dimensions
    )


def _rate_groups(rows: Sequence[RateRow]) -> tuple[tuple[str, tuple[RateRow, ...]], ...]:
    """Any exception by order type (and overall); problems by exception type; and the
    informational types (nothing to fix: a split shipment) apart from the problems."""
    by_group = tuple(row for row in rows if row.dimension is not Dimension.EXCEPTION_TYPE)
    by_type = [row for row in rows if row.dimension is Dimension.EXCEPTION_TYPE]
    return (
        ("Orders with any exception, by order type", by_group),
        ("Problems, by exception type", tuple(row for row in by_type if not row.informational)),
        (
            "Informational, by exception type (nothing to fix)",
            tuple(row for row in by_type if row.informational),
        ),
    )


@cache
def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals.update(
        arrow=arrow,
        direction=direction,
        kpi_title=kpi_title,
        kpi_value=kpi_value,
        missing=MISSING,
        number=number,
        signed_change=signed_change,
        store_label=store_label,
        target_text=target_text,
        utc_text=utc_text,
    )
    return environment
