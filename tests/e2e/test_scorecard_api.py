"""`GET /api/v1/scorecard` over HTTP on a real database: the week's scorecard as JSON,
CSV and the HTML report, what the service computes; a bad week answers 422 and an
unknown store 404, as RFC 9457 problems."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from orderline.bootstrap import Runtime, build_web_context, scorecard_reports
from orderline.domain.scorecard.weeks import IsoWeek
from orderline.persistence import tokens
from orderline.reports.scorecard_data import scorecard_to_dict
from orderline.web.app import create_app
from tests.e2e.problems import PROBLEM_JSON, problem
from tests.e2e.scorecard_world import ODD_CARRIER, seeded_runtime

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
"""Wednesday of 2026-W49: 2026-W48 is the last complete week."""
WEEK_47_MONDAY = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
WEEK_48_MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@dataclass
class Api:
    client: TestClient
    runtime: Runtime
    viewer: dict[str, str]

    def get(self, query: str, headers: dict[str, str] | None = None) -> Any:
        return self.client.get(
            f"/api/v1/scorecard{query}", headers=self.viewer if headers is None else headers
        )


@pytest.fixture
def api(tmp_path: Path, database_url: str) -> Iterator[Api]:
    """Weeks 47 and 48 of 2026 seeded; the clock stands still at NOW; a viewer's token."""
    runtime = seeded_runtime(tmp_path, database_url, [WEEK_47_MONDAY, WEEK_48_MONDAY], lambda: NOW)
    with runtime.engine.begin() as connection:
        value = tokens.create_token(connection, name="viewer", role="viewer", now=NOW)
    with TestClient(create_app(build_web_context(runtime))) as client:
        yield Api(client, runtime, {"Authorization": f"Bearer {value}"})
    runtime.engine.dispose()


def test_json_is_the_last_complete_weeks_scorecard_by_default(api: Api) -> None:
    response = api.get("")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert (body["week"], body["store"], body["generated_at"]) == ("2026-W48", "all", "2026-12-02T09:00:00Z")
    assert body["orders"] == 6 and body["unshipped"]["count"] == 1
    headline = {figure["kpi"]: figure for figure in body["headline"]}
    assert (headline["ship_first_p50_hours"]["value"], headline["ship_first_p90_hours"]["value"]) == (
        30.0,
        46.0,
    )
    assert (headline["ship_first_p50_hours"]["previous"], headline["ship_first_p50_hours"]["change"]) == (
        30.0,
        0.0,
    )
    assert headline["ship_first_p50_hours"]["target"] == {
        "green": 24.0,
        "amber": 48.0,
        "higher_is_better": False,
    }
    assert headline["ship_first_p50_hours"]["rating"] == "amber"
    assert [point["week"] for point in body["trend"]] == [
        str(IsoWeek(2026, 48).shifted(n)) for n in range(-7, 1)
    ]
    carriers = {row["key"]: row["orders"] for row in body["cycle_time"] if row["dimension"] == "carrier"}
    assert carriers == {"DHL": 3, ODD_CARRIER: 2}


def test_json_equals_the_services_scorecard_rendered(api: Api) -> None:
    body = api.get("?week=2026-W47&store=shop1").json()

    expected = scorecard_to_dict(scorecard_reports(api.runtime).build(IsoWeek(2026, 47), "shop1"))
    assert body == expected
    assert (body["week"], body["store"], body["orders"]) == ("2026-W47", "shop1", 6)
    assert [point["values"]["ship_first_p50_hours"] for point in body["trend"]][-2:] == [None, 30.0]


def test_csv_is_the_long_format_with_a_download_name(api: Api) -> None:
    response = api.get("?week=2026-W48&store=shop1&format=csv")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'inline; filename="scorecard-2026-W48-shop1.csv"'
    rows = list(csv.DictReader(io.StringIO(response.text, newline="")))
    headline = {row["metric"]: row for row in rows if row["section"] == "headline"}
    assert (headline["ship_first_p50_hours"]["value"], headline["ship_first_p90_hours"]["value"]) == (
        "30.0",
        "46.0",
    )
    assert headline["ship_first_p50_hours"]["key"] == "shop1"
    carrier_rows = [row for row in rows if row["dimension"] == "carrier" and row["metric"] == "orders"]
    assert [(row["key"], row["value"]) for row in carrier_rows] == [("DHL", "3"), (ODD_CARRIER, "2")]


def test_html_is_the_report_and_may_load_nothing(api: Api) -> None:
    response = api.get("?week=2026-W48&format=html")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["content-security-policy"] == "default-src 'none'; style-src 'unsafe-inline'"
    page = response.text
    assert page.startswith("<!DOCTYPE html>")
    assert 'data-chart="distribution"' in page and 'data-chart="pareto"' in page
    assert "Post &amp; &#34;Parcel&#34; &lt;Express&gt; [b]" in page and ODD_CARRIER not in page


@pytest.mark.parametrize(
    ("week", "message"),
    [
        ("2026-48", "expected an ISO week like 2026-W48, got '2026-48'"),
        ("2025-W53", "2025 has no ISO week 53"),
        ("2026-W50", "2026-W50 has not started yet (the current week is 2026-W49)"),
        ("1969-W52", "1969-W52 is before 1970-W01, the first week reported"),
    ],
)
def test_a_bad_week_is_a_422_problem_naming_the_week(api: Api, week: str, message: str) -> None:
    response = api.get(f"?week={week}")

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json() == problem(
        422, f"query.week: {message}", errors=[{"field": "query.week", "message": message}]
    )


def test_the_current_week_so_far_can_be_read(api: Api) -> None:
    response = api.get("?week=2026-W49")

    assert response.status_code == 200 and response.json()["orders"] == 0


def test_an_unknown_store_is_a_404_problem(api: Api) -> None:
    response = api.get("?store=nope")

    assert response.status_code == 404
    assert response.json() == problem(404, "no store 'nope' in the configuration (stores: shop1)")


def test_an_unknown_format_is_refused_422(api: Api) -> None:
    response = api.get("?format=pdf")

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["query.format"]


def test_no_token_no_scorecard(api: Api) -> None:
    response = api.get("", headers={})

    assert response.status_code == 401
