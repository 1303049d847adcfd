"""The HTML report opens in Debian's Chromium with the network blocked (issue 13,
acceptance 4): the scorecard of a real week, computed by the service over orders that came
in as webhooks, rendered to a file, opened through Playwright; each chart is drawn (its
marks have a size on the page) and a full-page screenshot is saved.

Every request other than the report's own file:// URL is aborted and recorded; a guard
test shows the recording works, so "nothing was requested" means something. The browser
is /usr/bin/chromium (or $ORDERLINE_CHROMIUM), installed by scripts/setup-browser; without
it the tests skip, except on CI, where they fail.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, Route, sync_playwright

from orderline.bootstrap import scorecard_reports
from orderline.domain.scorecard.figures import Scorecard
from orderline.domain.scorecard.weeks import IsoWeek
from orderline.persistence.reconcile_tables import drift_incidents
from orderline.reports.scorecard_html import render_html
from tests.e2e.scorecard_world import ODD_CARRIER, seeded_runtime

CHROMIUM = Path(os.environ.get("ORDERLINE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
WEEK = IsoWeek(2026, 48)
MONDAYS = [datetime(2026, 11, 16, 9, 0, tzinfo=UTC), datetime(2026, 11, 23, 9, 0, tzinfo=UTC)]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _require_chromium() -> None:
    if CHROMIUM.is_file():
        return
    reason = f"no Chromium at {CHROMIUM}: run scripts/setup-browser (installs Debian's chromium)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason + "; CI must run the browser tests")
    pytest.skip(reason)


@dataclass
class Browser:
    page: Page
    blocked: list[str]
    """URLs the page tried to load and the guard aborted."""


@contextmanager
def opened(report: Path) -> Iterator[Browser]:
    """`report` open in Chromium, every other URL aborted and recorded."""
    own_url = report.as_uri()
    blocked: list[str] = []

    def guard(route: Route) -> None:
        if route.request.url == own_url:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.route("**/*", guard)
            page = context.new_page()
            page.goto(own_url, wait_until="load")
            yield Browser(page, blocked)
        finally:
            browser.close()


@pytest.fixture
def card(tmp_path: Path) -> Scorecard:
    """2026-W48 of a store with orders and a drift incident in weeks 47 and 48, through the
    real service: every headline figure has two points to draw."""
    runtime = seeded_runtime(tmp_path, f"sqlite:///{tmp_path / 'orderline.db'}", MONDAYS, lambda: NOW)
    with runtime.engine.begin() as connection:
        connection.execute(
            drift_incidents.insert(),
            [
                {"store_id": "shop1", "order_id": str(index), "source": "reconciliation", "fields": [],
                 "changed_at": monday, "detected_at": monday + timedelta(hours=2 + index)}
                for index, monday in enumerate(MONDAYS)
            ],
        )  # fmt: skip
    try:
        return scorecard_reports(runtime).build(WEEK)
    finally:
        runtime.close()


@pytest.fixture
def chromium() -> None:
    _require_chromium()


def _box(element: Locator) -> tuple[float, float]:
    box = element.bounding_box()
    assert box is not None, "not rendered"
    return box["width"], box["height"]


def _drawn(chart: Locator, selector: str) -> list[tuple[float, float]]:
    """The on-page size of each of the chart's marks that `selector` names."""
    return [_box(mark) for mark in chart.locator(selector).all()]


def test_the_report_opens_offline_and_every_chart_is_drawn(
    card: Scorecard, tmp_path: Path, chromium: None
) -> None:
    report = tmp_path / "scorecard-2026-W48.html"
    report.write_text(render_html(card), encoding="utf-8")
    screenshot = tmp_path / "scorecard-2026-W48.png"

    with opened(report) as browser:
        page = browser.page
        assert page.title() == "Scorecard 2026-W48 — all stores"
        _histogram_is_drawn(page, card)
        _trends_are_drawn(page, card)
        _pareto_is_drawn(page, card)
        assert page.get_by_text(ODD_CARRIER, exact=True).count() == 1  # shown as text, not markup
        page.screenshot(path=str(screenshot), full_page=True)

    assert browser.blocked == []
    png = screenshot.read_bytes()
    assert png.startswith(PNG_SIGNATURE)
    width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk: the image's size
    assert width == 1280 and height > 900


def _histogram_is_drawn(page: Page, card: Scorecard) -> None:
    histogram = page.locator('svg[data-chart="distribution"]')
    width, height = _box(histogram)
    assert width > 0 and height > 0
    assert histogram.locator("title").first.text_content() == "Orders by hours to first shipment, 2026-W48"
    bars = _drawn(histogram, "rect.bar")
    assert len(bars) == len(card.distribution)
    assert sum(1 for w, h in bars if w > 0 and h > 0) == sum(1 for b in card.distribution if b.orders)


def _trends_are_drawn(page: Page, card: Scorecard) -> None:
    """A chart per headline KPI, each with a line through its two weeks (47 and 48)."""
    trends = page.locator('svg[data-chart="trend"]')
    assert trends.count() == len(card.headline)
    for index, figure in enumerate(card.headline):
        chart = trends.nth(index)
        assert chart.get_attribute("data-kpi") == figure.kpi.value
        width, height = _box(chart)
        assert width > 0 and height > 0
        (line,) = _drawn(chart, "path.line")
        assert line[0] > 0, figure.kpi  # two points joined: a line with a length
        assert len(_drawn(chart, "circle.point")) == 2


def _pareto_is_drawn(page: Page, card: Scorecard) -> None:
    pareto = page.locator('svg[data-chart="pareto"]')
    causes = card.analysis.pareto
    assert len(causes) >= 1  # the tick opened exceptions on the seeded orders
    assert [h > 0 for _, h in _drawn(pareto, "rect.bar")] == [True] * len(causes)
    assert len(_drawn(pareto, "circle.point")) == len(causes)
    assert len(_drawn(pareto, "path.line")) == 1


def test_the_network_guard_records_what_a_page_tries_to_load(tmp_path: Path, chromium: None) -> None:
    page_with_a_cdn = tmp_path / "cdn.html"
    page_with_a_cdn.write_text(
        '<!DOCTYPE html><html><head><link rel="stylesheet" href="https://cdn.example.com/a.css"></head>'
        '<body><img src="http://images.example.com/b.png" alt=""></body></html>',
        encoding="utf-8",
    )

    with opened(page_with_a_cdn) as browser:
        browser.page.wait_for_load_state("load")

    assert sorted(browser.blocked) == ["http://images.example.com/b.png", "https://cdn.example.com/a.css"]


def test_a_week_without_orders_opens_and_says_so(tmp_path: Path, chromium: None) -> None:
    runtime = seeded_runtime(tmp_path, f"sqlite:///{tmp_path / 'orderline.db'}", [], lambda: NOW)
    try:
        empty = scorecard_reports(runtime).build(WEEK)
    finally:
        runtime.close()
    report = tmp_path / "empty.html"
    report.write_text(render_html(empty), encoding="utf-8")

    with opened(report) as browser:
        page = browser.page
        assert page.locator("#no-shipped").text_content() == (
            "No shipped orders this week: there is no cycle time to show."
        )
        assert page.locator('svg[data-chart="distribution"]').count() == 0
        assert page.locator('svg[data-chart="trend"]').count() == len(empty.headline)
        page.screenshot(path=str(tmp_path / "empty.png"), full_page=True)

    assert browser.blocked == []
    assert (tmp_path / "empty.png").read_bytes().startswith(PNG_SIGNATURE)
