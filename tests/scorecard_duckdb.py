"""The scorecard's KPIs again, in DuckDB SQL: an implementation independent of
`orderline.domain.scorecard`, written from docs/scorecard.md, to cross-check it (tests) and
to time it against (bench/scorecard).

Each order's week is computed in SQL from its store's zone (ICU's `timezone()`), the
percentiles are `quantile_cont` (linear interpolation, the documented method). Business
hours are not recomputed here: they need the store calendars' opening hours and holidays,
which the domain's own tests check exactly.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from orderline.domain.scorecard.records import DriftRecord, OrderRecord, TicketRecord
from orderline.domain.scorecard.weeks import IsoWeek

Row = tuple[object, ...]

_SCHEMA = """
CREATE TABLE orders (
    store_id VARCHAR, order_id VARCHAR, platform VARCHAR, placed_at TIMESTAMPTZ,
    first_shipped_at TIMESTAMPTZ, last_shipped_at TIMESTAMPTZ, carrier VARCHAR,
    is_cancelled BOOLEAN, types VARCHAR[], exception_types VARCHAR[]
);
CREATE TABLE tickets (
    ticket_id VARCHAR, created_at TIMESTAMPTZ, store_id VARCHAR, order_id VARCHAR, reason VARCHAR
);
CREATE TABLE zones (store_id VARCHAR, zone VARCHAR);
CREATE TABLE drifts (store_id VARCHAR, order_id VARCHAR, changed_at TIMESTAMPTZ, detected_at TIMESTAMPTZ);
"""

# Every order with its store's ISO week (year * 100 + week) in that store's zone.
_ORDER_WEEKS = """
CREATE OR REPLACE TABLE order_weeks AS
SELECT o.*,
       isoyear(timezone(coalesce(z.zone, $default_zone), o.placed_at)) * 100
         + week(timezone(coalesce(z.zone, $default_zone), o.placed_at)) AS wk,
       -- A shipment dated before placement counts as 0 hours (DuckDB's greatest() would
       -- also turn a NULL into 0, hence CASE).
       CASE WHEN o.first_shipped_at < o.placed_at THEN 0.0
            ELSE epoch(o.first_shipped_at - o.placed_at) / 3600.0 END AS first_h,
       CASE WHEN o.last_shipped_at < o.placed_at THEN 0.0
            ELSE epoch(o.last_shipped_at - o.placed_at) / 3600.0 END AS last_h,
       len(list_filter(o.exception_types, lambda x: NOT list_contains($informational, x))) AS problems
FROM orders o LEFT JOIN zones z USING (store_id)
"""

_TICKET_WEEKS = """
CREATE OR REPLACE TABLE ticket_weeks AS
SELECT t.*,
       isoyear(timezone(coalesce(z.zone, $default_zone), t.created_at)) * 100
         + week(timezone(coalesce(z.zone, $default_zone), t.created_at)) AS wk
FROM tickets t LEFT JOIN zones z USING (store_id)
"""

# A drift incident counts in the week it was detected, in its store's zone.
_DRIFT_WEEKS = """
CREATE OR REPLACE TABLE drift_weeks AS
SELECT d.*,
       isoyear(timezone(coalesce(z.zone, $default_zone), d.detected_at)) * 100
         + week(timezone(coalesce(z.zone, $default_zone), d.detected_at)) AS wk,
       CASE WHEN d.detected_at < d.changed_at THEN 0.0
            ELSE epoch(d.detected_at - d.changed_at) / 3600.0 END AS detect_h
