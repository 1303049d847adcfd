"""The web console over HTTP through the ASGI app, on both databases: login and logout,
the session cookie's flags, forged cookies and CSRF refused, the API's role rules on
exception actions, order search and the order page, and platform text rendered as text."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import Page, Route, sync_playwright
from starlette.testclient import TestClient
from typer.testing import CliRunner

from orderline.cli.main import app
from orderline.domain.facts import Address, HoldPlaced, LineItem, LineQuantity, ShipmentRecorded
from orderline.domain.fold import fold
from orderline.domain.order_exceptions import DEFAULT_CALENDAR, DEFAULT_POLICY
from orderline.domain.vocabulary import HoldReason
from orderline.persistence import exception_records as records
from orderline.persistence.projections import save_projections
from orderline.services.console_auth import ConsoleRole as Role
from orderline.services.console_auth import LoginThrottle, hash_password, password_matches
from orderline.services.order_rows import projection_of
from orderline.services.scheduler import tick
from orderline.web.console import countdown
from tests.unit import platform_bodies as bodies

from .conftest import Service
from .server_process import free_port
from .test_exceptions_api import BAD_ZIP, NOW, _queue_service, _snapshot, _store
from .test_scorecard_report_browser import CHROMIUM, CHROMIUM_ARGS, _require_chromium

PASSWORD = "correct horse battery"
FRAUD = "/console/stores/shop1/orders/7003/exceptions/fraud_review:order"  # owned by operations
ADDRESS = "/console/stores/shop1/orders/7001/exceptions/address_invalid:postal_code"  # owned by support
SCRIPT = "<script>alert('x')</script>"


def _user(service: Service, name: str, role: Role) -> None:
    service.context.console.create_user(name, role, PASSWORD, NOW)


def _hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no {name} in the page"
    return found.group(1)


def _log_in(client: TestClient, name: str, password: str = PASSWORD) -> tuple[int, str]:
    form = client.get("/console/login")
    assert form.status_code == 200, form.text
    answer = client.post(
        "/console/login",
        data={"login_token": _hidden(form.text, "login_token"), "username": name, "password": password},
        follow_redirects=False,
    )
    return answer.status_code, answer.headers.get("location", "")


def _csrf(client: TestClient, path: str = "/console/exceptions") -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    return _hidden(page.text, "csrf_token")


def _exception(service: Service, order_id: str, key: str) -> tuple[str, str | None, list[str]]:
    with service.engine.connect() as connection:
        row = records.get_exception(connection, "shop1", order_id, key)
        events = [e.action for e in records.list_events(connection, "shop1", order_id)]
    assert row is not None
    return row.state, row.acknowledged_by, events


def _shipment(order_id: str, tracking: tuple[str, ...], url: str | None) -> ShipmentRecorded:
    at = NOW - timedelta(hours=2)
    return ShipmentRecorded(
        order_id,
        "s1",
        at,
        at,
        (LineQuantity("L1", 1),),
        tracking_numbers=tracking,
        carrier="UPS",
        tracking_url=url,
    )


@pytest.fixture
def console(service: Service) -> Service:
    _queue_service(service)
    for name, role in [("olga", Role.OPERATIONS), ("sam", Role.SUPPORT), ("vic", Role.VIEWER)]:
        _user(service, name, role)
    return service


def test_root_leads_to_the_console_and_the_console_to_login(console: Service) -> None:
    client = console.client

    root = client.get("/", follow_redirects=False)
    queue = client.get("/console/exceptions", follow_redirects=False)

    assert (root.status_code, root.headers["location"]) == (307, "/console/")
    assert (queue.status_code, queue.headers["location"]) == (
        303,
        "/console/login?next=%2Fconsole%2Fexceptions",
    )


def test_login_sets_a_strict_session_cookie_and_logout_revokes_it(console: Service) -> None:
    client = console.client

    status, location = _log_in(client, "olga")
    cookie = client.cookies.get("orderline_console")
    assert (status, location) == (303, "/console/")
    assert cookie is not None and len(cookie) >= 43  # 256 bits in URL-safe base64
    page = client.get("/console/exceptions")
    assert page.status_code == 200 and "olga (operations)" in page.text

    logout = client.post("/console/logout", data={"csrf_token": _csrf(client)}, follow_redirects=False)

    assert (logout.status_code, logout.headers["location"]) == (303, "/console/login")
    client.cookies.set("orderline_console", cookie, path="/console")
    after = client.get("/console/exceptions", follow_redirects=False)
    assert after.status_code == 303 and after.headers["location"].startswith("/console/login")


def test_the_session_cookie_is_httponly_lax_and_scoped_to_the_console(console: Service) -> None:
    client = console.client
    form = client.get("/console/login")

    answer = client.post(
        "/console/login",
        data={"login_token": _hidden(form.text, "login_token"), "username": "olga", "password": PASSWORD},
        follow_redirects=False,
    )

    header = next(v for v in answer.headers.get_list("set-cookie") if v.startswith("orderline_console="))
    flags = {part.strip().lower() for part in header.split(";")[1:]}
    assert {"httponly", "samesite=lax", "path=/console"} <= flags
    assert "secure" not in flags  # plain http here; https requests get Secure
    assert "max-age=43200" in flags
    policy = form.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert form.headers["cache-control"] == "no-store"


def test_the_cookie_is_secure_on_https(console: Service) -> None:
    client = TestClient(console.client.app, base_url="https://testserver")
    form = client.get("/console/login")

    answer = client.post(
        "/console/login",
        data={"login_token": _hidden(form.text, "login_token"), "username": "olga", "password": PASSWORD},
        follow_redirects=False,
    )

    header = next(v for v in answer.headers.get_list("set-cookie") if v.startswith("orderline_console="))
    assert "secure" in {part.strip().lower() for part in header.split(";")[1:]}


def test_a_wrong_password_or_unknown_user_is_refused_without_a_session(console: Service) -> None:
    client = console.client

    wrong = _log_in(client, "olga", "not the password")
    unknown = _log_in(client, "nobody")

    assert wrong == (401, "") and unknown == (401, "")
    assert client.cookies.get("orderline_console") is None
    assert client.get("/console/exceptions", follow_redirects=False).status_code == 303


def test_a_login_without_the_login_forms_token_is_refused(console: Service) -> None:
    client = console.client
    client.get("/console/login")

    missing = client.post(
        "/console/login", data={"username": "olga", "password": PASSWORD}, follow_redirects=False
    )
    wrong = client.post(
        "/console/login",
        data={"login_token": "x" * 43, "username": "olga", "password": PASSWORD},
        follow_redirects=False,
    )

    assert (missing.status_code, wrong.status_code) == (400, 400)
    assert "login form had expired" in wrong.text
    assert client.cookies.get("orderline_console") is None


def test_repeated_failures_block_that_username_from_that_source_even_with_the_right_password(
    console: Service,
) -> None:
    client = console.client
    failures = [_log_in(client, "olga", "wrong")[0] for _ in range(5)]

    blocked = _log_in(client, "olga")
    other_user = _log_in(client, "sam")

    assert failures == [401] * 5
    assert blocked[0] == 429
    assert other_user == (303, "/console/")


def test_the_login_throttle_forgets_old_failures_and_stays_bounded() -> None:
    throttle = LoginThrottle(limit=2, window=timedelta(minutes=10), max_keys=3)
    key = ("olga", "1.2.3.4")
    throttle.failed(key, NOW)
    throttle.failed(key, NOW)

    assert throttle.is_blocked(key, NOW + timedelta(minutes=9))
    assert not throttle.is_blocked(key, NOW + timedelta(minutes=11))
    for index in range(10):
        throttle.failed((f"user{index}", "x"), NOW)
    assert len(throttle) == 3


def test_a_forged_cookie_goes_to_login(console: Service) -> None:
    client = console.client
    client.cookies.set(
        "orderline_console", "forged-value-of-enough-length-aaaaaaaaaaaaaaaaaaaa", path="/console"
    )

    page = client.get("/console/exceptions", follow_redirects=False)
    post = client.post(f"{FRAUD}/acknowledge", data={"csrf_token": "x"}, follow_redirects=False)

    assert page.status_code == 303 and page.headers["location"].startswith("/console/login")
    assert post.status_code == 303 and post.headers["location"] == "/console/login"
    assert _exception(console, "7003", "fraud_review:order") == ("open", None, ["opened"])


def test_an_expired_session_goes_to_login(console: Service) -> None:
    client = console.client
    _log_in(client, "olga")
    assert client.get("/console/exceptions").status_code == 200

    console.context.clock = lambda: NOW + timedelta(hours=12, seconds=1)

    assert client.get("/console/exceptions", follow_redirects=False).status_code == 303


def test_a_disabled_user_is_logged_out_and_cannot_log_in(console: Service) -> None:
    client = console.client
    _log_in(client, "olga")

    assert console.context.console.disable_user("olga", NOW)

    assert client.get("/console/exceptions", follow_redirects=False).status_code == 303
    assert _log_in(client, "olga")[0] == 401


@pytest.mark.parametrize("token", [None, "", "0" * 64], ids=["missing", "empty", "wrong"])
def test_a_form_without_its_csrf_token_is_refused_and_nothing_changes(
    console: Service, token: str | None
) -> None:
    client = console.client
    _log_in(client, "olga")
    data = {} if token is None else {"csrf_token": token}

    acknowledged = client.post(f"{FRAUD}/acknowledge", data=data, follow_redirects=False)
    logout = client.post("/console/logout", data=data, follow_redirects=False)

    assert (acknowledged.status_code, logout.status_code) == (403, 403)
    assert _exception(console, "7003", "fraud_review:order") == ("open", None, ["opened"])
    assert client.get("/console/exceptions").status_code == 200  # still logged in


def test_csrf_tokens_belong_to_their_session(console: Service) -> None:
    other = TestClient(console.client.app)
    _log_in(other, "sam")
    stolen = _csrf(other)
    client = console.client
    _log_in(client, "olga")

    answer = client.post(f"{FRAUD}/acknowledge", data={"csrf_token": stolen}, follow_redirects=False)

    assert answer.status_code == 403


def test_operations_acknowledges_and_resolves_its_exception_recorded_by_name(console: Service) -> None:
    client = console.client
    _log_in(client, "olga")
    csrf = _csrf(client)

    acknowledged = client.post(
        f"{FRAUD}/acknowledge",
        data={"csrf_token": csrf, "back": "/console/exceptions"},
        follow_redirects=False,
    )
    resolved = client.post(
        f"{FRAUD}/resolve", data={"csrf_token": csrf, "resolution": "not fraud"}, follow_redirects=False
    )

    assert (acknowledged.status_code, acknowledged.headers["location"]) == (303, "/console/exceptions")
    assert resolved.status_code == 303
    assert _exception(console, "7003", "fraud_review:order") == (
        "resolved",
        "olga",
        ["opened", "acknowledged", "resolved"],
    )


def test_support_is_refused_an_operations_exception_and_nothing_changes(console: Service) -> None:
    client = console.client
    _log_in(client, "sam")
    csrf = _csrf(client, "/console/exceptions?owner=")

    answers = [
        client.post(
            f"{FRAUD}/{action}", data={"csrf_token": csrf, **extra}, follow_redirects=False
        ).status_code
        for action, extra in [
            ("acknowledge", {}),
            ("resolve", {"resolution": "x"}),
            ("note", {"text": "x"}),
            ("assign", {"assignee": "sam"}),
        ]
    ]
    own = client.post(f"{ADDRESS}/acknowledge", data={"csrf_token": csrf}, follow_redirects=False)

    assert answers == [403, 403, 403, 403]
    assert own.status_code == 303
    assert _exception(console, "7003", "fraud_review:order") == ("open", None, ["opened"])
    queue = client.get("/console/exceptions?owner=operations").text
    assert "fraud_review" in queue and "read only" in queue and "/acknowledge" not in queue


def test_a_viewer_reads_but_cannot_act(console: Service) -> None:
    client = console.client
    _log_in(client, "vic")
    before = _exception(console, "7001", "address_invalid:postal_code")
    queue = client.get("/console/exceptions")
    csrf = _hidden(queue.text, "csrf_token")

    refused = client.post(f"{ADDRESS}/acknowledge", data={"csrf_token": csrf}, follow_redirects=False)
    bulk = client.post(
        "/console/exceptions/bulk",
        data={"csrf_token": csrf, "action": "resolve", "ref": "shop1/7001/address_invalid:postal_code"},
        follow_redirects=False,
    )

    assert queue.status_code == 200
    assert "fraud_review" in queue.text and "address_invalid" in queue.text
    assert 'method="post" action="/console/stores' not in queue.text
    assert (refused.status_code, bulk.status_code) == (403, 403)
    assert _exception(console, "7001", "address_invalid:postal_code") == before
    assert before[:2] == ("open", None)


def test_the_queue_shows_tabs_levels_and_countdowns(console: Service) -> None:
    client = console.client
    _log_in(client, "sam")

    mine = client.get("/console/exceptions")  # support's own tab by default
    everything = client.get("/console/exceptions?owner=")

    assert "All teams (3)" in mine.text and "operations (1)" in mine.text and "support (2)" in mine.text
    assert mine.text.count("address_invalid") >= 2 and "fraud_review" not in mine.text
    assert "fraud_review" in everything.text
    assert re.findall(r"<td>(level [^<]*)</td>", mine.text) == [
        "level 2 (support) in 19h 00m",  # 7001 reached level 1 two hours ago
        "level 1 (support) in 3h 00m",
    ]
    assert re.findall(r'<span class="sla">([^<]*)</span>', mine.text) == ["breached", "ok"]
    assert countdown(timedelta(hours=-26, minutes=-5)) == "overdue 1d 2h"
    assert countdown(timedelta(minutes=7)) == "in 0h 07m"


def test_bulk_acknowledge_acts_on_own_rows_and_counts_the_others_refused(console: Service) -> None:
    client = console.client
    _log_in(client, "sam")
    csrf = _csrf(client)
    refs = [
        "shop1/7001/address_invalid:postal_code",
        "shop1/7002/address_invalid:postal_code",
        "shop1/7003/fraud_review:order",
    ]

    answer = client.post(
        "/console/exceptions/bulk",
        data={"csrf_token": csrf, "action": "acknowledge", "ref": refs, "back": "/console/exceptions"},
        follow_redirects=False,
    )

    assert (answer.status_code, answer.headers["location"]) == (303, "/console/exceptions?done=2&refused=1")
    assert _exception(console, "7001", "address_invalid:postal_code")[1] == "sam"
    assert _exception(console, "7002", "address_invalid:postal_code")[1] == "sam"
    assert _exception(console, "7003", "fraud_review:order") == ("open", None, ["opened"])
    assert "2 done, 1 refused" in client.get(answer.headers["location"]).text


def test_an_action_never_redirects_off_the_console(console: Service) -> None:
    client = console.client
    _log_in(client, "olga")

    answer = client.post(
        f"{FRAUD}/note",
        data={"csrf_token": _csrf(client), "text": "checked", "back": "//evil.example/x"},
        follow_redirects=False,
    )

    assert (answer.status_code, answer.headers["location"]) == (303, "/console/")


def test_order_search_by_number_email_and_tracking(console: Service) -> None:
    shipped = replace(_snapshot("7100", NOW - timedelta(hours=3), BAD_ZIP), email="Buyer@Example.com")
    _store(
        console,
        "7100",
        shipped,
        _shipment("7100", ("1Z999TRACK42",), None),
    )
    client = console.client
    _log_in(client, "vic")

    def found(query: str) -> list[str]:
        page = client.get("/console/orders", params={"q": query})
        assert page.status_code == 200
        return re.findall(r'href="/console/stores/shop1/orders/(\d+)"', page.text)

    assert found("#7100") == ["7100"] and found("7100") == ["7100"]
    assert found("buyer@example.com") == ["7100"]
    assert found("1Z999TRACK42") == ["7100"]
    assert found("1Z999") == [] and found("nobody@example.com") == []


def test_the_order_page_shows_status_exceptions_shipments_and_timeline(console: Service) -> None:
    _store(
        console,
        "7200",
        _snapshot("7200", NOW - timedelta(hours=3), BAD_ZIP),
        _shipment("7200", ("TRK1",), "https://carrier.example/t/TRK1"),
    )
    client = console.client
    _log_in(client, "olga")

    page = client.get("/console/stores/shop1/orders/7003")
    shipped = client.get("/console/stores/shop1/orders/7200")
    missing = client.get("/console/stores/shop1/orders/nope")

    assert page.status_code == 200
    assert re.search(r'class="status">on hold<', page.text)
    assert (
        "fraud_review" in page.text
        and "/console/stores/shop1/orders/7003/exceptions/fraud_review" in page.text
    )
    assert "Exception fraud_review:order opened" in page.text
    assert '<a href="https://carrier.example/t/TRK1" rel="noopener noreferrer">TRK1</a>' in shipped.text
    assert missing.status_code == 404


def test_platform_text_renders_as_text_on_every_page(console: Service) -> None:
    hostile = Address(
        name=SCRIPT, address1=f"1 {SCRIPT} St", city="Austin", postal_code="1234", country_code="US"
    )
    order = replace(
        _snapshot("7300", NOW - timedelta(hours=6), hostile),
        lines=(LineItem("L1", f"Mug {SCRIPT}", 1, Decimal("10.00"), sku=SCRIPT),),
        email=f"{SCRIPT}@example.com",
    )
    _store(
        console,
        "7300",
        order,
        HoldPlaced("7300", "order", HoldReason.OTHER, NOW - timedelta(hours=5), SCRIPT),
    )
    shipped = _snapshot("7301", NOW - timedelta(hours=6), hostile)
    _store(console, "7301", shipped, _shipment("7301", (SCRIPT,), "javascript:alert(1)"))

    tick(console.engine, lambda _s: DEFAULT_POLICY, lambda _s: DEFAULT_CALENDAR, NOW)
    client = console.client
    _log_in(client, "sam")
    csrf = _csrf(client)
    with console.engine.connect() as connection:
        keys = sorted(records.load_exceptions(connection, "shop1", "7300"))
    assert keys, "the hostile order raised no exception"
    noted = client.post(
        f"/console/stores/shop1/orders/7300/exceptions/{keys[0]}/note",
        data={"csrf_token": csrf, "text": SCRIPT},
        follow_redirects=False,
    )
    assert noted.status_code == 303

    pages = {
        path: client.get(path).text
        for path in [
            "/console/stores/shop1/orders/7300",
            "/console/stores/shop1/orders/7301",
            "/console/exceptions",
            f"/console/orders?q={SCRIPT}@example.com",
            "/console/orders?q=%237300",
        ]
    }

    for path, html in pages.items():
        assert "<script" not in html, path
        assert "javascript:" not in html, path
    assert pages["/console/stores/shop1/orders/7300"].count("&lt;script&gt;") >= 4
    assert "&lt;script&gt;" in pages["/console/exceptions"]  # the note
    assert (
        "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;</li>" in pages["/console/stores/shop1/orders/7301"]
    )


def test_passwords_are_salted_scrypt_and_never_stored_plain(console: Service) -> None:
    first, second = hash_password(PASSWORD), hash_password(PASSWORD)
    users = console.context.console.users()

    assert first != second and first.startswith("scrypt$16384$8$1$")
    assert password_matches(PASSWORD, first) and not password_matches("wrong", first)
    assert all(PASSWORD not in user.password_hash for user in users)
    assert [u.username for u in users] == ["olga", "sam", "vic"]


def test_static_css_is_served_by_orderline(console: Service) -> None:
    css = console.client.get("/console/static/console.css")

    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")


@contextmanager
def served(app: Any) -> Iterator[str]:
    """`app` on a real port (uvicorn in a thread; the lifespan already ran in the test
    client), yielding its base URL."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=free_port(), lifespan="off", log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(200):
            if server.started:
                break
            time.sleep(0.025)
        assert server.started, "uvicorn did not start"
        yield f"http://127.0.0.1:{server.config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@dataclass
