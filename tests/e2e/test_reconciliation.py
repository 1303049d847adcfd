"""Reconciliation end to end: orders delivered by webhook, faults injected on the fake
platforms only (BigCommerce behind a loopback server, WooCommerce behind a REST fake),
found by a sweep with a readable diff, opened as state_drift, healed by processing the
platform's answer; on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from orderline.bootstrap import build_runtime, worker_tick
from orderline.bootstrap.reconcile import reconcile_schedule
from orderline.cli import app
from orderline.config import load_config
from orderline.config.reconcile import ReconcileConfig
from orderline.connectors.registry import platform_named
from orderline.persistence.database import make_engine, migrate
from orderline.persistence.reconcile_tables import drift_incidents, reconcile_sweeps
from orderline.persistence.tables import inbox
from orderline.services.count_check import DailyCounts
from orderline.services.importer import import_history
from orderline.services.reconciliation import SweepReport
from orderline.simulation.bigcommerce import FakeBigCommerce, FakeBigCommerceServer
from orderline.simulation.bigcommerce.api import FakeResponse
from orderline.simulation.shopify.fake_admin import FakeAdminServer, ShopSpec
from tests.e2e.reconcile_world import NOW, SINCE, START, STORE_HASH, FakeWooRest, World, open_world
from tests.e2e.reconcile_world import bigcommerce_server as bigcommerce_server
from tests.e2e.reconcile_world import woo_rest as woo_rest


@pytest.fixture
def world(
    tmp_path: Path, database_url: str, bigcommerce_server: FakeBigCommerceServer, woo_rest: FakeWooRest
) -> Iterator[World]:
    yield from open_world(tmp_path, database_url, bigcommerce_server, woo_rest)


def drift_of(report: SweepReport) -> dict[str, list[tuple[str, str, str]]]:
    return {d.order_id: [(f.field, f.orderline, f.platform) for f in d.fields] for d in report.drift}


def test_bigcommerce_faults_on_the_platform_are_found_opened_and_healed(world: World) -> None:
    sim = world.bc_sim
    placed = []
    for _ in range(6):
        order_id, hooks = sim.place_order(status_id=11, payment_status="captured", line_count=2)
        world.post_bigcommerce(hooks)
        placed.append(order_id)
    world.process()
    cancelled, refunded, shipped, clean = placed[0], placed[1], placed[2], placed[3]
    # Faults: the platform changes, its webhooks never arrive.
    missed, _ = sim.place_order(status_id=11, payment_status="captured", line_count=1)
    sim.set_status(cancelled, 5)
    row = sim.order(refunded).products[0]
    sim.refund(refunded, [(row.id, 1)])
    sim.ship(shipped)

    report = world.reconciler.sweep("bc1", since=SINCE)

    assert report.error is None and report.seen == 7
    assert report.missing == [str(missed)]
    found = drift_of(report)
    assert set(found) == {str(cancelled), str(refunded), str(shipped)}
    assert found[str(cancelled)] == [("status", "ready_to_fulfill", "cancelled"), ("cancelled", "no", "yes")]
    assert found[str(refunded)] == [
        ("payment", "paid", "partially_refunded"),
        ("refunds", "-", str(sim.order(refunded).refunds[0].id)),
        ("refunded", "0.00", f"{sim.order(refunded).refunds[0].amount:.2f}"),
    ]
    tracking = sim.order(shipped).shipments[0].tracking_number
    lines = ", ".join(f"line {r.id}: {r.quantity}" for r in sim.order(shipped).products)
    assert found[str(shipped)] == [
        ("status", "ready_to_fulfill", "shipped"),
        ("shipped", "-", lines),
        ("tracking", "-", tracking),
    ]
    drift = world.exceptions("bc1", str(cancelled))["state_drift:reconciliation"]
    assert drift.is_open
    assert drift.reason.startswith(
        "status: Orderline ready_to_fulfill, platform cancelled; cancelled: Orderline no"
    )
    assert world.exceptions("bc1", str(clean)) == {}
    with world.runtime.engine.connect() as connection:
        incidents = connection.execute(
            select(
                drift_incidents.c.order_id,
                drift_incidents.c.fields,
                drift_incidents.c.changed_at,
                drift_incidents.c.detected_at,
                drift_incidents.c.healed_at,
            ).where(drift_incidents.c.sweep_id == report.sweep_id)
        ).all()
        sweep = connection.execute(
            select(
                reconcile_sweeps.c.outcome,
                reconcile_sweeps.c.orders_seen,
                reconcile_sweeps.c.orders_missing,
                reconcile_sweeps.c.orders_drifted,
            )
        ).one()
    assert sweep == ("ok", 7, 1, 3)
    with world.runtime.engine.connect() as connection:
        found_by = dict(
            connection.execute(
                select(inbox.c.dedupe_key, inbox.c.headers).where(inbox.c.dedupe_key.startswith("import:"))
            ).all()
        )
    assert sorted(headers["x-orderline-found-by"] for headers in found_by.values()) == [
        f"sweep {report.sweep_id}: drifted",
        f"sweep {report.sweep_id}: drifted",
        f"sweep {report.sweep_id}: drifted",
        f"sweep {report.sweep_id}: missing",
    ]
    assert any(key.startswith(f"import:{missed}:") for key in found_by)
    assert {row.order_id for row in incidents} == set(found)
    by_order = {row.order_id: row for row in incidents}
    assert by_order[str(cancelled)].fields == [
        {"field": "status", "orderline": "ready_to_fulfill", "platform": "cancelled"},
        {"field": "cancelled", "orderline": "no", "platform": "yes"},
    ]
    assert by_order[str(cancelled)].changed_at == sim.order(cancelled).date_modified
    assert all(row.detected_at == NOW and row.healed_at is None for row in incidents)

    # The heal: processing folds what the sweep stored; the next tick resolves the exception.
    world.process()
    world.tick()

    resolved = world.exceptions("bc1", str(cancelled))["state_drift:reconciliation"]
    assert (resolved.is_open, resolved.resolution) == (False, "cause cleared")
    order = world.client.get(f"/api/v1/stores/bc1/orders/{cancelled}", headers=world.token()).json()
    assert order["status"] == "cancelled"
    again = world.reconciler.sweep("bc1", since=SINCE)
    assert (again.seen, again.missing, again.drift) == (7, [], [])
    assert sorted(again.healed) == sorted(found)
    with world.runtime.engine.connect() as connection:
        unhealed = connection.execute(
            select(drift_incidents.c.id).where(drift_incidents.c.healed_at.is_(None))
        )
        assert unhealed.all() == []


def test_woocommerce_faults_on_the_platform_are_found_opened_and_healed(world: World) -> None:
    orders = {n: world.woo_order(2_000 + n) for n in range(4)}
    world.process()
    later = START + timedelta(days=20)
    missed = world.woo_order(2_100, deliver=False)
    plugin, cancelled, refunded, clean = (orders[n]["id"] for n in range(4))
    world.woo.change(plugin, later, status="shipped")
    world.woo.change(cancelled, later, status="cancelled")
    world.woo.change(refunded, later, refunds=[{"id": 9_001, "reason": "", "total": "-5.00"}])

    report = world.reconciler.sweep("woo1", since=SINCE)

    assert report.error is None and report.seen == 5
    assert report.missing == [str(missed["id"])]
    found = drift_of(report)
    assert set(found) == {str(plugin), str(cancelled), str(refunded)}
    assert ("status", "pending_payment", "shipped") in found[str(plugin)]
    assert ("shipped", "-", f"line {orders[0]['line_items'][0]['id']}: 2") in found[str(plugin)]
    assert found[str(cancelled)] == [
        ("status", "pending_payment", "cancelled"),
        ("payment", "pending", "voided"),
        ("cancelled", "no", "yes"),
    ]
    assert found[str(refunded)] == [
        ("payment", "paid", "partially_refunded"),
        ("refunds", "-", "9001"),
        ("refunded", "0.00", "5.00"),
    ]
    assert world.exceptions("woo1", str(refunded))["state_drift:reconciliation"].is_open
    assert world.exceptions("woo1", str(clean)) == {}

    world.process()
    world.tick()

    for order_id in (plugin, cancelled, refunded):
        healed = world.exceptions("woo1", str(order_id))["state_drift:reconciliation"]
        assert (healed.is_open, healed.resolution) == (False, "cause cleared"), order_id
    again = world.reconciler.sweep("woo1", since=SINCE)
    assert (again.seen, again.missing, again.drift) == (5, [], [])
    assert sorted(again.healed) == sorted(found)


class CountingBigCommerce(FakeBigCommerce):
    """The fake, counting the requests it refused with 429."""

    throttled = 0

    def handle(self, *args: Any, **kwargs: Any) -> FakeResponse:
        answer = super().handle(*args, **kwargs)
        self.throttled += answer.status == 429
        return answer


def test_an_order_changed_within_the_settle_time_waits_for_the_next_sweep(world: World) -> None:
    order = world.woo_order(7_000)
    world.process()
    world.woo.change(
        order["id"], NOW - timedelta(minutes=2), status="cancelled"
    )  # its webhook may be on its way

    first = world.reconciler.sweep("woo1", since=SINCE, now=NOW)
    later = world.reconciler.sweep("woo1", now=NOW + timedelta(minutes=10))

    assert (first.until, first.deferred, first.seen, first.drift) == (NOW - timedelta(minutes=5), 1, 0, [])
    assert later.since == first.until - timedelta(minutes=15)
    assert (later.deferred, later.seen, [d.order_id for d in later.drift]) == (0, 1, [str(order["id"])])


def test_a_sweep_completes_within_bigcommerce_limits_against_a_throttling_fake(
    tmp_path: Path, database_url: str, woo_rest: FakeWooRest
) -> None:
    """The fake enforces a quota (15 requests per 0.5 s here, beyond the client's own 150
    per 30 s) and answers one request in ten 429 anyway: the client waits for each reset,
    and the sweep compares every order."""
    api = CountingBigCommerce(STORE_HASH, quota=15, window_s=0.5, rng=random.Random(4))
    with FakeBigCommerceServer(api) as server:
        opened = open_world(tmp_path, database_url, server, woo_rest)
        world = next(opened)
        for _ in range(12):
            _, hooks = world.bc_sim.place_order(status_id=11, payment_status="captured", line_count=1)
            world.post_bigcommerce(hooks)
        world.process()
        api.throttle_chance = 0.1  # other apps on the store take part of the quota

        report = world.reconciler.sweep("bc1", since=SINCE)

        opened.close()
    assert (report.error, report.seen, report.missing, report.drift) == (None, 12, [], [])
    assert api.throttled > 0 and len(api.requests) > 2 * 15


def test_scheduled_sweeps_skip_stores_without_credentials_and_a_failing_store_stops_no_other(
    world: World,
) -> None:
    _, hooks = world.bc_sim.place_order(status_id=11, payment_status="captured", line_count=1)
    world.post_bigcommerce(hooks)
    world.woo_order(3_000)
    world.process()
    world.bigcommerce.api.api_token = "revoked"  # the merchant removed the API account
    reconciler = world.reconciler

    reports = {r.store_id: r for r in reconciler.run_due(NOW)}
    again = reconciler.run_due(NOW + timedelta(minutes=59))

    assert reports["bc1"].outcome == "failed" and "401" in (reports["bc1"].error or "")
    assert (reports["woo1"].outcome, reports["woo1"].seen) == ("ok", 1)
    assert reports["offline1"].outcome == "skipped"
    assert reports["offline1"].skipped == (
        "skipped: store offline1 has no api_key (the WooCommerce consumer key)"
    )
    assert again == []
    listed = reconciler.sweeps()
    assert [(row.store_id, row.outcome) for row in listed] == [
        ("offline1", "skipped"),
        ("woo1", "ok"),
        ("bc1", "failed"),
    ]
    # The next sweep of woo1 starts at the last successful one's end (less the settle time), less the overlap.
    assert reconciler.default_since("woo1", NOW) == NOW - timedelta(minutes=5 + 15)
    assert reconciler.default_since("bc1", NOW) == NOW - timedelta(days=90)
    assert len(reconciler.run_due(NOW + timedelta(hours=1))) == 3


def test_the_worker_tick_starts_the_due_sweeps_in_a_thread_of_their_own(world: World) -> None:
    _, hooks = world.bc_sim.place_order(status_id=11, payment_status="captured", line_count=1)
    world.post_bigcommerce(hooks)
    world.woo_order(5_000)
    world.process()
    schedule = reconcile_schedule(world.runtime)
    assert schedule is not None

    worker_tick(world.runtime, None, schedule)
    schedule.join(60)
    worker_tick(world.runtime, None, schedule)  # within the hour: nothing more is due
    schedule.join(60)

    listed = {(s.store_id, s.trigger, s.outcome, s.orders_seen) for s in world.reconciler.sweeps()}
    assert listed == {
        ("bc1", "scheduled", "ok", 1),
        ("woo1", "scheduled", "ok", 1),
        ("offline1", "scheduled", "skipped", 0),
        ("bc1", "count_check", "ok", 0),  # yesterday's count check: nothing placed on either side
        ("woo1", "count_check", "ok", 0),
    }


def test_no_schedule_runs_when_reconcile_is_disabled(world: World) -> None:
    config = world.runtime.config.model_copy(update={"reconcile": ReconcileConfig(enabled=False)})

    assert reconcile_schedule(replace(world.runtime, config=config)) is None
    assert reconcile_schedule(world.runtime) is not None


def test_a_daily_count_gap_sweeps_that_day_and_ingests_the_missing_order(world: World) -> None:
    sim = world.bc_sim
    for _ in range(4):
        _, hooks = sim.place_order(status_id=11, payment_status="captured", line_count=1)
        world.post_bigcommerce(hooks)
    lost, _ = sim.place_order(status_id=11, payment_status="captured", line_count=1)  # its webhook never came
    world.process()
    counts = DailyCounts(world.runtime.engine, world.reconciler)
    day = START.date()
    assert sim.order(lost).date_created.date() == day

    check = counts.check("bc1", day, NOW)

    assert (check.platform, check.orderline, check.gap, check.error) == (5, 4, 1, None)
    assert check.sweep is not None and check.sweep.trigger == "count_gap"
    assert (check.sweep.since, check.sweep.missing, check.sweep.drift) == (check.start, [str(lost)], [])
    world.process()
    again = counts.check("bc1", day, NOW)
    assert (again.platform, again.orderline, again.sweep) == (5, 5, None)
    rows = [(r.trigger, r.platform_count, r.orderline_count) for r in world.reconciler.sweeps("bc1")]
    assert rows == [("count_check", 5, 5), ("count_gap", None, None), ("count_check", 5, 4)]


def test_the_count_check_runs_once_a_day_for_stores_with_credentials(world: World) -> None:
    world.woo_order(6_000)
    world.process()
    counts = DailyCounts(world.runtime.engine, world.reconciler)

    first = counts.run_due(NOW)
    later = counts.run_due(NOW + timedelta(hours=3))
    next_day = counts.run_due(NOW + timedelta(days=1))

    yesterday = NOW.date() - timedelta(days=1)
    assert [(c.store_id, c.day, c.platform, c.orderline, c.sweep) for c in first] == [
        ("bc1", yesterday, 0, 0, None),
        ("woo1", yesterday, 0, 0, None),
    ]
    assert later == [] and [c.day for c in next_day] == [NOW.date(), NOW.date()]
    woo_day = counts.check("woo1", START.date(), NOW)
    assert (woo_day.platform, woo_day.orderline, woo_day.sweep) == (1, 1, None)


# --- a clean store, and the command ----------------------------------------------------

CLEAN_ORDERS = 10_000
SHOP = "clean-run.myshopify.com"
SHOP_SINCE = datetime(2020, 1, 1, tzinfo=UTC)
runner = CliRunner()


@pytest.fixture(scope="module")
def shop() -> Iterator[FakeAdminServer]:
    spec = ShopSpec(order_count=CLEAN_ORDERS, seed=14, restore_rate=1e9, bucket_size=1e9)
    with FakeAdminServer(spec) as server:
        yield server


def test_a_clean_store_of_10000_orders_sweeps_with_zero_drift_through_the_command(
    tmp_path: Path, database_url: str, shop: FakeAdminServer
) -> None:
    config = tmp_path / "orderline.yaml"
    config.write_text(
        f"database_url: '{database_url}'\n"
        "stores:\n"
        "  - id: shop-1\n"
        "    platform: shopify\n"
        f"    shop_domain: {SHOP}\n"
        "    webhook_secrets: [secret]\n"
        f"    api_token: {shop.api.spec.access_token}\n"
        f"    api_base_url: {shop.url}\n"
    )
    migrate(make_engine(database_url))
    runtime = build_runtime(load_config(config))
    with platform_named("shopify").history(runtime.config.stores[0]) as history:
        imported = import_history(runtime.engine, runtime.processor, history, "shop-1", SHOP_SINCE, workers=0)
    runtime.close()
    assert imported.stored == CLEAN_ORDERS

    swept = runner.invoke(
        app, ["reconcile", "--store", "shop-1", "--since", "2020-01-01", "--json", "-c", str(config)]
    )
    listed = runner.invoke(app, ["reconcile", "--list", "--json", "-c", str(config)])

    assert swept.exit_code == 0, swept.output
    report = json.loads(swept.stdout)
    assert (report["orders_seen"], report["drift"], report["missing"], report["outcome"]) == (
        CLEAN_ORDERS,
        [],
        [],
        "ok",
    )
    assert report["since"] == "2020-01-01T00:00:00Z"
    sweeps = json.loads(listed.stdout)
    assert [(s["store_id"], s["outcome"], s["orders_seen"], s["orders_drifted"]) for s in sweeps] == [
        ("shop-1", "ok", CLEAN_ORDERS, 0)
    ]
    day = shop.api.spec.start.date()
    placed = sum(1 for o in shop.api.orders if json.loads(o.body)["createdAt"].startswith(day.isoformat()))
    counted = runner.invoke(
        app, ["reconcile", "--store", "shop-1", "--count-day", str(day), "--json", "-c", str(config)]
    )
    assert counted.exit_code == 0, counted.output
    check = json.loads(counted.stdout)
    assert (check["platform"], check["orderline"], check["gap"], check["sweep"]) == (placed, placed, 0, None)
    assert 1_000 < placed < CLEAN_ORDERS


def test_the_command_reports_drift_and_missing_orders_with_exit_code_1(world: World) -> None:
    orders = [world.woo_order(4_000 + n) for n in range(3)]
    world.process()
    missed = world.woo_order(4_100, deliver=False)
    world.woo.change(orders[0]["id"], START + timedelta(days=9), status="cancelled")
    command = ["reconcile", "--store", "woo1", "--since", "2026-03-01", "--now", "2026-05-01T09:00", "-c"]

    table = runner.invoke(app, [*command, str(world.config)])

    assert table.exit_code == 1, table.output
    rows = [line.strip("│ ").split(" │ ") for line in table.stdout.splitlines() if line.startswith("│")]
    assert [[cell.strip() for cell in row] for row in rows] == [
        [str(orders[0]["id"]), "status", "pending_payment", "cancelled", "2026-03-11T09:00:00Z"],
        [str(orders[0]["id"]), "payment", "pending", "voided", "2026-03-11T09:00:00Z"],
        [str(orders[0]["id"]), "cancelled", "no", "yes", "2026-03-11T09:00:00Z"],
    ]
    assert f"missing from Orderline (stored for processing): {missed['id']}" in table.stdout
    assert "4 orders compared, 1 drifted, 1 missing" in table.stdout
    again = runner.invoke(app, [*command, str(world.config), "--json"])
    report = json.loads(again.stdout)
    assert again.exit_code == 0, again.output  # the first run stored and processed the platform's answer
    assert (report["drift"], report["missing"], report["until"]) == ([], [], "2026-05-01T08:55:00Z")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--store", "nope"], "unknown store 'nope' (configured: bc1, woo1, offline1)"),
        (["--store", "offline1"], "store offline1 has no api_key (the WooCommerce consumer key)"),
        ([], "--store is required"),
    ],
)
def test_the_command_refuses_a_store_it_cannot_sweep_with_exit_code_2(
    world: World, arguments: list[str], message: str
) -> None:
    result = runner.invoke(app, ["reconcile", *arguments, "-c", str(world.config)])

    assert result.exit_code == 2
    assert message in result.output
    assert world.reconciler.sweeps() == []


def test_the_command_counts_a_day_and_sweeps_it_on_a_gap(world: World) -> None:
    _, hooks = world.bc_sim.place_order(status_id=11, payment_status="captured", line_count=1)
    world.post_bigcommerce(hooks)
    lost, _ = world.bc_sim.place_order(status_id=11, payment_status="captured", line_count=1)
    world.process()
    command = [
        "reconcile",
        "--store",
        "bc1",
        "--count-day",
        START.date().isoformat(),
        "-c",
        str(world.config),
    ]

    gap = runner.invoke(app, command)
    closed = runner.invoke(app, command)
    listed = runner.invoke(app, ["reconcile", "--list", "-c", str(world.config)])

    assert gap.exit_code == 1, gap.output
    assert "orders placed on 2026-03-02 in bc1: platform 2, Orderline 1" in gap.stdout
    assert f"missing from Orderline (stored for processing): {lost}" in gap.stdout
    assert closed.exit_code == 0, closed.output
    assert "platform 2, Orderline 2" in closed.stdout and "a gap" not in closed.stdout
    assert "count_gap" in listed.stdout and "platform 2, Orderline 1" in listed.stdout
