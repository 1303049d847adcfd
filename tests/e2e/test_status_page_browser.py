"""The buyer status page in Debian's Chromium at a phone's viewport, JavaScript disabled and
the network blocked (issue 15): every request goes to the ASGI app through the test client
(so the page's own stylesheet loads), anything else is aborted and recorded. The page is
laid out within the phone's width, styled by Orderline's own CSS, and a screenshot is saved.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Route, sync_playwright
from starlette.testclient import TestClient

from orderline.bootstrap import build_runtime, build_web_context
from orderline.config import load_config
from orderline.persistence.database import make_engine, migrate
from orderline.web.app import create_app
from tests.e2e.conftest import Service
from tests.e2e.test_scorecard_report_browser import CHROMIUM, CHROMIUM_ARGS, PNG_SIGNATURE, _require_chromium
from tests.e2e.test_status_page import DELAY, NOW, SCRIPT, config_yaml, open_delay, store_order

ORIGIN = "http://orderline.test"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def sqlite_service(tmp_path: Path) -> Iterator[Service]:
    _require_chromium()
    database_url = f"sqlite:///{tmp_path / 'orderline.db'}"
    migrate(make_engine(database_url))
    path = tmp_path / "orderline.yaml"
    path.write_text(config_yaml(database_url))
    runtime = build_runtime(load_config(path), clock=lambda: NOW)
    with TestClient(create_app(build_web_context(runtime))) as client:
        yield Service(client, runtime)
    runtime.engine.dispose()


def test_the_buyer_page_reads_on_a_phone_without_javascript(sqlite_service: Service, tmp_path: Path) -> None:
    service = sqlite_service
    store_order(service)
    open_delay(service)
    token = service.context.status_pages.token_for("shop1", "7001", NOW)
    assert token is not None
    served: list[str] = []
    blocked: list[str] = []

    def through_the_app(route: Route) -> None:
        url = route.request.url
        if not url.startswith(ORIGIN + "/"):
            blocked.append(url)
            route.abort()
            return
        answer = service.client.get(url.removeprefix(ORIGIN))
        served.append(f"{answer.status_code} {url.removeprefix(ORIGIN)}")
        route.fulfill(status=answer.status_code, headers=dict(answer.headers), body=answer.content)

    screenshot = tmp_path / "status-page-phone.png"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport=PHONE, java_script_enabled=False, is_mobile=True)
            context.route("**/*", through_the_app)
            page = context.new_page()
            page.goto(f"{ORIGIN}/status/{token}", wait_until="load")

            assert page.title() == "Order #7001 · Acme"
            assert page.locator(".status").text_content() == "On its way"
            assert page.get_by_text(DELAY).count() == 1
            assert page.get_by_text("In this parcel").count() == 2
            assert page.get_by_text(f"Hello {SCRIPT},").count() == 1  # markup shown as text
            link = page.get_by_role("link", name="Track this parcel with DHL")
            assert link.get_attribute("href") == "https://track.example.com/JD0146000062"
            main = page.locator("main").bounding_box()
            track = link.bounding_box()
            assert main is not None and track is not None
            assert main["x"] >= 0 and main["x"] + main["width"] <= PHONE["width"]
            assert track["x"] + track["width"] <= PHONE["width"]
            # Orderline's stylesheet applied: the status reads as a badge, not body text.
            assert page.locator(".status").evaluate("e => getComputedStyle(e).fontWeight") == "700"
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()

    assert served == [f"200 /status/{token}", "200 /status/assets/status.css"]
    assert blocked == []
    png = screenshot.read_bytes()
    assert png.startswith(PNG_SIGNATURE)
    width, height = struct.unpack(">II", png[16:24])
    assert width == PHONE["width"]
    assert height >= PHONE["height"]