class Browser:
    base: str
    page: Page
    blocked: list[str]
    """URLs other than the app's that the page tried to load (aborted)."""


@contextmanager
def in_chromium(app: Any) -> Iterator[Browser]:
    """A Chromium page next to `app` served on a real port; every other URL is aborted."""
    _require_chromium()
    with served(app) as base, sync_playwright() as playwright:
        blocked: list[str] = []

        def guard(route: Route) -> None:
            if route.request.url.startswith(f"{base}/"):
                route.continue_()
            else:
                blocked.append(route.request.url)
                route.abort()

        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.route("**/*", guard)
            yield Browser(base, context.new_page(), blocked)
        finally:
            browser.close()


def _log_in_page(browser: Browser, name: str) -> None:
    page = browser.page
    page.goto(f"{browser.base}/")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    assert page.url == f"{browser.base}/console/exceptions"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_in_chromium_operations_finds_an_order_on_hold_and_resolves_its_exception(
    console: Service, tmp_path: Path
) -> None:
    screenshot = tmp_path / "console-resolved.png"
    with in_chromium(console.client.app) as browser:
        page = browser.page
        _log_in_page(browser, "olga")
        assert page.get_by_role("link", name="operations (1)").get_attribute("aria-current") == "page"

        page.get_by_role("link", name="Orders").click()
        page.get_by_label("Order number, buyer e-mail or tracking number").fill("7003")
        page.get_by_role("button", name="Search").click()
        page.get_by_role("link", name="#7003").click()
        assert page.locator("dd.status").inner_text() == "on hold"

        page.get_by_role("button", name="Acknowledge").click()
        assert "acknowledged by olga" in page.locator("td.state").inner_text()
        page.get_by_label("Resolution").fill("not fraud: <b>checked</b>")
        page.get_by_role("button", name="Resolve").click()
        state = page.locator("td.state").inner_text()
        assert state == "resolved, acknowledged by olga: not fraud: <b>checked</b>"
        assert page.get_by_role("button", name="Resolve").count() == 0
        css = page.evaluate("getComputedStyle(document.querySelector('header.top')).backgroundColor")
        assert css == "rgb(20, 33, 61)"  # our stylesheet was served and applied
        page.screenshot(path=str(screenshot), full_page=True)

    assert browser.blocked == []
    assert screenshot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert _exception(console, "7003", "fraud_review:order") == (
        "resolved",
        "olga",
        ["opened", "acknowledged", "resolved"],
    )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_in_chromium_support_cannot_act_for_operations_and_a_viewer_only_reads(
    console: Service, tmp_path: Path
) -> None:
    with in_chromium(console.client.app) as browser:
        page = browser.page
        _log_in_page(browser, "sam")
        page.get_by_role("link", name="operations (1)").click()
        row = page.locator("tr", has_text="fraud_review")
        assert row.locator("td").last.inner_text() == "read only"
        assert row.get_by_role("button").count() == 0
        csrf = page.locator('input[name="csrf_token"]').first.get_attribute("value")
        forced = page.request.post(
            f"{browser.base}{FRAUD}/resolve", form={"csrf_token": csrf or "", "resolution": "x"}
        )
        assert forced.status == 403 and "owned by operations" in forced.text()
        page.get_by_role("button", name="Log out").click()
        assert page.url.startswith(f"{browser.base}/console/login")

        _log_in_page(browser, "vic")
        page.get_by_role("link", name="All teams (3)").click()
        assert page.locator("table.queue tbody tr").count() == 3
        assert page.locator("table.queue").get_by_role("button").count() == 0
        page.get_by_role("link", name="7001").click()
        assert page.get_by_role("button", name="Acknowledge").count() == 0
        page.screenshot(path=str(tmp_path / "console-viewer.png"), full_page=True)

    assert browser.blocked == []
    assert _exception(console, "7003", "fraud_review:order") == ("open", None, ["opened"])


