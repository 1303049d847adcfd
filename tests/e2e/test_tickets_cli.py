"""`orderline tickets import` as a user runs it, on a SQLite file named in a config file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from orderline.cli import app
from orderline.persistence.database import make_engine, migrate
from orderline.persistence.messaging_tables import support_tickets
from tests.integration.test_ticket_ingest import seed_order

runner = CliRunner()

GOOD_CSV = (
    "ticket_id,created_at,subject,requester_email,order_number\n"
    "201,2026-11-02T09:30:00Z,Where is my order?,,1001\n"
    "202,2026-11-03T09:30:00Z,Hello,stranger@example.com,\n"
)
BAD_ROW_CSV = GOOD_CSV + "203,last tuesday,Late,,\n"


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A config with one store whose order #1001 is known."""
    database = tmp_path / "orderline.db"
    engine = make_engine(f"sqlite:///{database}")
    migrate(engine)
    with engine.begin() as connection:
        seed_order(
            connection, "shop1", "o-1001", "#1001", "ann@example.com", datetime(2026, 11, 1, tzinfo=UTC)
        )
    engine.dispose()
    path = tmp_path / "orderline.yaml"
    path.write_text(
        f"database_url: sqlite:///{database}\n"
        "stores:\n  - {id: shop1, platform: shopify, shop_domain: s1.myshopify.com, webhook_secrets: [x]}\n"
    )
    return path


def _stored(config: Path) -> list[tuple[str, str, str | None]]:
    engine = make_engine(f"sqlite:///{config.parent / 'orderline.db'}")
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                support_tickets.c.helpdesk, support_tickets.c.ticket_id, support_tickets.c.order_id
            ).order_by(support_tickets.c.ticket_id)
        ).all()
    engine.dispose()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def test_import_prints_a_summary_and_a_second_run_adds_nothing(config: Path, tmp_path: Path) -> None:
    tickets = tmp_path / "tickets.csv"
    tickets.write_text(GOOD_CSV)

    first = runner.invoke(app, ["tickets", "import", str(tickets), "--config", str(config)])
    second = runner.invoke(app, ["tickets", "import", str(tickets), "--config", str(config)])

    assert first.exit_code == 0, first.output
    assert "imported 2, updated 0, linked 1; 0 problems" in first.output
    assert second.exit_code == 0, second.output
    assert "imported 0, updated 2, linked 1; 0 problems" in second.output
    assert _stored(config) == [("csv", "201", "o-1001"), ("csv", "202", None)]


def test_import_with_bad_rows_lists_them_and_exits_1(config: Path, tmp_path: Path) -> None:
    tickets = tmp_path / "tickets.csv"
    tickets.write_text(BAD_ROW_CSV)

    result = runner.invoke(
        app, ["tickets", "import", str(tickets), "--config", str(config), "--helpdesk", "zendesk"]
    )

    assert result.exit_code == 1
    assert "imported 2, updated 0, linked 1; 1 problem" in result.output
    assert "row 4: column created_at: 'last tuesday' is not an ISO 8601" in result.output
    assert _stored(config) == [("zendesk", "201", "o-1001"), ("zendesk", "202", None)]


def test_missing_file_is_a_clear_error(config: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["tickets", "import", str(tmp_path / "nope.csv"), "--config", str(config)])

    assert result.exit_code == 2
    assert "no such file" in result.output and "nope.csv" in result.output
    assert _stored(config) == []


def test_file_without_the_header_imports_nothing(config: Path, tmp_path: Path) -> None:
    tickets = tmp_path / "tickets.csv"
    tickets.write_text("id,title\n1,Hello\n")

    result = runner.invoke(app, ["tickets", "import", str(tickets), "--config", str(config)])

    assert result.exit_code == 1
    assert "nothing imported" in result.output and "ticket_id" in result.output
    assert _stored(config) == []


def test_help_names_the_csv_columns() -> None:
    result = runner.invoke(app, ["tickets", "import", "--help"])

    assert result.exit_code == 0
    for column in ("ticket_id", "created_at", "subject", "requester_email", "order_number", "status"):
        assert column in result.output
