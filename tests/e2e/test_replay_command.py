"""`orderline replay` and `orderline inbox` as an operator runs them, on a real database.

Two Shopify stores; each has one order placed with payment pending and paid ten minutes
later. A mapping bug's effect is simulated by deleting the facts of an order's orders/paid
delivery and refolding the order without them: its raw body is still in the inbox, so a
replay restores the payment. A quarantined delivery is an orders/updated body whose
`line_items` is a string, which the Shopify mapping refuses.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, delete, select
from typer.testing import CliRunner, Result

from orderline.bootstrap import Runtime, build_runtime, processing_loop
from orderline.cli import app
from orderline.config import load_config
from orderline.persistence.database import make_engine, migrate
from orderline.persistence.inbox import InboxRecord, write_records
from orderline.persistence.processing_tables import inbox_actions, replay_facts
from orderline.persistence.tables import dead_letters, facts, inbox, orders
from orderline.services.processing_loop import ProcessingLoop
from orderline.services.replay import replay_inbox, running_workers
from orderline.simulation.shopify import ShopifyWebhook

runner = CliRunner()

SECRET = "test-secret"
DOMAINS = {"shop1": "shop-one.myshopify.com", "shop2": "shop-two.myshopify.com"}
ORDER_IDS = {"shop1": "5001", "shop2": "6001"}
WORKER_START_TIMEOUT_S = 10.0
SHOP1_RESTORED = (
    "shop1/5001: status: pending_payment -> ready_to_fulfill; payment_status: pending -> paid; "
    "owner: support -> operations"
)
"""The dry run's and the replay's line for shop1's order once its lost payment is replayed."""


def _write_config(directory: Path, database_url: str) -> Path:
    path = directory / "orderline.yaml"
    stores = "".join(
        f"  - id: {store}\n    platform: shopify\n"
        f"    shop_domain: {domain}\n    webhook_secrets: [{SECRET}]\n"
        for store, domain in DOMAINS.items()
    )
    path.write_text(f"database_url: '{database_url}'\nstores:\n{stores}")
    return path


def _order_body(order_id: str, placed: datetime, updated: datetime, financial_status: str) -> dict[str, Any]:
    return {
        "id": int(order_id),
        "name": f"#{order_id}",
        "email": "buyer@example.com",
        "created_at": placed.isoformat(),
        "updated_at": updated.isoformat(),
        "financial_status": financial_status,
        "currency": "USD",
        "total_price": "10.00",
        "line_items": [{"id": 1, "title": "Mug", "quantity": 1, "price": "10.00"}],
        "shipping_address": {
            "name": "Ada Buyer",
            "address1": "1 Market St",
            "city": "San Francisco",
            "zip": "94107",
            "country_code": "US",
        },
    }


@dataclass
class Deployment:
    config: Path
    runtime: Runtime

    @property
    def engine(self) -> Engine:
        return self.runtime.engine

    def cli(self, *args: str) -> Result:
        """The command in a terminal wide enough for a table row to stay on one line."""
        return runner.invoke(app, [*args, "--config", str(self.config)], env={"COLUMNS": "200"})

    def deliver(self, store: str, topic: str, payload: Any, webhook_id: str, at: datetime) -> None:
        """Store a signed delivery in the inbox as intake does, unprocessed."""
        body = json.dumps(payload).encode()
        hook = ShopifyWebhook(topic, body, webhook_id, f"event-{webhook_id}", at)
        record = InboxRecord(
            "shopify",
            store,
            topic,
            webhook_id,
            hook.event_id,
            at,
            at,
            hook.headers(SECRET, DOMAINS[store]),
            body,
        )
        with self.engine.begin() as connection:
            write_records(connection, [record])

    def lose_facts_of(self, webhook_id: str) -> None:
        """A mapping bug's effect: the delivery's facts gone, its order folded without them."""
        with self.engine.begin() as connection:
            row = connection.execute(
                select(inbox.c.id, inbox.c.store_id, inbox.c.order_id).where(inbox.c.dedupe_key == webhook_id)
            ).one()
            removed = connection.execute(delete(facts).where(facts.c.inbox_id == row.id)).rowcount
            assert removed >= 1, f"delivery {webhook_id} gave no facts"
            self.runtime.processor.record_facts(connection, row.store_id, row.order_id, [])

    def order(self, store: str) -> dict[str, Any]:
        with self.engine.connect() as connection:
            state: dict[str, Any] = connection.execute(
                select(orders.c.state).where(
                    orders.c.store_id == store, orders.c.order_id == ORDER_IDS[store]
                )
            ).scalar_one()
        return state

    def inbox_row(self, inbox_id: int) -> dict[str, Any]:
        with self.engine.connect() as connection:
            row = connection.execute(
                select(inbox.c.status, inbox.c.attempts, inbox.c.error).where(inbox.c.id == inbox_id)
            ).one()
        return dict(row._mapping)

    def actions(self) -> list[tuple[Any, ...]]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(
                    inbox_actions.c.inbox_id,
                    inbox_actions.c.store_id,
                    inbox_actions.c.action,
                    inbox_actions.c.actor,
                    inbox_actions.c.reason,
                ).order_by(inbox_actions.c.id)
            )
            return [tuple(row) for row in rows]

    def dead_lettered(self) -> list[int]:
        with self.engine.connect() as connection:
            ids = connection.execute(
                select(dead_letters.c.inbox_id).where(dead_letters.c.inbox_id.is_not(None))
            ).scalars()
            return sorted(int(i) for i in ids)