def test_user_commands_create_list_and_disable(console: Service, tmp_path: Path) -> None:
    config = str(tmp_path / "orderline.yaml")  # written by the service fixture
    runner = CliRunner()

    created = runner.invoke(
        app, ["user", "create", "--username", "dana", "--role", "admin", "--password-stdin", "-c", config],
        input=f"{PASSWORD}\n",
    )  # fmt: skip
    taken = runner.invoke(
        app, ["user", "create", "--username", "dana", "--role", "viewer", "--password-stdin", "-c", config],
        input=f"{PASSWORD}\n",
    )  # fmt: skip
    short = runner.invoke(
        app, ["user", "create", "--username", "eve", "--role", "viewer", "--password-stdin", "-c", config],
        input="short\n",
    )  # fmt: skip
    prompted = runner.invoke(
        app, ["user", "create", "--username", "fay", "--role", "support", "-c", config],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )  # fmt: skip
    lookup = runner.invoke(
        app, ["user", "create", "--username", "gil", "--role", "support_lookup", "--password-stdin",
              "-c", config],
        input=f"{PASSWORD}\n",
    )  # fmt: skip
    listed = runner.invoke(app, ["user", "list", "--json", "-c", config])

    assert (created.exit_code, taken.exit_code, short.exit_code, prompted.exit_code) == (0, 1, 1, 0)
    assert lookup.exit_code == 2  # a helpdesk widget's token role, not a person's
    assert PASSWORD not in created.output + prompted.output
    users = {row["username"]: row for row in json.loads(listed.stdout)}
    assert {name: row["role"] for name, row in users.items()} == {
        "olga": "operations", "sam": "support", "vic": "viewer", "dana": "admin", "fay": "support",
    }  # fmt: skip
    assert "password_hash" not in users["dana"]
    assert _log_in(console.client, "dana") == (303, "/console/")

    disabled = runner.invoke(app, ["user", "disable", "dana", "-c", config])
    again = runner.invoke(app, ["user", "disable", "dana", "-c", config])

    assert (disabled.exit_code, again.exit_code) == (0, 1)
    assert console.client.get("/console/exceptions", follow_redirects=False).status_code == 303
    assert _log_in(console.client, "dana")[0] == 401


