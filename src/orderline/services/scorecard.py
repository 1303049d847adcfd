"""The weekly KPI scorecard of one ISO week, for one store or all: what `orderline
scorecard`, `GET /api/v1/scorecard` and the weekly delivery show.

`ScorecardReports.build` brings the read model of the weeks it reads up to date, loads the
week's orders (and the trend's), tickets and failure-analysis parts in one read snapshot,
and hands them to the domain's `build_scorecard`. The baseline is the scorecard of the
last complete week before go-live (docs/scorecard.md, "Baseline").
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from orderline.config import OrderlineConfig
from orderline.connectors.history import IMPORT_KEY_PREFIX
from orderline.domain.order_exceptions import EXCEPTION_TYPES
from orderline.domain.scorecard import ticket_reasons
from orderline.domain.scorecard.figures import Scorecard
from orderline.domain.scorecard.inputs import ScorecardInputs
from orderline.domain.scorecard.kpis import build_scorecard
from orderline.domain.scorecard.weeks import IsoWeek, week_of
from orderline.persistence import scorecard_records as records
from orderline.services.messaging_audit import audit_settings
from orderline.services.scorecard_inputs import AnalysisScope, Derivation, failure_parts, order_span, refresh

TREND_WEEKS = 8


class UnknownStore(LookupError):
    """A scorecard was asked for a store the configuration does not list."""

    def __init__(self, store_id: str, known: list[str]) -> None:
        self.store_id = store_id
        listed = ", ".join(known) if known else "none are configured"
        super().__init__(f"no store '{store_id}' in the configuration (stores: {listed})")


class ScorecardReports:
    """Scorecards over one database, with the configuration's stores, order types and
    targets, at the clock's `now`."""

    def __init__(self, engine: Engine, config: OrderlineConfig, clock: Callable[[], datetime]) -> None:
        self._engine = engine
        self._clock = clock
        section = config.scorecard
        self._zone = section.zone(config.stores)
        self._zones = {store.id: store.zone for store in config.stores}
        self._calendars = {store.id: store.business_calendar() for store in config.stores}
        platforms = {store.id: str(store.platform) for store in config.stores}
        self._derivation = Derivation(platforms, section.order_type_rules())
        self._targets = section.target_map()
        self._audit = audit_settings(config)
        self._informational = frozenset(str(spec.type) for spec in EXCEPTION_TYPES if spec.informational)

    @property
    def zone(self) -> ZoneInfo:
        """The scorecard's own zone (`scorecard.timezone`, else the first store's, else UTC)."""
        return self._zone

    def store_ids(self) -> list[str]:
        """The configured stores, in the configuration's order."""
        return list(self._zones)

    def last_complete_week(self, store_id: str | None = None) -> IsoWeek:
        """The ISO week before the current one, in the store's zone (the scorecard's for all)."""
        return week_of(self._clock(), self._zone_of(store_id)).shifted(-1)

    def baseline_week(self, store_id: str | None = None) -> IsoWeek:
        """The last complete week before go-live, the week of the first live webhook (of the
        store); the last complete week when no import brought history or nothing went live."""
        self._check(store_id)
        latest = self.last_complete_week(store_id)
        with self._engine.connect() as connection:
            if not records.has_imports(connection, IMPORT_KEY_PREFIX, store_id):
                return latest
            went_live = records.first_live_delivery(connection, IMPORT_KEY_PREFIX, store_id)
        if went_live is None:
            return latest
        return min(week_of(went_live, self._zone_of(store_id)).shifted(-1), latest)

    def build(
        self, week: IsoWeek | None, store_id: str | None = None, *, baseline: bool = False
    ) -> Scorecard:
        """The scorecard of `week` (of `store_id`, or all stores). `week` None: the baseline
        week with `baseline`, else the last complete week. `baseline` flags it as the
        baseline. Raises UnknownStore for a store the configuration does not list."""
        return build_scorecard(self.inputs(week, store_id, baseline=baseline))

    def inputs(
        self, week: IsoWeek | None, store_id: str | None = None, *, baseline: bool = False
    ) -> ScorecardInputs:
        """What `build` computes the scorecard from, the read model refreshed first."""
        self._check(store_id)
        if week is None:
            week = self.baseline_week(store_id) if baseline else self.last_complete_week(store_id)
        now = self._clock()
        span = order_span(week, TREND_WEEKS)
        refresh(self._engine, span, self._derivation, store_id)
        # One connection (on PostgreSQL one transaction) for the orders, tickets and analysis.
        with self._engine.connect() as connection:
            orders = records.read_orders(connection, span, store_id)
            tickets = records.read_tickets(connection, span, store_id, ticket_reasons.classify)
            drifts = records.read_drifts(connection, span, store_id)
            analysis = failure_parts(connection, self._scope(week, store_id, now), self._audit)
        return ScorecardInputs(
            week=week,
            store_id=store_id,
            now=now,
            orders=orders,
            tickets=tickets,
            zones=self._zones,
            calendars=self._calendars,
            default_zone=self._zone,
            targets=self._targets,
            informational_types=self._informational,
            analysis=analysis,
            trend_weeks=TREND_WEEKS,
            is_baseline=baseline,
            drifts=drifts,
        )

    def _scope(self, week: IsoWeek, store_id: str | None, now: datetime) -> AnalysisScope:
        zones = self._zones if store_id is None else {store_id: self._zones[store_id]}
        other = self._zone if store_id is None else None
        return AnalysisScope(week, zones, other, now, self._informational)

    def _zone_of(self, store_id: str | None) -> ZoneInfo:
        return self._zone if store_id is None else self._zones.get(store_id, self._zone)

    def _check(self, store_id: str | None) -> None:
        if store_id is not None and store_id not in self._zones:
            raise UnknownStore(store_id, self.store_ids())
