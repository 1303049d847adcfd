"""The `orderline` command in scripts: no silent defaults, JSON from every listing and
report, whole values when piped, filter values refused as the API refuses them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert
from typer.testing import CliRunner

from orderline.cli import app
from orderline.domain.order_exceptions import EscalationDue, Finding
from orderline.domain.vocabulary import ExceptionType
from orderline.persistence import exception_records as records
from orderline.persistence.database import make_engine, migrate
from orderline.persistence.tables import dead_letters

runner = CliRunner()

LONG_STORE = "demo-shopify-with-a-rather-long-store-identifier"
OPENED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A SQLite deployment with three open exceptions of a store with a long id."""
    database = tmp_path / "orderline.db"
    engine = make_engine(f"sqlite:///{database}")
    migrate(engine)
    with engine.begin() as connection:
        for n in range(3):
            finding = Finding(
                ExceptionType.PAYMENT_FAILED,
                "payment_failed:declined",
                OPENED + timedelta(minutes=n),
                "support",
                "the card was declined by the issuing bank",
                None,
                (EscalationDue(1, OPENED + timedelta(days=3650), "support_lead"),),
            )
            records.open_exception(connection, LONG_STORE, f"order-{n}", finding, level_reached=0)
    engine.dispose()
    path = tmp_path / "orderline.yaml"
    path.write_text(f"database_url: sqlite:///{database}\n")
    return path