HOSTILE_KEYS = {"name", "title", "first_name", "address1", "note", "customer_note", "customer_message"}


def _poisoned(value: Any) -> Any:
    """`value` with every buyer-facing text field (names, line titles, notes) a script tag."""
    if isinstance(value, dict):
        return {
            key: f"{SCRIPT}<b>{item}</b>"
            if key in HOSTILE_KEYS and isinstance(item, str)
            else _poisoned(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_poisoned(item) for item in value]
    return value


def _platform_facts(platform: str) -> Any:
    if platform == "shopify":
        return bodies.map_shopify("orders/updated", _poisoned(bodies.shopify_order()))
    if platform == "woocommerce":
        return bodies.map_woo(_poisoned(bodies.woo_order()))
    resources = bodies.bc_resources()
    resources["order"] = _poisoned(resources["order"])
    resources["products"] = _poisoned(resources["products"])
    return bodies.map_bigcommerce(bodies.bc_hook(), resources)


@pytest.mark.parametrize("platform", ["shopify", "woocommerce", "bigcommerce"])
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_each_platforms_names_titles_and_notes_render_as_text(console: Service, platform: str) -> None:
    mapped = _platform_facts(platform)
    assert mapped.order_id is not None and mapped.facts
    order = fold("shop1", mapped.order_id, mapped.facts)
    assert order is not None
    assert any(SCRIPT in line.title for line in order.lines), "the mapper kept the line title"
    with console.engine.begin() as connection:
        save_projections(connection, [projection_of(order, len(mapped.facts))])
    client = console.client
    _log_in(client, "olga")

    html = client.get(f"/console/stores/shop1/orders/{mapped.order_id}").text
    found = client.get("/console/orders", params={"q": order.order_number}).text

    assert "<script" not in html and "<b>" not in html
    assert html.count("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&lt;b&gt;") >= 2  # a name, a title
    assert mapped.order_id in found and "<script" not in found