FROM drifts d LEFT JOIN zones z USING (store_id)
"""


@dataclass(frozen=True, slots=True)
class DuckHeadline:
    orders: int
    cancelled: int
    first_p50: float | None
    first_p90: float | None
    last_p50: float | None
    last_p90: float | None
    unshipped: int
    exception_rate_pct: float | None
    problem_rate_pct: float | None
    tickets: int
    linked_tickets: int
    tickets_per_100: float | None
    drifts: int = 0
    drift_per_1000: float | None = None
    drift_detect_p50: float | None = None


class DuckKpis:
    """The records loaded into an in-memory DuckDB; one method per KPI family."""

    def __init__(
        self,
        orders: Iterable[OrderRecord],
        tickets: Iterable[TicketRecord],
        zones: Mapping[str, str],
        default_zone: str,
        informational: Iterable[str] = (),
        drifts: Iterable[DriftRecord] = (),
    ) -> None:
        self.db = duckdb.connect()
        self.db.execute("SET TimeZone = 'UTC'")
        self.db.execute(_SCHEMA)
        self._load(orders, tickets, zones)
        self.db.executemany(
            "INSERT INTO drifts VALUES (?, ?, ?, ?)",
            [(d.store_id, d.order_id, d.changed_at, d.detected_at) for d in drifts],
        )
        listed = "[" + ", ".join(_quoted(name) for name in sorted(informational)) + "]::VARCHAR[]"
        order_weeks = _ORDER_WEEKS.replace("$default_zone", _quoted(default_zone))
        self._derive = (
            order_weeks.replace("$informational", listed),
            _TICKET_WEEKS.replace("$default_zone", _quoted(default_zone)),
            _DRIFT_WEEKS.replace("$default_zone", _quoted(default_zone)),
        )
        self.derive_weeks()

    def derive_weeks(self) -> None:
        """Each order's and ticket's week in its store's zone, and its hours, computed once
        into tables (the bench times this with the queries: Orderline's side does the same
        work inside build_scorecard)."""
        for statement in self._derive:
            self.db.execute(statement)

    def _load(
        self, orders: Iterable[OrderRecord], tickets: Iterable[TicketRecord], zones: Mapping[str, str]
    ) -> None:
        """Through CSV files: DuckDB reads a million rows from one in about a second, where
        row-by-row inserts take minutes."""
        with tempfile.TemporaryDirectory() as folder:
            orders_csv, tickets_csv = Path(folder, "orders.csv"), Path(folder, "tickets.csv")
            _write_csv(orders_csv, (_order_row(order) for order in orders))
            _write_csv(
                tickets_csv,
                ((t.ticket_id, _iso(t.created_at), t.store_id, t.order_id, t.reason) for t in tickets),
            )
            self.db.execute(
                f"""INSERT INTO orders SELECT store_id, order_id, platform, placed_at, first_shipped_at,
                       last_shipped_at, carrier, is_cancelled,
                       CASE WHEN coalesce(types, '') = '' THEN ['standard'] ELSE string_split(types, '|') END,
                       CASE WHEN coalesce(exception_types, '') = '' THEN []::VARCHAR[]
                            ELSE string_split(exception_types, '|') END
                    FROM read_csv({_quoted(str(orders_csv))}, header = false, columns = {_ORDER_COLUMNS})"""
            )
            self.db.execute(
                f"""INSERT INTO tickets SELECT * FROM read_csv({_quoted(str(tickets_csv))}, header = false,
                    columns = {_TICKET_COLUMNS})"""
            )
        self.db.executemany("INSERT INTO zones VALUES (?, ?)", list(zones.items()))

    def headline(self, week: IsoWeek, store_id: str | None = None) -> DuckHeadline:
        where, params = _scope(week, store_id)
        row = self._one(
            f"""
            SELECT count(*),
                   count(*) FILTER (is_cancelled),
                   quantile_cont(first_h, 0.5) FILTER (NOT is_cancelled),
                   quantile_cont(first_h, 0.9) FILTER (NOT is_cancelled),
                   quantile_cont(last_h, 0.5) FILTER (NOT is_cancelled),
                   quantile_cont(last_h, 0.9) FILTER (NOT is_cancelled),
                   count(*) FILTER (NOT is_cancelled AND first_shipped_at IS NULL),
                   100.0 * count(*) FILTER (len(exception_types) > 0) / nullif(count(*), 0),
                   100.0 * count(*) FILTER (problems > 0) / nullif(count(*), 0)
            FROM order_weeks WHERE {where}
            """,
            params,
        )
        tickets = self._one(
            f"SELECT count(*), count(order_id) FROM ticket_weeks WHERE {where}",
            params,
        )
        drift = self._one(
            f"SELECT count(*), quantile_cont(detect_h, 0.5) FROM drift_weeks WHERE {where}", params
        )
        orders = int(_number(row[0]))
        per_100 = None if orders == 0 else 100.0 * int(_number(tickets[0])) / orders
        drifts = int(_number(drift[0]))
        return DuckHeadline(
            orders=orders,
            cancelled=int(_number(row[1])),
            first_p50=_optional(row[2]),
            first_p90=_optional(row[3]),
            last_p50=_optional(row[4]),
            last_p90=_optional(row[5]),
            unshipped=int(_number(row[6])),
            exception_rate_pct=_optional(row[7]),
            problem_rate_pct=_optional(row[8]),
            tickets=int(_number(tickets[0])),
            linked_tickets=int(_number(tickets[1])),
            tickets_per_100=per_100,
            drifts=drifts,
            drift_per_1000=None if orders == 0 else 1000.0 * drifts / orders,
            drift_detect_p50=_optional(drift[1]),
        )

    def cycle_rows(self, week: IsoWeek, dimension: str, store_id: str | None = None) -> dict[str, Row]:
        """key -> (orders, first p50, first p90, last p50, last p90, unshipped), cancelled excluded."""
        where, params = _scope(week, store_id)
        source, key = _grouping(dimension)
        rows = self.db.execute(
            f"""
            SELECT {key} AS k, count(*),
                   quantile_cont(first_h, 0.5), quantile_cont(first_h, 0.9),
                   quantile_cont(last_h, 0.5), quantile_cont(last_h, 0.9),
                   count(*) FILTER (first_shipped_at IS NULL)
            FROM {source} WHERE {where} AND NOT is_cancelled
                {"AND first_shipped_at IS NOT NULL" if dimension == "carrier" else ""}
            GROUP BY k
            """,
            params,
        ).fetchall()
        return {str(r[0]): tuple(r[1:]) for r in rows}

    def problem_rates_by_type(self, week: IsoWeek, store_id: str | None = None) -> dict[str, tuple[int, int]]:
        """order type -> (orders, orders with a non-informational exception)."""
        where, params = _scope(week, store_id)
        rows = self.db.execute(
            f"""
            SELECT t AS k, count(*),
                   count(*) FILTER (problems > 0)
            FROM (SELECT *, unnest(types) AS t FROM order_weeks) WHERE {where} GROUP BY k
            """,
            params,
        ).fetchall()
        return {str(r[0]): (int(r[1]), int(r[2])) for r in rows}

    def exception_type_counts(self, week: IsoWeek, store_id: str | None = None) -> dict[str, int]:
        """exception type -> the week's orders that had it."""
        where, params = _scope(week, store_id)
        rows = self.db.execute(
            f"""
            SELECT e, count(*) FROM (SELECT *, unnest(exception_types) AS e FROM order_weeks)
            WHERE {where} GROUP BY e
            """,
            params,
        ).fetchall()
        return {str(r[0]): int(r[1]) for r in rows}

    def tickets_by_store(self, week: IsoWeek) -> dict[str, tuple[int, int]]:
        """store -> (tickets, linked tickets), tickets with a store only."""
        where, params = _scope(week, None)
        rows = self.db.execute(
            f"""SELECT store_id, count(*), count(order_id) FROM ticket_weeks
                WHERE {where} AND store_id IS NOT NULL GROUP BY store_id""",
            params,
        ).fetchall()
        return {str(r[0]): (int(r[1]), int(r[2])) for r in rows}

    def _one(self, sql: str, params: Sequence[object]) -> Row:
        row = self.db.execute(sql, list(params)).fetchone()
        assert row is not None
        return tuple(row)


