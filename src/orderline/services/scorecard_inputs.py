"""Loading what one scorecard is computed from: the read model of its weeks brought up to
date, and the failure analysis's parts (escalations that breached, silent exceptions,
drift incidents) for the week.

The read model (`scorecard_orders`) is refreshed here, lazily: before a scorecard reads a
span, the orders of that span whose projection changed since their row was derived (or
that were classified under other order-type rules) are derived again, a batch per
transaction. Processing never writes it, so the webhook path stays as it was.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine

from orderline.domain.order import order_from_dict
from orderline.domain.scorecard import order_types
from orderline.domain.scorecard.figures import FailureAnalysis, SilentException
from orderline.domain.scorecard.order_record import derive_order
from orderline.domain.scorecard.order_types import OrderTypeRule
from orderline.domain.scorecard.weeks import IsoWeek
from orderline.domain.vocabulary import ExceptionType
from orderline.persistence import message_queries
from orderline.persistence import scorecard_records as records
from orderline.persistence.scorecard_records import ScorecardRow, SourceOrder, Span, StoreWeeks
from orderline.persistence.scorecard_tables import DIGEST_CHARS
from orderline.services.messaging_audit import AuditSettings, owed_exceptions, silent_orders

REFRESH_BATCH = 1_000
"""Orders derived per transaction: SQLite's one write lock is held a few tens of
milliseconds per batch, so intake is never kept waiting long."""
UNKNOWN_PLATFORM = "unknown"
"""The platform of an order whose store the configuration no longer lists."""
SPAN_MARGIN = timedelta(days=1)
"""Weeks are local to each store's zone (UTC-12 to UTC+14): a day either side of the UTC
weeks covers every zone's week."""
HOUR = timedelta(hours=1)


def order_span(week: IsoWeek, trend_weeks: int) -> Span:
    """[start, end) in UTC holding every order of the trend's weeks, whatever the zone."""
    first = week.shifted(-(trend_weeks - 1)).monday - SPAN_MARGIN
    end = week.monday + timedelta(weeks=1) + SPAN_MARGIN
    return datetime.combine(first, time(0), UTC), datetime.combine(end, time(0), UTC)


@dataclass(frozen=True)
class Derivation:
    """How a row of the read model is derived from an order's projection: its store's
    platform, and its types under the configured order-type rules."""

    platforms: Mapping[str, str]
    """Each configured store's platform, by store id."""
    rules: tuple[OrderTypeRule, ...]
    types_digest: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "types_digest", rules_digest(self.rules))

    def row(self, source: SourceOrder) -> ScorecardRow:
        # The timeline is most of an order's state and plays no part here.
        order = order_from_dict({**source.state, "timeline": []})
        derived = derive_order(order)
        platform = self.platforms.get(source.store_id, UNKNOWN_PLATFORM)
        types = order_types.classify(derived.traits, self.rules)
        return ScorecardRow(source, platform, order.placed_at, derived, types, self.types_digest)


def rules_digest(rules: tuple[OrderTypeRule, ...]) -> str:
    """A digest of the rules' every field, the same in every process (sets sorted)."""

    def canonical(value: object) -> object:
        if isinstance(value, frozenset):
            return sorted(str(item) for item in value)
        if isinstance(value, tuple):
            return [str(item) for item in value]
        return None if value is None else str(value)

    text = json.dumps([[canonical(getattr(rule, f.name)) for f in fields(rule)] for rule in rules])
    return hashlib.sha256(text.encode()).hexdigest()[:DIGEST_CHARS]


def refresh(engine: Engine, span: Span, derivation: Derivation, store_id: str | None = None) -> int:
    """Derive again every row of `span` (of one store, or all) that is missing or stale;
    returns how many orders were looked at."""
    with engine.connect() as connection:
        keys = records.stale_keys(connection, span, derivation.types_digest, store_id)
    for start in range(0, len(keys), REFRESH_BATCH):
        chunk = keys[start : start + REFRESH_BATCH]
        # Read and derive outside the write transaction, as processing does: SQLite has one
        # write lock, and intake waits for it while a transaction holds it.
        with engine.connect() as connection:
            sources = records.load_sources(connection, chunk)
        rows = [derivation.row(source) for source in sources]
        present = {(source.store_id, source.order_id) for source in sources}
        with engine.begin() as connection:
            records.save_rows(connection, rows)
            records.delete_rows(connection, [key for key in chunk if key not in present])
    return len(keys)


@dataclass(frozen=True, slots=True)
class AnalysisScope:
    """Where the failure analysis looks: each store's week, up to `now`."""

    week: IsoWeek
    zones: Mapping[str, ZoneInfo]
    """The stores looked at (one, or every configured store), by id."""
    other_zone: ZoneInfo | None
    """The zone of the week of stores not configured; None: only `zones`' stores."""
    now: datetime
    informational_types: Collection[str]

    def weeks(self) -> StoreWeeks:
        other = None if self.other_zone is None else self.week.bounds(self.other_zone)
        return StoreWeeks({store: self.week.bounds(zone) for store, zone in self.zones.items()}, other)

    def audit_moment(self) -> datetime:
        """The messaging audit's `now`: the week's end (in the latest of its zones), or
        `now` for the week still running; a past week shows what was silent then."""
        zones = [*self.zones.values(), *([self.other_zone] if self.other_zone else [])]
        end = max((self.week.bounds(zone)[1] for zone in zones), default=self.now)
        return min(self.now, end)


def failure_parts(connection: Connection, scope: AnalysisScope, audit: AuditSettings) -> FailureAnalysis:
    """The parts of the failure analysis read from the database; the Pareto, the lanes
    and the risks are the domain's."""
    weeks = scope.weeks()
    stores = None if scope.other_zone is not None else set(scope.zones)
    return FailureAnalysis(
        breached_escalations=tuple(
            records.breached_escalations(connection, weeks, scope.now, scope.informational_types)
        ),
        silent_exceptions=silent_exceptions(connection, scope.audit_moment(), audit, stores),
        drift_incidents=tuple(records.drift_incidents(connection, weeks, ExceptionType.STATE_DRIFT.value)),
    )


def silent_exceptions(
    connection: Connection, at: datetime, audit: AuditSettings, stores: Collection[str] | None
) -> tuple[SilentException, ...]:
    """The messaging audit's silent orders at `at` (`services.messaging_audit`, its own
    steps), one row per exception type open on each, with how long the buyer heard nothing."""
    if not audit.types:
        return ()
    found = [
        e
        for e in message_queries.buyer_facing_exceptions(connection, audit.types, at)
        if (stores is None or e.store_id in stores)
        and e.type in audit.types_for(e.store_id)
        and audit.max_silence_for(e.store_id) is not None
    ]
    owed, _ = owed_exceptions(connection, found, at, audit.stale_after_for)
    open_types: dict[tuple[str, str], set[str]] = defaultdict(set)
    for e in owed:
        if e.resolved_at is None:
            open_types[(e.store_id, e.order_id)].add(e.type)
    silent = []
    for finding in silent_orders(owed, at, audit.max_silence_for):
        window = audit.max_silence_for(finding.store_id) or timedelta(0)
        # `since` is when the allowed silence ran out: the buyer heard nothing from `since - window`.
        hours = (at - finding.since + window) / HOUR
        kinds = sorted(open_types[(finding.store_id, finding.order_id)])
        silent += [SilentException(finding.store_id, finding.order_id, kind, hours) for kind in kinds]
    return tuple(silent)
