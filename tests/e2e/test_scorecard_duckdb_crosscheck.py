"""The scorecard's KPIs over simulator data equal an independent implementation in DuckDB
(tests/scorecard_duckdb.py, written from docs/scorecard.md), week by week and store by store.

Simulated Shopify and WooCommerce stores (duplicates, stale retries, coalesced saves, holds,
cancellations, refunds, split shipments) deliver signed webhooks for orders started over
five weeks that cross both DST changes; the worker's processing and a tick turn them into
orders and exceptions; tickets come from a CSV export, some naming an order. The service's
own inputs feed both sides, so what is compared is the formulas: week assignment in each
store's zone, percentiles, exclusions and rates.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from orderline.bootstrap import Runtime, build_runtime, build_web_context, run_tick, scorecard_reports
from orderline.config import load_config
from orderline.domain.scorecard.figures import Dimension, Kpi, Scorecard
from orderline.domain.scorecard.weeks import IsoWeek
from orderline.persistence.database import make_engine, migrate
from orderline.persistence.reconcile_tables import drift_incidents
from orderline.persistence.tables import orders
from orderline.services.support_tickets import SupportTickets
from orderline.simulation.bigcommerce import FakeBigCommerce
from orderline.simulation.traffic import MultiStoreTraffic, SimulatedStores
from orderline.web.app import create_app
from tests.scorecard_duckdb import DuckKpis

NOW = datetime(2026, 12, 14, 12, 0, tzinfo=UTC)
"""Weeks after the last order started: every simulated history has run its course."""
FIRST_START = datetime(2026, 10, 26, 0, 0, tzinfo=UTC)
WEEKS = [IsoWeek(2026, week) for week in range(44, 49)]
ORDERS = 150
DRIFTS = 40
STORES = SimulatedStores()
TOLERANCE = 1e-9


def _config(directory: Path, database_url: str) -> Path:
    path = directory / "orderline.yaml"
    path.write_text(
        f"database_url: '{database_url}'\n"
        "stores:\n"
        f"  - id: {STORES.shopify_id}\n    platform: shopify\n    shop_domain: {STORES.shop_domain}\n"
        f"    webhook_secrets: [{STORES.secret}]\n    timezone: Europe/London\n"
        f"  - id: {STORES.woo_id}\n    platform: woocommerce\n    site_url: {STORES.site_url}\n"
        f"    webhook_secrets: [{STORES.secret}]\n    timezone: America/New_York\n"
        "    status_map: {shipped: shipped, delivered: delivered, partial-shipped: partially_shipped}\n"
    )
    return path


def _tickets_csv(runtime: Runtime, rng: random.Random) -> str:
    with runtime.engine.connect() as connection:
        numbers = connection.execute(select(orders.c.order_number)).scalars().all()
    lines = ["ticket_id,created_at,subject"]
    for index in range(120):
        created = FIRST_START + timedelta(minutes=rng.randrange(5 * 7 * 24 * 60))
        subject = rng.choice(["Where is my order", "Item arrived damaged", "Please cancel", "Question"])
        if rng.random() < 0.6:
            subject += f" order {rng.choice(numbers).lstrip('#')}"
        lines.append(f"T{index},{created.isoformat()},{subject}")
    return "\n".join(lines) + "\n"


def _file_drift_incidents(runtime: Runtime, rng: random.Random) -> None:
    """Drift incidents on random orders over the five weeks, detected up to three days
    after the platform's change (a few dated before it, which counts as 0 hours)."""
    with runtime.engine.begin() as connection:
        keys = connection.execute(select(orders.c.store_id, orders.c.order_id)).all()
        rows = []
        for _ in range(DRIFTS):
            store_id, order_id = rng.choice(keys)
            changed = FIRST_START + timedelta(minutes=rng.randrange(5 * 7 * 24 * 60))
            detected = changed + timedelta(minutes=rng.randrange(-60, 72 * 60))
            fields = [{"field": "status", "orderline": "shipped", "platform": "cancelled"}]
            rows.append({"store_id": store_id, "order_id": order_id, "source": "reconciliation",
                         "fields": fields, "changed_at": changed, "detected_at": detected})  # fmt: skip
        connection.execute(drift_incidents.insert(), rows)


@pytest.fixture
def runtime(tmp_path: Path, database_url: str) -> Iterator[Runtime]:
    migrate(make_engine(database_url))
    runtime = build_runtime(load_config(_config(tmp_path, database_url)), clock=lambda: NOW)
    rng = random.Random(20261214)
    traffic = MultiStoreTraffic(rng, STORES, FakeBigCommerce(STORES.store_hash))
    with TestClient(create_app(build_web_context(runtime))) as client:
        for index in range(ORDERS):
            start = FIRST_START + timedelta(minutes=rng.randrange(5 * 7 * 24 * 60))
            posts = traffic.shopify_order(start) if index % 2 else traffic.woo_order(start)
            for post in posts:
                response = client.post(post.path, content=post.body, headers=post.headers)
                assert response.status_code == 200, response.text
        runtime.processor.run_until_idle()
    run_tick(runtime, NOW)
    tickets = SupportTickets(runtime.engine, [store.id for store in runtime.config.stores])
    report = tickets.import_csv(_tickets_csv(runtime, rng))
    assert report.imported == 120
    _file_drift_incidents(runtime, rng)
    yield runtime
    runtime.engine.dispose()


