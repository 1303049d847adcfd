"""Hand-built order and ticket records for the KPI tests, and the inputs around them.

Moments are written in the zone they are thought in (`at(..., zone=BERLIN)`) and kept in
UTC, as the service hands them to the formulas.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

from orderline.domain.order_exceptions.business_calendar import BusinessCalendar
from orderline.domain.scorecard.figures import FailureAnalysis, Kpi, Scorecard, Target
from orderline.domain.scorecard.inputs import ScorecardInputs
from orderline.domain.scorecard.kpis import build_scorecard
from orderline.domain.scorecard.records import DriftRecord, OrderRecord, TicketRecord
from orderline.domain.scorecard.weeks import IsoWeek

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
W20 = IsoWeek(2026, 20)
"""Monday 11 May to Sunday 17 May 2026: no DST change anywhere used here."""


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0, *, zone: tzinfo = UTC) -> datetime:
    """A wall-clock moment in `zone`, as a UTC instant."""
    return datetime(year, month, day, hour, minute, tzinfo=zone).astimezone(UTC)


def order(
    order_id: str,
    placed_at: datetime,
    *,
    store_id: str = "s1",
    platform: str = "shopify",
    first: datetime | None = None,
    last: datetime | None = None,
    carrier: str | None = None,
    cancelled: bool = False,
    refunded: bool = False,
    types: Sequence[str] = (),
    exceptions: Sequence[str] = (),
) -> OrderRecord:
    return OrderRecord(
        store_id=store_id,
        order_id=order_id,
        platform=platform,
        placed_at=placed_at,
        first_shipped_at=first,
        last_shipped_at=last,
        carrier=carrier,
        is_cancelled=cancelled,
        is_refunded=refunded,
        types=frozenset(types),
        exception_types=frozenset(exceptions),
    )


def ticket(
    ticket_id: str,
    created_at: datetime,
    *,
    store_id: str | None = "s1",
    order_id: str | None = None,
    reason: str = "other",
) -> TicketRecord:
    return TicketRecord(
        ticket_id=ticket_id,
        created_at=created_at,
        source="helpdesk",
        store_id=store_id,
        order_id=order_id,
        reason=reason,
    )


def card(
    week: IsoWeek,
    orders: Sequence[OrderRecord],
    tickets: Sequence[TicketRecord] = (),
    *,
    now: datetime,
    zones: Mapping[str, ZoneInfo] | None = None,
    calendars: Mapping[str, BusinessCalendar] | None = None,
    store_id: str | None = None,
    targets: Mapping[Kpi, Target] | None = None,
    informational: frozenset[str] = frozenset({"split_shipment"}),
    trend_weeks: int = 8,
    analysis: FailureAnalysis | None = None,
    baseline: bool = False,
    drifts: Sequence[DriftRecord] = (),
) -> Scorecard:
    """The scorecard of `week`; every store is in UTC unless `zones` says otherwise."""
    return build_scorecard(
        ScorecardInputs(
            week=week,
            store_id=store_id,
            now=now,
            orders=orders,
            tickets=tickets,
            zones=zones if zones is not None else {"s1": ZoneInfo("UTC"), "s2": ZoneInfo("UTC")},
            calendars=calendars or {},
            default_zone=ZoneInfo("UTC"),
            targets=targets or {},
            informational_types=informational,
            analysis=analysis or FailureAnalysis(),
            trend_weeks=trend_weeks,
            is_baseline=baseline,
            drifts=drifts,
        )
    )
