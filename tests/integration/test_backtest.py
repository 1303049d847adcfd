"""`orderline backtest`: a candidate policy replayed on history built through the real pipeline."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import typer
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from orderline.cli.backtest import backtest
from orderline.connectors.shopify import ShopifyConnector
from orderline.domain.order_exceptions import DEFAULT_CALENDAR, DEFAULT_POLICY
from orderline.persistence.database import make_engine, migrate
from orderline.persistence.exception_tables import order_exceptions
from orderline.persistence.inbox import InboxRecord, write_records
from orderline.services.backtest import replay_end
from orderline.services.processing import Processor
from orderline.services.scheduler import tick
from orderline.simulation.shopify import generate_order_history

START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
SHOP = "backtest-shop.myshopify.com"
SECRET = "backtest-secret"
STRICT = """\
exceptions:
  payment_failed: {pending_after: 1h}
  fulfillment_delayed: {sla_business_hours: 8}
"""

app = typer.Typer()
app.command()(backtest)
runner = CliRunner()


def _history(database: Path, orders: int = 3, seed: int = 4) -> Engine:
    """`orders` simulated Shopify orders, an hour apart, signed, stored in the inbox and processed."""
    engine = make_engine(f"sqlite:///{database}")
    migrate(engine)
    rng = random.Random(seed)
    webhooks = [
        w
        for n in range(orders)
        for w in generate_order_history(rng, order_id=100 + n, start=START + timedelta(hours=n))
    ]
    records = [
        InboxRecord(
            platform="shopify",
            store_id="s1",
            topic=w.topic,
            dedupe_key=w.webhook_id,
            event_id=w.event_id,
            received_at=w.triggered_at,
            triggered_at=w.triggered_at,
            headers=w.headers(SECRET, SHOP),
            body=w.body,
        )
        for w in webhooks
    ]
    with engine.begin() as connection:
        write_records(connection, records)
    Processor(engine, {"shopify": ShopifyConnector()}, lambda: START + timedelta(days=30)).run_until_idle()
    return engine


def _files(tmp_path: Path, candidate_text: str = "") -> tuple[Path, Path]:
    database = tmp_path / "history.db"
    _history(database).dispose()
    current = tmp_path / "current.yaml"
    current.write_text(f"database_url: sqlite:///{database}\n")
    candidate = tmp_path / "candidate.yaml"
    candidate.write_text(candidate_text)
    return current, candidate


def _run(current: Path, candidate: Path, since: str = "2026-11-01") -> tuple[int, str]:
    args = ["--candidate", str(candidate), "--since", since, "--config", str(current)]
    result = runner.invoke(app, args)
    return result.exit_code, result.output


def _rows(output: str) -> list[str]:
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("-----")) + 1
    end = lines.index("", start)
    return [" ".join(line.split()) for line in lines[start:end]]


def test_default_policy_on_a_three_order_history(tmp_path: Path) -> None:
    current, candidate = _files(tmp_path)

    code, output = _run(current, candidate)

    assert code == 0, output
    assert "orders replayed: 3" in output
    assert _rows(output) == [
        "fraud_review operations 1 1 1 0",
        "payment_failed support 1 1 1 1",
        "split_shipment operations 1 0 1 0",
        "total 3 2 3 1",
    ]
    assert "actually happened: no exception history recorded yet" in output
    assert "messages: not modelled yet" in output


def test_a_stricter_candidate_opens_more(tmp_path: Path) -> None:
    current, candidate = _files(tmp_path, STRICT)

    code, output = _run(current, candidate)

    assert code == 0, output
    assert _rows(output) == [
        "fraud_review operations 1 1 1 0",
        "fulfillment_delayed operations 2 0 2 1",
        "payment_failed support 1 1 1 1",
        "split_shipment operations 1 0 1 0",
        "total 5 2 5 2",
    ]


def test_orders_placed_before_since_are_not_replayed(tmp_path: Path) -> None:
    current, candidate = _files(tmp_path)

    code, output = _run(current, candidate, since="2026-11-02T09:30:00")

    assert code == 0, output
    assert "orders replayed: 1" in output


def test_two_runs_print_identical_output(tmp_path: Path) -> None:
    current, candidate = _files(tmp_path, STRICT)

    first, second = _run(current, candidate), _run(current, candidate)

    assert first == second
    assert first[0] == 0


def test_what_actually_happened_is_shown_next_to_the_candidate(tmp_path: Path) -> None:
    current, candidate = _files(tmp_path)
    engine = make_engine(f"sqlite:///{tmp_path / 'history.db'}")
    tick(engine, lambda _s: DEFAULT_POLICY, lambda _s: DEFAULT_CALENDAR, START + timedelta(days=30))
    with engine.connect() as connection:
        recorded = connection.execute(select(func.count()).select_from(order_exceptions)).scalar_one()
    engine.dispose()

    code, output = _run(current, candidate)

    assert code == 0, output
    assert "actually opened" in output.splitlines()[3]
    assert "no exception history recorded yet" not in output
    total = _rows(output)[-1].split()
    assert total[:5] == ["total", "3", "2", "3", "1"]
    assert int(total[5]) == recorded


def test_a_bad_candidate_exits_2_with_the_problem_and_prints_no_report(tmp_path: Path) -> None:
    current, candidate = _files(tmp_path, "exceptions:\n  payment_failed: {pending_after: 24}\n")

    code, output = _run(current, candidate)

    assert code == 2
    assert "exceptions.payment_failed.pending_after: 24 is not a duration" in output
    assert "orders replayed" not in output


def test_replay_follows_an_order_past_its_last_fact_by_the_longest_horizon() -> None:
    # Default policy: the longest threshold is the 7-day authorization validity (longer than
    # 48 business hours from a Friday evening), the longest ladder 72 h (backorder).
    last_fact = datetime(2026, 11, 6, 18, 0, tzinfo=UTC)

    end = replay_end(DEFAULT_POLICY, DEFAULT_CALENDAR, last_fact)

    assert end == last_fact + timedelta(days=7) + timedelta(hours=72)