def _close(ours: float | None, theirs: float | None) -> bool:
    if ours is None or theirs is None:
        return ours is None and theirs is None
    return math.isclose(ours, theirs, rel_tol=TOLERANCE, abs_tol=TOLERANCE)


def _headline(card: Scorecard) -> dict[Kpi, float | None]:
    return {figure.kpi: figure.value for figure in card.headline}


def _check_headline(card: Scorecard, duck: DuckKpis) -> None:
    theirs = duck.headline(card.week, card.store_id)
    ours = _headline(card)
    assert (card.orders, card.cancelled, card.unshipped.count) == (
        theirs.orders,
        theirs.cancelled,
        theirs.unshipped,
    )
    pairs = {
        Kpi.SHIP_FIRST_P50_HOURS: theirs.first_p50,
        Kpi.SHIP_FIRST_P90_HOURS: theirs.first_p90,
        Kpi.SHIP_LAST_P50_HOURS: theirs.last_p50,
        Kpi.SHIP_LAST_P90_HOURS: theirs.last_p90,
        Kpi.EXCEPTION_RATE_PCT: theirs.exception_rate_pct,
        Kpi.PROBLEM_EXCEPTION_RATE_PCT: theirs.problem_rate_pct,
        Kpi.TICKETS_PER_100_ORDERS: theirs.tickets_per_100 if card.store_id is None else None,
        Kpi.DRIFT_PER_1000_ORDERS: theirs.drift_per_1000,
        Kpi.DRIFT_DETECT_P50_HOURS: theirs.drift_detect_p50,
    }
    if card.store_id is not None:
        pairs.pop(Kpi.TICKETS_PER_100_ORDERS)
    for kpi, value in pairs.items():
        assert _close(ours[kpi], value), (card.week, card.store_id, kpi, ours[kpi], value)
    assert (card.tickets.total.tickets, card.tickets.total.linked) == (theirs.tickets, theirs.linked_tickets)


def _check_breakdowns(card: Scorecard, duck: DuckKpis) -> None:
    for dimension in (
        Dimension.ALL,
        Dimension.STORE,
        Dimension.PLATFORM,
        Dimension.ORDER_TYPE,
        Dimension.CARRIER,
    ):
        ours = {row.key: row for row in card.cycle_time if row.dimension == dimension}
        theirs = duck.cycle_rows(card.week, dimension.value, card.store_id)
        assert set(ours) == set(theirs), (card.week, dimension)
        for key, row in ours.items():
            count, first_p50, first_p90, last_p50, last_p90, unshipped = theirs[key]
            assert (row.orders, row.unshipped) == (count, unshipped), (card.week, dimension, key)
            measured = (row.first_hours.p50, row.first_hours.p90, row.last_hours.p50, row.last_hours.p90)
            expected = (first_p50, first_p90, last_p50, last_p90)
            assert all(_close(a, b) for a, b in zip(measured, expected, strict=True)), (
                key,
                measured,
                expected,
            )  # type: ignore[arg-type]
    by_type = {
        row.key: (row.orders, row.with_exception)
        for row in card.exception_rates
        if row.dimension == Dimension.ORDER_TYPE
    }
    assert by_type == duck.problem_rates_by_type(card.week, card.store_id)
    by_exception = {
        row.key: row.with_exception
        for row in card.exception_rates
        if row.dimension == Dimension.EXCEPTION_TYPE
    }
    assert by_exception == duck.exception_type_counts(card.week, card.store_id)


def test_scorecard_equals_duckdb_over_simulator_data(runtime: Runtime) -> None:
    reports = scorecard_reports(runtime)
    inputs = reports.inputs(WEEKS[-1])
    duck = DuckKpis(
        inputs.orders,
        inputs.tickets,
        {store: zone.key for store, zone in inputs.zones.items()},
        inputs.default_zone.key,
        inputs.informational_types,
        inputs.drifts,
    )
    compared = 0
    for week in WEEKS:
        for store_id in (None, STORES.shopify_id, STORES.woo_id):
            card = reports.build(week, store_id)
            _check_headline(card, duck)
            _check_breakdowns(card, duck)
            compared += 1
        whole = reports.build(week)
        by_store = {row.store_id: (row.tickets, row.linked) for row in whole.tickets.by_store if row.tickets}
        assert by_store == duck.tickets_by_store(week)
    # The data must exercise what is compared, or equality would prove little.
    assert compared == 15
    assert sum(reports.build(week).orders for week in WEEKS) >= ORDERS - 10
    cards = [reports.build(week) for week in WEEKS]
    assert any(card.cancelled for card in cards)
    assert any(card.unshipped.count == 0 and card.orders for card in cards)
    assert any(row.dimension == Dimension.EXCEPTION_TYPE for card in cards for row in card.exception_rates)
    assert sum(card.tickets.total.linked for card in cards) > 0
    drift_weeks = [_headline(card)[Kpi.DRIFT_DETECT_P50_HOURS] for card in cards]
    assert len(inputs.drifts) >= DRIFTS - 3 and sum(value is not None for value in drift_weeks) >= 4
