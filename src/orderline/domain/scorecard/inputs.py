"""Everything one scorecard is computed from, gathered by the service that loads it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from orderline.domain.order_exceptions.business_calendar import BusinessCalendar
from orderline.domain.scorecard.figures import FailureAnalysis, Kpi, Target
from orderline.domain.scorecard.records import DriftRecord, OrderRecord, TicketRecord
from orderline.domain.scorecard.weeks import IsoWeek


@dataclass(frozen=True, slots=True)
class ScorecardInputs:
    week: IsoWeek
    store_id: str | None
    """None: all stores."""
    now: datetime
    orders: Sequence[OrderRecord]
    """At least every order placed from the start of the trend's first week to the end of
    `week` (in any store's zone); extra orders outside are ignored."""
    tickets: Sequence[TicketRecord]
    """At least every ticket created in the same span."""
    zones: Mapping[str, ZoneInfo]
    """Each store's zone, by store id."""
    calendars: Mapping[str, BusinessCalendar]
    """Each store's working calendar, by store id."""
    default_zone: ZoneInfo
    """The zone of tickets linked to no store."""
    targets: Mapping[Kpi, Target] = field(default_factory=dict)
    informational_types: frozenset[str] = frozenset()
    """Exception types with nothing to fix (split_shipment): shown apart from problems."""
    analysis: FailureAnalysis = field(default_factory=FailureAnalysis)
    """The parts the service collects (breached escalations, silent exceptions, drift);
    the Pareto, the slowest lanes and the risk ranking are computed here."""
    trend_weeks: int = 8
    is_baseline: bool = False
    drifts: Sequence[DriftRecord] = ()
    """At least every drift incident detected in the same span."""
