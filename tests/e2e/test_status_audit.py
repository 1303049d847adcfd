"""The WooCommerce status audit over signed webhooks sent over HTTP, on both databases:
statuses seen, a plugin status not in the status_map, and an un-cancelled order."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from orderline.cli.main import app
from tests.e2e.webhook_audit_world import World, audit_world, send_faulty_traffic  # noqa: F401

runner = CliRunner()


def _send_more_states(world: World) -> None:
    answers = [
        world.woo("order.updated", 728, "processing", modified=10, received=10),
        world.woo("order.updated", 728, "cancelled", modified=11, received=11),
        world.woo("order.updated", 728, "processing", modified=12, received=12),  # un-cancelled
        world.woo("order.updated", 729, "completed", modified=10, received=10.5),
        world.woo("order.updated", 729, "processing", modified=11, received=11.5),  # the lifecycle allows it
        world.woo("order.updated", 730, "processing", modified=10, received=10.25),
        world.woo("order.updated", 730, "shipped", modified=11, received=11.25),  # in the status_map
    ]
    assert answers == [200] * len(answers)
    world.process(13)


def test_the_status_audit_counts_statuses_finds_the_plugin_status_and_the_impossible_move(
    world: World,
) -> None:
    send_faulty_traffic(world)
    _send_more_states(world)

    result = runner.invoke(app, ["audit", "statuses", "--json", "--config", str(world.config)])

    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    [store] = report["stores"]  # the Shopify store has no status words to audit
    assert store["store_id"] == "woo1"
    assert [(s["status"], s["states"], s["core"], s["maps_to"]) for s in store["statuses"]] == [
        ("processing", 5, True, "ready_to_fulfill"),
        ("completed", 2, True, "shipped"),
        ("awaiting-shipment", 1, False, None),
        ("cancelled", 1, True, "cancelled"),
        ("pending", 1, True, "pending_payment"),
        ("shipped", 1, False, "shipped"),
    ]
    assert store["unknown"] == ["awaiting-shipment"]
    assert store["impossible_transitions"] == [
        {"from": "cancelled", "to": "processing", "count": 1, "example_order_ids": ["728"]}
    ]


def test_the_table_names_the_unmapped_status_and_an_unknown_store_is_exit_2(world: World) -> None:
    send_faulty_traffic(world)

    table = runner.invoke(app, ["audit", "statuses", "--store", "woo1", "--config", str(world.config)])
    shopify = runner.invoke(app, ["audit", "statuses", "--store", "shop1", "--config", str(world.config)])

    assert table.exit_code == 1, table.output
    assert "awaiting-shipment" in table.stdout and "nothing: unmapped" in table.stdout
    assert "status audit: 1 unmapped statuses, 0 impossible transitions" in table.stdout
    assert shopify.exit_code == 2
