"""A scorecard as JSON-able data: the body of `GET /api/v1/scorecard`, the CLI's
`--format json` and the weekly webhook.

Keys are the model's field names; KPIs, dimensions and ratings their stable lowercase
values; weeks `2026-W48`; moments UTC ISO 8601 ending in `Z`; floats rounded to two
decimals; a figure with nothing to measure stays null (never 0).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from orderline.domain.scorecard.figures import (
    BreachedEscalation,
    CycleTimeRow,
    DriftIncident,
    FailureAnalysis,
    Figure,
    HistogramBin,
    Kpi,
    LaneRow,
    ParetoRow,
    Percentiles,
    RateRow,
    Scorecard,
    SilentException,
    Target,
    TicketRow,
    TicketSummary,
    TrendPoint,
    Unshipped,
    WorkflowRisk,
)

ALL_STORES = "all"
"""What `store` reads for an all-stores scorecard."""


def rounded(value: float | None) -> float | None:
    """Two decimals, None kept: the precision every rendering shows. A change too small to
    show is 0.0, never -0.0."""
    return None if value is None else round(float(value), 2) + 0.0


def utc_text(moment: datetime) -> str:
    """`2026-11-30T06:00:00Z`. The web layer's `moments.utc_text` writes the same; reports
    sit below the web layer and cannot import it."""
    utc = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return utc.replace(tzinfo=None).isoformat() + "Z"


def store_key(card: Scorecard) -> str:
    return ALL_STORES if card.store_id is None else card.store_id


def scorecard_to_dict(card: Scorecard) -> dict[str, Any]:
    return {
        "week": str(card.week),
        "store": store_key(card),
        "generated_at": utc_text(card.generated_at),
        "is_baseline": card.is_baseline,
        "orders": card.orders,
        "cancelled": card.cancelled,
        "headline": [_figure(figure) for figure in card.headline],
        "cycle_time": [_cycle_time(row) for row in card.cycle_time],
        "unshipped": _unshipped(card.unshipped),
        "exception_rates": [_rate(row) for row in card.exception_rates],
        "tickets": _tickets(card.tickets),
        "distribution": [_bin(bin_) for bin_ in card.distribution],
        "trend": [_trend_point(point) for point in card.trend],
        "analysis": _analysis(card.analysis),
        "risks": [_risk(risk) for risk in card.risks],
    }


def _figure(figure: Figure) -> dict[str, Any]:
    rating = figure.rating
    return {
        "kpi": figure.kpi.value,
        "value": rounded(figure.value),
        "previous": rounded(figure.previous),
        "change": rounded(figure.change),
        "target": None if figure.target is None else _target(figure.target),
        "rating": None if rating is None else rating.value,
    }


def _target(target: Target) -> dict[str, Any]:
    return {
        "green": rounded(target.green),
        "amber": rounded(target.amber),
        "higher_is_better": target.higher_is_better,
    }


def _percentiles(value: Percentiles) -> dict[str, Any]:
    return {"count": value.count, "p50": rounded(value.p50), "p90": rounded(value.p90)}


def _cycle_time(row: CycleTimeRow) -> dict[str, Any]:
    return {
        "dimension": row.dimension.value,
        "key": row.key,
        "orders": row.orders,
        "first_hours": _percentiles(row.first_hours),
        "last_hours": _percentiles(row.last_hours),
        "first_business_hours": _percentiles(row.first_business_hours),
        "last_business_hours": _percentiles(row.last_business_hours),
        "unshipped": row.unshipped,
    }


def _unshipped(value: Unshipped) -> dict[str, Any]:
    return {
        "count": value.count,
        "median_age_hours": rounded(value.median_age_hours),
        "oldest_age_hours": rounded(value.oldest_age_hours),
        "by_age": [{"band": band, "orders": orders} for band, orders in value.by_age],
    }


def _rate(row: RateRow) -> dict[str, Any]:
    return {
        "dimension": row.dimension.value,
        "key": row.key,
        "orders": row.orders,
        "with_exception": row.with_exception,
        "rate_pct": rounded(row.rate_pct),
        "informational": row.informational,
    }


def _ticket_row(row: TicketRow) -> dict[str, Any]:
    return {
        "store_id": row.store_id,
        "tickets": row.tickets,
        "orders": row.orders,
        "linked": row.linked,
        "per_100_orders": rounded(row.per_100_orders),
        "linked_share_pct": rounded(row.linked_share_pct),
    }


def _tickets(summary: TicketSummary) -> dict[str, Any]:
    return {
        "total": _ticket_row(summary.total),
        "by_store": [_ticket_row(row) for row in summary.by_store],
        "top_reasons": [{"reason": reason, "tickets": tickets} for reason, tickets in summary.top_reasons],
    }


def _bin(bin_: HistogramBin) -> dict[str, Any]:
    return {
        "low_hours": rounded(bin_.low_hours),
        "high_hours": rounded(bin_.high_hours),
        "orders": bin_.orders,
    }


def _trend_point(point: TrendPoint) -> dict[str, Any]:
    values = {kpi.value: rounded(point.values[kpi]) for kpi in Kpi if kpi in point.values}
    return {"week": str(point.week), "values": values}


def _analysis(analysis: FailureAnalysis) -> dict[str, Any]:
    return {
        "pareto": [_pareto(row) for row in analysis.pareto],
        "slowest_lanes": [_lane(row) for row in analysis.slowest_lanes],
        "breached_escalations": [_breached(row) for row in analysis.breached_escalations],
        "silent_exceptions": [_silent(row) for row in analysis.silent_exceptions],
        "drift_incidents": [_drift(row) for row in analysis.drift_incidents],
    }


def _pareto(row: ParetoRow) -> dict[str, Any]:
    return {"cause": row.cause, "count": row.count, "cumulative_pct": rounded(row.cumulative_pct)}


def _lane(row: LaneRow) -> dict[str, Any]:
    return {
        "store_id": row.store_id,
        "carrier": row.carrier,
        "order_type": row.order_type,
        "orders": row.orders,
        "p90_hours": rounded(row.p90_hours),
    }


def _breached(row: BreachedEscalation) -> dict[str, Any]:
    return {
        "store_id": row.store_id,
        "order_id": row.order_id,
        "exception_type": row.exception_type,
        "owner": row.owner,
        "opened_at": utc_text(row.opened_at),
        "level_reached": row.level_reached,
        "is_resolved": row.is_resolved,
    }


def _silent(row: SilentException) -> dict[str, Any]:
    return {
        "store_id": row.store_id,
        "order_id": row.order_id,
        "exception_type": row.exception_type,
        "silent_hours": rounded(row.silent_hours),
    }


def _drift(row: DriftIncident) -> dict[str, Any]:
    return {
        "store_id": row.store_id,
        "order_id": row.order_id,
        "opened_at": utc_text(row.opened_at),
        "reason": row.reason,
        "is_resolved": row.is_resolved,
    }


def _risk(risk: WorkflowRisk) -> dict[str, Any]:
    return {
        "exception_type": risk.exception_type,
        "exceptions": risk.exceptions,
        "cycle_impact_hours": rounded(risk.cycle_impact_hours),
        "tickets": risk.tickets,
        "score": rounded(risk.score),
    }
