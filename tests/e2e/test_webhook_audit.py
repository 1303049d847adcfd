"""The webhook audit counts exactly the faults injected into signed webhooks sent over
HTTP, through the API and the command, on both databases."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from typer.testing import CliRunner

from orderline.cli.main import app
from orderline.persistence.tables import inbox_redeliveries
from tests.e2e.webhook_audit_world import World, at, audit_world, send_faulty_traffic  # noqa: F401

from .problems import PROBLEM_JSON

runner = CliRunner()
SINCE = "2026-11-02T07:00:00Z"


def _topics(report: dict[str, Any], store_id: str) -> dict[str, tuple[int, ...]]:
    [store] = [s for s in report["stores"] if s["store_id"] == store_id]
    return {
        t["topic"]: (t["deliveries"], t["duplicates"], t["out_of_order"], t["stale"]) for t in store["topics"]
    }


def _audit(world: World, query: str) -> Any:
    return world.service.client.get(f"/api/v1/audit/webhooks?{query}", headers=world.service.token("viewer"))


def test_the_audit_counts_duplicates_out_of_order_stale_and_refused_deliveries_per_store_and_topic(
    world: World,
) -> None:
    send_faulty_traffic(world)

    response = _audit(world, f"since={SINCE}")

    assert response.status_code == 200
    report = response.json()
    assert _topics(report, "shop1") == {"orders/create": (1, 0, 0, 0), "orders/updated": (4, 1, 2, 1)}
    assert _topics(report, "woo1") == {"order.created": (1, 1, 0, 0), "order.updated": (3, 0, 1, 1)}
    shop1, woo1 = report["stores"]
    assert (shop1["signature_failures"], woo1["signature_failures"]) == (1, 0)
    assert shop1["last_delivery_at"] == "2026-11-02T08:06:00Z"
    assert shop1["topics"][1]["lag_s"] == {"p50": 75.0, "p90": 193.5, "max": 225.0}
    assert woo1["topics"][1]["lag_s"] == {"p50": None, "p90": None, "max": None}  # Woo sends no trigger time
    assert [(f["store_id"], f["topic"], f["kind"]) for f in report["findings"]] == [
        ("shop1", None, "signature_failures"),
        ("shop1", "orders/updated", "duplicates"),
        ("shop1", "orders/updated", "stale_deliveries"),
        ("woo1", "order.created", "duplicates"),
        ("woo1", "order.updated", "stale_deliveries"),
    ]
    assert "WooCommerce > Settings > Advanced > Webhooks" in report["findings"][4]["recommendation"]
    assert "8 times over 4 hours" in report["findings"][0]["recommendation"]


def test_a_redelivery_is_kept_as_one_row_per_key_with_its_count(world: World) -> None:
    assert world.shopify("orders/create", "wh-1", triggered=0, received=0) == 200
    assert world.shopify("orders/create", "wh-1", triggered=0, received=1) == 200
    assert world.shopify("orders/create", "wh-1", triggered=0, received=2) == 200

    with world.service.engine.connect() as connection:
        rows = connection.execute(select(inbox_redeliveries)).all()

    assert [tuple(row) for row in rows] == [("shop1", "wh-1", 2, at(1), at(2))]


def test_a_delivery_without_duplicates_writes_no_redelivery_row(world: World) -> None:
    assert world.shopify("orders/create", "wh-1", triggered=0, received=0) == 200

    with world.service.engine.connect() as connection:
        assert connection.execute(select(inbox_redeliveries)).all() == []


def test_one_store_only_and_a_silent_store_is_a_finding(world: World) -> None:
    assert world.woo("order.created", 727, "pending", modified=0, received=1) == 200
    world.clock.now = at(60 * 25)

    report = _audit(world, "store=woo1").json()

    assert [s["store_id"] for s in report["stores"]] == ["woo1"]
    assert (report["since"], report["until"]) == ("2026-10-27T09:00:00Z", "2026-11-03T09:00:00Z")
    assert [(f["kind"], f["detail"]) for f in report["findings"]] == [
        ("silent_store", "no delivery for 25.0h (last 2026-11-02T08:01:00+00:00)")
    ]


def test_an_unknown_store_is_404_and_a_period_that_never_starts_422(world: World) -> None:
    unknown = _audit(world, "store=nope")
    future = _audit(world, "since=2030-01-01T00:00:00Z")
    nonsense = _audit(world, "since=yesterday")

    assert unknown.status_code == 404
    assert (future.status_code, future.headers["content-type"]) == (422, PROBLEM_JSON)
    assert future.json()["errors"][0]["field"] == "query.since"
    assert (nonsense.status_code, nonsense.headers["content-type"]) == (422, PROBLEM_JSON)


def test_the_command_reports_the_same_counts_as_json_and_exits_1_on_findings(world: World) -> None:
    send_faulty_traffic(world)
    options = ["--since", SINCE, "--until", "2026-11-02T09:00", "--now", "2026-11-02T09:00"]

    result = runner.invoke(app, ["audit", "webhooks", *options, "--json", "--config", str(world.config)])
    clean = runner.invoke(
        app, ["audit", "webhooks", "--store", "woo1", "--since", "2026-11-02T08:05", "--until",
              "2026-11-02T08:06", "--now", "2026-11-02T09:00", "--config", str(world.config)],
    )  # fmt: skip
    unknown = runner.invoke(app, ["audit", "webhooks", "--store", "nope", "--config", str(world.config)])

    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert _topics(report, "shop1") == {"orders/create": (1, 0, 0, 0), "orders/updated": (4, 1, 2, 1)}
    assert _topics(report, "woo1") == {"order.created": (1, 1, 0, 0), "order.updated": (3, 0, 1, 1)}
    assert report["counts"] == {
        "silent_store": 0,
        "signature_failures": 1,
        "duplicates": 2,
        "stale_deliveries": 2,
        "slow_delivery": 0,
        "missed_deliveries": 0,
    }
    assert clean.exit_code == 0, clean.output
    assert "webhook audit at 2026-11-02" in clean.stdout and "clean" in clean.stdout
    assert unknown.exit_code == 2


def test_until_ends_the_period_before_later_deliveries(world: World) -> None:
    send_faulty_traffic(world)

    report = _audit(world, f"since={SINCE}&until=2026-11-02T08:02:00Z").json()

    # wh-1 and wh-2 arrived before 08:02; wh-2's redelivery came at 08:02, outside the period.
    assert _topics(report, "shop1") == {"orders/create": (1, 0, 0, 0), "orders/updated": (1, 0, 0, 0)}
    assert report["until"] == "2026-11-02T08:02:00Z"