_ORDER_COLUMNS = """{'store_id': 'VARCHAR', 'order_id': 'VARCHAR', 'platform': 'VARCHAR',
    'placed_at': 'TIMESTAMPTZ', 'first_shipped_at': 'TIMESTAMPTZ', 'last_shipped_at': 'TIMESTAMPTZ',
    'carrier': 'VARCHAR', 'is_cancelled': 'BOOLEAN', 'types': 'VARCHAR', 'exception_types': 'VARCHAR'}"""
_TICKET_COLUMNS = """{'ticket_id': 'VARCHAR', 'created_at': 'TIMESTAMPTZ', 'store_id': 'VARCHAR',
    'order_id': 'VARCHAR', 'reason': 'VARCHAR'}"""


def _order_row(order: OrderRecord) -> tuple[object, ...]:
    return (
        order.store_id,
        order.order_id,
        order.platform,
        _iso(order.placed_at),
        _iso(order.first_shipped_at),
        _iso(order.last_shipped_at),
        order.carrier,
        order.is_cancelled,
        "|".join(sorted(order.types)),
        "|".join(sorted(order.exception_types)),
    )


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _write_csv(path: Path, rows: Iterable[Sequence[object]]) -> None:
    # None is written as an empty field, which read_csv reads as NULL (no id, carrier or
    # store is an empty string; empty type lists are handled as NULL too).
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerows(rows)


def _scope(week: IsoWeek, store_id: str | None) -> tuple[str, list[object]]:
    where = "wk = ?"
    params: list[object] = [week.year * 100 + week.week]
    if store_id is not None:
        where += " AND store_id = ?"
        params.append(store_id)
    return where, params


def _grouping(dimension: str) -> tuple[str, str]:
    if dimension == "order_type":
        return "(SELECT *, unnest(types) AS t FROM order_weeks)", "t"
    if dimension == "carrier":
        return "order_weeks", "coalesce(carrier, 'unknown')"
    column = {"all": "'all'", "store": "store_id", "platform": "platform"}[dimension]
    return "order_weeks", column


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _number(value: object) -> float:
    assert isinstance(value, int | float), value
    return float(value)


def _optional(value: object) -> float | None:
    return None if value is None else _number(value)