def test_a_missing_config_file_is_refused_naming_the_places_looked_at(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ORDERLINE_CONFIG", raising=False)

    result = runner.invoke(app, ["exceptions", "list"])

    assert result.exit_code == 2
    for place in ("--config: not given", "$ORDERLINE_CONFIG: not set", "./orderline.yaml: not found"):
        assert place in result.output
    assert "orderline init" in result.output
    assert list(tmp_path.iterdir()) == []  # no orderline.db created


def test_a_config_named_by_the_variable_but_missing_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    result = runner.invoke(app, ["token", "list"], env={"ORDERLINE_CONFIG": str(tmp_path / "gone.yaml")})
    checked = runner.invoke(app, ["check-config", "--config", str(tmp_path / "other.yaml")])

    assert result.exit_code == 2 and "gone.yaml (not found)" in result.output
    assert checked.exit_code == 2 and "other.yaml (not found)" in checked.output


def test_init_writes_a_file_check_config_accepts_and_never_overwrites(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ORDERLINE_CONFIG", raising=False)

    written = runner.invoke(app, ["init"])
    checked = runner.invoke(app, ["check-config"])
    again = runner.invoke(app, ["init"])
    elsewhere = runner.invoke(app, ["init", "--path", "other.yaml"])

    assert written.exit_code == 0, written.output
    assert checked.exit_code == 0, checked.output
    assert "my-shop" in checked.output
    assert again.exit_code == 2 and "exists" in again.output
    assert elsewhere.exit_code == 0 and (tmp_path / "other.yaml").read_text().startswith("#")


def test_check_config_json_lists_problems_or_the_ownership(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("stores: []\n")
    broken = tmp_path / "broken.yaml"
    broken.write_text("stores:\n  - id: a\n    platform: magento\n")

    ok = runner.invoke(app, ["check-config", "--json", "--config", str(good)])
    bad = runner.invoke(app, ["check-config", "--json", "--config", str(broken)])

    assert ok.exit_code == 0 and bad.exit_code == 1
    report = json.loads(ok.stdout)
    owners = {(row["kind"], row["name"]): row["owner"] for row in report["ownership"]}
    assert report["ok"] and owners[("exception", "fraud_review")] == "operations"
    problems = json.loads(bad.stdout)["problems"]
    assert any(p["key"] == "stores[0].platform" for p in problems)


def test_every_listing_and_report_answers_parseable_json(config: Path) -> None:
    commands = [
        ["exceptions", "list"],
        ["token", "list"],
        ["inbox", "list"],
        ["inbox", "dead-letters"],
        ["audit", "messages", "--now", "2026-11-03T09:00"],
        ["audit", "webhooks", "--now", "2026-11-03T09:00"],
        ["audit", "statuses"],
        ["audit", "tickets", "--now", "2026-11-03T09:00"],
        ["tick", "--now", "2026-11-03T09:00"],
        ["replay", "--dry-run"],
        ["check-config"],
        ["scorecard", "--week", "2026-W44"],
        ["rollout"],
        ["reconcile", "--list"],
    ]
    for command in commands:
        result = runner.invoke(app, [*command, "--json", "--config", str(config)])
        assert result.exit_code in (0, 1), (command, result.output)
        json.loads(result.stdout)

    listed = json.loads(runner.invoke(app, ["exceptions", "list", "--json", "--config", str(config)]).stdout)
    assert [item["order_id"] for item in listed["items"]] == ["order-0", "order-1", "order-2"]
    assert listed["items"][0]["store_id"] == LONG_STORE and listed["total"] == 3


def test_tickets_import_reports_json(config: Path, tmp_path: Path) -> None:
    tickets = tmp_path / "tickets.csv"
    tickets.write_text("ticket_id,created_at,subject,requester_email,order_number\n1,yesterday,Hi,,\n")

    result = runner.invoke(app, ["tickets", "import", str(tickets), "--json", "--config", str(config)])

    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["imported"] == 0 and len(report["problems"]) == 1


def test_deliver_json_needs_once(config: Path) -> None:
    result = runner.invoke(app, ["deliver", "--json", "--config", str(config)])

    assert result.exit_code == 2 and "--once" in result.output


def test_a_table_piped_from_a_narrow_terminal_keeps_every_value_whole(config: Path) -> None:
    result = runner.invoke(app, ["exceptions", "list", "--config", str(config)], env={"COLUMNS": "40"})

    assert result.exit_code == 0, result.output
    assert "…" not in result.stdout
    assert LONG_STORE in result.stdout
    assert "the card was declined by the issuing bank" in result.stdout
    assert OPENED.isoformat().replace("+00:00", "Z") in result.stdout


def test_a_cut_listing_says_how_much_it_shows(config: Path) -> None:
    cut = runner.invoke(app, ["exceptions", "list", "--limit", "2", "--config", str(config)])
    whole = runner.invoke(app, ["exceptions", "list", "--config", str(config)])
    as_json = json.loads(
        runner.invoke(app, ["exceptions", "list", "--limit", "2", "--json", "--config", str(config)]).stdout
    )

    assert "showing 2 of 3" in cut.stdout and "--limit" in cut.stdout
    assert "showing" not in whole.stdout
    assert (as_json["shown"], as_json["total"]) == (2, 3)


@pytest.mark.parametrize(
    ("option", "value", "allowed"),
    [("--sla", "late", "due_soon"), ("--owner", "nobody", "support"), ("--type", "nope", "fraud_review")],
)
def test_a_filter_value_nothing_can_match_is_refused(
    config: Path, option: str, value: str, allowed: str
) -> None:
    result = runner.invoke(app, ["exceptions", "list", option, value, "--config", str(config)])

    assert result.exit_code == 2
    assert allowed in result.output


def test_filters_that_match_still_list(config: Path) -> None:
    result = runner.invoke(
        app,
        ["exceptions", "list", "--sla", "ok", "--owner", "support", "--type", "payment_failed", "--json",
         "--config", str(config)],
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["total"] == 3


def test_dead_letters_are_listed_whole_with_their_reasons(config: Path) -> None:
    engine = make_engine(f"sqlite:///{config.parent / 'orderline.db'}")
    with engine.begin() as connection:
        for n in range(3):
            connection.execute(
                insert(dead_letters).values(
                    received_at=OPENED + timedelta(minutes=n), platform="shopify", store_id=LONG_STORE,
                    path="/webhooks/shopify", status_code=401, reason=f"missing or invalid signature {n}",
                    headers={}, body=b"{}",
                )
            )  # fmt: skip
    engine.dispose()

    listed = runner.invoke(app, ["inbox", "dead-letters", "--json", "--config", str(config)])
    table = runner.invoke(app, ["inbox", "dead-letters", "--limit", "2", "--config", str(config)])

    assert [(row["reason"], row["received_at"]) for row in json.loads(listed.stdout)] == [
        ("missing or invalid signature 2", "2026-11-02T09:02:00Z"),
        ("missing or invalid signature 1", "2026-11-02T09:01:00Z"),
        ("missing or invalid signature 0", "2026-11-02T09:00:00Z"),
    ]
    assert LONG_STORE in table.stdout and "missing or invalid signature 2" in table.stdout
    assert "first 2 dead letters; there are more, use --limit" in table.stdout