@pytest.fixture
def deployment(tmp_path: Path, database_url: str) -> Iterator[Deployment]:
    """Both stores' orders placed with payment pending, paid ten minutes later, processed."""
    migrate(make_engine(database_url))
    config = _write_config(tmp_path, database_url)
    runtime = build_runtime(load_config(config))
    deployment = Deployment(config, runtime)
    placed = (runtime.clock() - timedelta(hours=1)).replace(microsecond=0)
    paid = placed + timedelta(minutes=10)
    for store, order_id in ORDER_IDS.items():
        deployment.deliver(
            store,
            "orders/create",
            _order_body(order_id, placed, placed, "pending"),
            f"{store}-create",
            placed,
        )
        deployment.deliver(
            store, "orders/paid", _order_body(order_id, placed, paid, "paid"), f"{store}-paid", paid
        )
    assert runtime.processor.run_until_idle() == 4
    yield deployment
    runtime.engine.dispose()


def _rows(engine: Engine, table: Any, *order_by: Any) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(select(table).order_by(*order_by))]


def _snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table a replay may write, surrogate ids included."""
    return {
        "orders": _rows(engine, orders, orders.c.store_id, orders.c.order_id),
        "facts": _rows(engine, facts, facts.c.id),
        "inbox": _rows(engine, inbox, inbox.c.id),
        "dead_letters": _rows(engine, dead_letters, dead_letters.c.id),
        "replay_facts": _rows(engine, replay_facts, replay_facts.c.id),
    }


def _derived(engine: Engine, store: str | None = None) -> dict[str, list[tuple[Any, ...]]]:
    """Orders (their timelines in their state) and facts, of `store` only when given,
    without the facts' surrogate ids: a swap writes an order's facts anew even when they
    are the same facts."""
    fact_columns = [c for c in facts.columns if c.name != "id"]
    with engine.connect() as connection:
        found = {
            "orders": connection.execute(select(orders).order_by(orders.c.store_id, orders.c.order_id)),
            "facts": connection.execute(
                select(*fact_columns).order_by(facts.c.store_id, facts.c.order_id, facts.c.fact_key)
            ),
        }
        return {
            name: [tuple(row) for row in rows if store is None or row.store_id == store]
            for name, rows in found.items()
        }


def _last_line(result: Result) -> str:
    return result.stdout.strip().splitlines()[-1]


def _one_line(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def worker(deployment: Deployment) -> Iterator[ProcessingLoop]:
    """A real processing worker on the same database, its heartbeat already written;
    stopping it (here or in the test) removes the heartbeat."""
    loop = processing_loop(deployment.runtime)
    loop.start()
    try:
        deadline = time.monotonic() + WORKER_START_TIMEOUT_S
        while not running_workers(deployment.engine, deployment.runtime.clock()):
            assert time.monotonic() < deadline, "the processing worker wrote no heartbeat"
            time.sleep(0.05)
        yield loop
    finally:
        loop.stop()


# -- beside a processing worker


def test_replay_refuses_while_a_processing_worker_beats_and_changes_nothing(
    deployment: Deployment, worker: ProcessingLoop
) -> None:
    deployment.lose_facts_of("shop1-paid")
    before = _snapshot(deployment.engine)

    result = deployment.cli("replay")

    assert result.exit_code == 2, result.output
    message = _one_line(result.stderr)
    assert "a processing worker is running on this database" in message
    assert message.endswith("or pass --force")
    assert result.stdout == ""
    assert _snapshot(deployment.engine) == before
    assert deployment.order("shop1")["payment_status"] == "pending"


def test_replay_with_force_runs_beside_a_processing_worker(
    deployment: Deployment, worker: ProcessingLoop
) -> None:
    deployment.lose_facts_of("shop1-paid")

    result = deployment.cli("replay", "--force")

    assert result.exit_code == 0, result.output
    assert _last_line(result) == "replayed 4 deliveries of 2 orders; 1 orders changed"
    assert deployment.order("shop1")["payment_status"] == "paid"


def test_replay_dry_run_is_allowed_beside_a_processing_worker(
    deployment: Deployment, worker: ProcessingLoop
) -> None:
    deployment.lose_facts_of("shop1-paid")

    result = deployment.cli("replay", "--dry-run")

    assert result.exit_code == 0, result.output
    assert _last_line(result) == "replayed 4 deliveries of 2 orders; 1 orders would change"
    assert deployment.order("shop1")["payment_status"] == "pending"


def test_replay_runs_without_force_once_the_worker_has_stopped(
    deployment: Deployment, worker: ProcessingLoop
) -> None:
    worker.stop()
    deployment.lose_facts_of("shop1-paid")

    result = deployment.cli("replay")

    assert running_workers(deployment.engine, deployment.runtime.clock()) == []
    assert result.exit_code == 0, result.output
    assert _last_line(result) == "replayed 4 deliveries of 2 orders; 1 orders changed"
    assert deployment.order("shop1")["payment_status"] == "paid"


# -- what a replay changes


def test_dry_run_lists_the_order_that_would_change_and_changes_nothing(deployment: Deployment) -> None:
    deployment.lose_facts_of("shop1-paid")
    before = _snapshot(deployment.engine)

    result = deployment.cli("replay", "--dry-run")

    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines() == [
        SHOP1_RESTORED,
        "replayed 4 deliveries of 2 orders; 1 orders would change",
    ]
    assert _snapshot(deployment.engine) == before


def test_replay_restores_an_order_a_mapping_bug_left_stale(deployment: Deployment) -> None:
    untouched = deployment.order("shop1")
    deployment.lose_facts_of("shop1-paid")

    result = deployment.cli("replay")

    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines() == [
        SHOP1_RESTORED,
        "replayed 4 deliveries of 2 orders; 1 orders changed",
    ]
    assert deployment.order("shop1") == untouched
    assert _snapshot(deployment.engine)["replay_facts"] == []


def test_replay_of_an_unchanged_database_changes_no_order(deployment: Deployment) -> None:
    before = _derived(deployment.engine)

    result = deployment.cli("replay")

    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines() == ["replayed 4 deliveries of 2 orders; 0 orders changed"]
    assert _derived(deployment.engine) == before


def test_replay_of_one_store_leaves_the_other_stores_orders_untouched(deployment: Deployment) -> None:
    deployment.lose_facts_of("shop1-paid")
    deployment.lose_facts_of("shop2-paid")
    before = _derived(deployment.engine, "shop2")

    result = deployment.cli("replay", "--store", "shop1")

    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines() == [
        SHOP1_RESTORED,
        "replayed 2 deliveries of 1 orders; 1 orders changed",
    ]
    assert deployment.order("shop1")["payment_status"] == "paid"
    assert deployment.order("shop2")["payment_status"] == "pending"
    assert _derived(deployment.engine, "shop2") == before


# -- the quarantine


@pytest.fixture
def quarantined(deployment: Deployment) -> int:
    """The inbox id of a shop1 orders/updated delivery the mapping refuses, processed."""
    at = deployment.runtime.clock().replace(microsecond=0)
    body = {**_order_body("5002", at, at, "paid"), "line_items": "not a list"}
    deployment.deliver("shop1", "orders/updated", body, "shop1-broken", at)
    assert deployment.runtime.processor.run_until_idle() == 1
    with deployment.engine.connect() as connection:
        inbox_id = int(
            connection.execute(select(inbox.c.id).where(inbox.c.dedupe_key == "shop1-broken")).scalar_one()
        )
    assert deployment.inbox_row(inbox_id)["status"] == "quarantined"
    return inbox_id


def test_inbox_list_shows_a_quarantined_delivery_with_its_reason(
    deployment: Deployment, quarantined: int
) -> None:
    reason = deployment.inbox_row(quarantined)["error"]

    result = deployment.cli("inbox", "list")

    assert result.exit_code == 0, result.output
    assert reason == "order 5002: line_items must be a list, got str"
    (row,) = [line for line in result.stdout.splitlines() if line.startswith(f"│ {quarantined} ")]
    cells = [cell.strip() for cell in row.strip("│").split("│")]
    assert cells[:3] == [str(quarantined), "shop1", "orders/updated"]
    assert cells[4:] == ["quarantined", "1", reason]
    assert _last_line(result) == "1 set aside"


def test_inbox_list_json_is_parseable_and_carries_the_reason(
    deployment: Deployment, quarantined: int
) -> None:
    result = deployment.cli("inbox", "list", "--json")

    assert result.exit_code == 0, result.output
    (item,) = json.loads(result.stdout)
    assert (item["id"], item["store_id"], item["topic"], item["status"], item["attempts"]) == (
        quarantined,
        "shop1",
        "orders/updated",
        "quarantined",
        1,
    )
    assert item["error"] == deployment.inbox_row(quarantined)["error"]


def test_inbox_skip_marks_the_delivery_skipped_and_records_who_and_why(
    deployment: Deployment, quarantined: int
) -> None:
    result = deployment.cli("inbox", "skip", str(quarantined), "--reason", "test order", "--by", "dana")

    assert result.exit_code == 0, result.output
    assert _last_line(result) == "1 deliveries skipped"
    assert deployment.inbox_row(quarantined) == {
        "status": "skipped",
        "attempts": 1,
        "error": "skipped: test order",
    }
    assert deployment.actions() == [(quarantined, "shop1", "skipped", "dana", "test order")]
    assert _last_line(deployment.cli("inbox", "list")) == "0 set aside"


def test_a_skipped_delivery_stays_out_of_a_replay(deployment: Deployment, quarantined: int) -> None:
    deployment.cli("inbox", "skip", str(quarantined), "--reason", "test order")

    result = deployment.cli("replay")

    assert result.exit_code == 0, result.output
    assert _last_line(result) == "replayed 4 deliveries of 2 orders; 0 orders changed"
    assert deployment.inbox_row(quarantined)["status"] == "skipped"


def test_replay_counts_a_delivery_that_still_does_not_map(deployment: Deployment, quarantined: int) -> None:
    result = deployment.cli("replay")

    assert result.exit_code == 0, result.output
    assert _last_line(result) == "replayed 5 deliveries of 2 orders; 0 orders changed; 1 quarantined"
    assert deployment.inbox_row(quarantined)["status"] == "quarantined"
    assert deployment.dead_lettered() == [quarantined]


def test_inbox_retry_of_an_unknown_id_exits_1_and_changes_nothing(
    deployment: Deployment, quarantined: int
) -> None:
    before = deployment.inbox_row(quarantined)

    result = deployment.cli("inbox", "retry", str(quarantined + 1000))

    assert result.exit_code == 1, result.output
    assert _last_line(result) == "0 deliveries back in line"
    assert deployment.inbox_row(quarantined) == before
    assert deployment.actions() == []


def test_inbox_retry_without_ids_or_all_is_refused(deployment: Deployment, quarantined: int) -> None:
    result = deployment.cli("inbox", "retry")

    assert result.exit_code == 2
    assert "name inbox ids, or --all" in result.stderr
    assert deployment.inbox_row(quarantined)["status"] == "quarantined"
    assert deployment.actions() == []


def test_inbox_retry_puts_the_named_delivery_back_in_line(deployment: Deployment, quarantined: int) -> None:
    result = deployment.cli("inbox", "retry", str(quarantined), "--by", "dana")

    assert result.exit_code == 0, result.output
    assert _last_line(result) == "1 deliveries back in line"
    assert deployment.inbox_row(quarantined) == {"status": "pending", "attempts": 0, "error": None}
    assert deployment.actions() == [(quarantined, "shop1", "retried", "dana", None)]
    assert deployment.dead_lettered() == []


def test_inbox_retry_all_puts_every_quarantined_delivery_back_in_line(
    deployment: Deployment, quarantined: int
) -> None:
    result = deployment.cli("inbox", "retry", "--all")

    assert result.exit_code == 0, result.output
    assert _last_line(result) == "1 deliveries back in line"
    assert deployment.inbox_row(quarantined) == {"status": "pending", "attempts": 0, "error": None}
    assert deployment.actions() == [(quarantined, "shop1", "retried", None, None)]


def test_a_retried_delivery_that_still_fails_is_quarantined_again(
    deployment: Deployment, quarantined: int
) -> None:
    deployment.cli("inbox", "retry", "--all")

    assert deployment.runtime.processor.run_until_idle() == 1

    assert deployment.inbox_row(quarantined)["status"] == "quarantined"
    assert deployment.dead_lettered() == [quarantined]


def test_a_second_replay_is_refused_while_one_runs_and_the_first_loses_nothing(
    deployment: Deployment,
) -> None:
    untouched = deployment.order("shop1")
    deployment.lose_facts_of("shop1-paid")
    refusals: list[str] = []

    def meanwhile(_: int) -> None:
        # The second replay starts while the first has staged its deliveries.
        result = deployment.cli("replay", "--dry-run")
        refusals.append(f"{result.exit_code}: {_one_line(result.output)}")

    replay_inbox(deployment.engine, deployment.runtime.processor, meanwhile)

    assert refusals and all(r.startswith("2: another replay is running on this database") for r in refusals)
    assert deployment.order("shop1") == untouched
    assert _snapshot(deployment.engine)["replay_facts"] == []
