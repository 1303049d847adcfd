"""`orderline scorecard` as a user runs it, on a SQLite file named in a config file: the
last complete week by default, tables whole when piped, JSON, CSV and the HTML report, to
standard output or a file; a bad week or an unknown store refused with exit 2.

The command reads the clock (`ORDERLINE_CLOCK_OFFSET` included), so the orders are
seeded in the last complete week before the clock's now, whatever today's date."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orderline.cli import app
from orderline.clock import OFFSET_VARIABLE, clock_offset, system_clock
from orderline.domain.scorecard.weeks import IsoWeek
from tests.e2e.scorecard_world import ODD_CARRIER, seeded_runtime

runner = CliRunner()


def last_complete_week() -> IsoWeek:
    return IsoWeek.of_date(system_clock().date()).shifted(-1)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """One store (shop1, UTC) with six orders in the last complete week."""
    week = last_complete_week()
    monday_9am = datetime.combine(week.monday, time(9), system_clock().tzinfo)
    runtime = seeded_runtime(tmp_path, f"sqlite:///{tmp_path / 'orderline.db'}", [monday_9am], system_clock)
    runtime.close()
    return tmp_path / "orderline.yaml"


def scorecard(config: Path, *options: str, columns: int = 100) -> tuple[int, str, str]:
    result = runner.invoke(
        app, ["scorecard", *options, "--config", str(config)], env={"COLUMNS": str(columns)}
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result.exit_code, result.stdout, result.stderr


TABLE_TEXTS = [
    "Headline", "Order to first shipment, p50", "30.0 h", "46.0 h", "amber", ODD_CARRIER, "Exception rate",
    "Support tickets", "Workflows by risk", "Not shipped yet: 1 order;",
]  # fmt: skip


def test_the_table_shows_the_last_complete_week_whole_when_piped(config: Path) -> None:
    code, out, _ = scorecard(config, columns=40)

    assert code == 0, out
    assert out.startswith(f"Scorecard {last_complete_week()} · all stores · 6 orders (0 cancelled)")
    assert "…" not in out
    shown = [text for text in TABLE_TEXTS if text in out]
    assert shown == TABLE_TEXTS


def test_json_is_the_scorecards_data(config: Path) -> None:
    code, out, _ = scorecard(config, "--format", "json")
    shortcut = json.loads(scorecard(config, "--json")[1])

    assert code == 0
    data = json.loads(out)
    assert (data["week"], data["store"], data["orders"]) == (str(last_complete_week()), "all", 6)
    assert data["generated_at"].endswith("Z")
    headline = {figure["kpi"]: figure["value"] for figure in data["headline"]}
    assert (headline["ship_first_p50_hours"], headline["ship_first_p90_hours"]) == (30.0, 46.0)
    assert [(b["low_hours"], b["orders"]) for b in data["distribution"] if b["orders"]] == [
        (6.0, 1), (12.0, 1), (24.0, 2), (48.0, 1),
    ]  # fmt: skip
    assert {key: value for key, value in shortcut.items() if key != "generated_at"} == {
        key: value for key, value in data.items() if key != "generated_at"
    }


def test_csv_has_a_row_per_figure(config: Path) -> None:
    code, out, _ = scorecard(config, "--format", "csv", "--store", "shop1")

    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    assert rows[1] == {
        "section": "scorecard", "dimension": "all", "key": "shop1", "metric": "store", "value": "shop1",
        "previous": "", "target_green": "", "target_amber": "", "rating": "",
    }  # fmt: skip
    p50 = next(row for row in rows if row["metric"] == "ship_first_p50_hours")
    assert (p50["value"], p50["target_green"], p50["target_amber"], p50["rating"]) == (
        "30.0",
        "24.0",
        "48.0",
        "amber",
    )


def test_html_goes_to_standard_output_or_to_the_named_file(config: Path, tmp_path: Path) -> None:
    report = tmp_path / "reports" / "week.html"
    report.parent.mkdir()

    code, out, _ = scorecard(config, "--format", "html")
    written_code, written_out, _ = scorecard(config, "-f", "html", "--output", str(report))

    assert code == 0 and out.startswith("<!DOCTYPE html>") and out.endswith("</html>\n")
    assert written_code == 0
    assert written_out == f"wrote the html scorecard of {last_complete_week()} (all) to {report}\n"
    page = report.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and 'data-chart="distribution"' in page


def test_a_table_written_to_a_file_is_plain_text(config: Path, tmp_path: Path) -> None:
    report = tmp_path / "week.txt"

    code, _, _ = scorecard(config, "--output", str(report))

    text = report.read_text(encoding="utf-8")
    assert code == 0 and text.startswith(f"Scorecard {last_complete_week()}")
    assert "\x1b[" not in text and ODD_CARRIER in text


def test_a_named_week_and_the_baseline_flag(config: Path) -> None:
    week = last_complete_week().shifted(-1)

    data = json.loads(scorecard(config, "--week", str(week), "--baseline", "--json")[1])

    assert (data["week"], data["orders"], data["is_baseline"]) == (str(week), 0, True)


@pytest.mark.parametrize(
    ("week", "message"),
    [("2026-48", "expected an ISO week like 2026-W48"), ("2025-W53", "2025 has no ISO week 53")],
)
def test_a_week_that_is_none_is_refused_with_exit_2(
    config: Path, tmp_path: Path, week: str, message: str
) -> None:
    target = tmp_path / "never.json"

    code, out, err = scorecard(config, "--week", week, "--json", "--output", str(target))

    assert code == 2 and out == ""
    assert "--week" in err and message in err
    assert not target.exists()


def test_a_week_not_started_yet_is_refused_with_exit_2(config: Path) -> None:
    current = last_complete_week().shifted(1)
    future = current.shifted(1)

    code, out, err = scorecard(config, "--week", str(future), columns=200)

    assert code == 2 and out == ""
    assert f"{future} has not started yet (the current week is {current})" in err


def test_an_unknown_store_is_refused_naming_the_configured_ones(config: Path) -> None:
    code, out, err = scorecard(config, "--store", "nope", columns=200)

    assert code == 2 and out == ""
    assert "'nope' is not a configured store (shop1)." in err


def test_json_and_another_format_contradict(config: Path) -> None:
    code, _, err = scorecard(config, "--json", "--format", "csv", columns=200)

    assert code == 2 and "--json contradicts --format csv" in err


def test_an_unwritable_output_is_exit_2(config: Path, tmp_path: Path) -> None:
    code, _, err = scorecard(config, "--json", "--output", str(tmp_path / "missing" / "x.json"), columns=200)

    assert code == 2 and "cannot write" in err


def test_help_names_every_option() -> None:
    result = runner.invoke(app, ["scorecard", "--help"], env={"COLUMNS": "200"})

    assert result.exit_code == 0
    for option in ("--week", "--store", "--format", "--output", "--baseline", "--json", "--config"):
        assert option in result.stdout
    assert "table|json|csv|html" in result.stdout and "2026-W48" in result.stdout


def test_no_orders_since_the_clock_moved_is_still_a_scorecard(config: Path) -> None:
    # Two weeks on: the seeded week is out of the last complete week, which has no order.
    later = runner.invoke(
        app, ["scorecard", "--config", str(config)], env={OFFSET_VARIABLE: _offset_plus(timedelta(days=14))}
    )

    assert later.exit_code == 0, later.output
    assert "No orders were placed this week" in later.stdout


def _offset_plus(more: timedelta) -> str:
    """The offset the test run already uses (ORDERLINE_CLOCK_OFFSET), plus `more`."""
    seconds = int((clock_offset() + more).total_seconds())
    return f"-{-seconds}s" if seconds < 0 else f"{seconds}s"
