"""/docs and /redoc work offline: Swagger UI's and ReDoc's pages and files come from
Orderline itself (installed packages), and both render the API's operations in Chromium
with every other URL blocked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.e2e.conftest import Service

from .test_console import in_chromium

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(("path", "assets"), [("/docs", "/docs/assets/"), ("/redoc", "/redoc/assets/")])
def test_the_api_docs_pages_load_nothing_from_outside(service: Service, path: str, assets: str) -> None:
    page = service.client.get(path)

    assert page.status_code == 200
    linked = re.findall(r"""(?:src|href|url|spec-url)\s*[=:]\s*['"]([^'"]+)['"]""", page.text)
    assert linked, "the page links no script or style: the check below would prove nothing"
    assert [link for link in linked if not (link.startswith("/") or link.startswith("data:"))] == []
    fetched = [link for link in linked if link.startswith(assets)]
    assert fetched, f"the page loads nothing from {assets}"
    for link in fetched:
        asset = service.client.get(link)
        assert asset.status_code == 200 and len(asset.content) > 10_000, link
    assert "/openapi.json" in linked or "'/openapi.json'" in page.text or '"/openapi.json"' in page.text
    assert service.client.get("/openapi.json").status_code == 200


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("path", "operation"),
    [
        ("/docs", "[id^='operations-intake-'] .opblock-summary-path"),
        ("/redoc", "[data-section-id^='tag/intake/operation/']"),
    ],
)
def test_in_chromium_the_api_docs_render_the_operations_with_the_network_blocked(
    service: Service, tmp_path: Path, path: str, operation: str
) -> None:
    screenshot = tmp_path / f"api{path.replace('/', '-')}.png"
    with in_chromium(service.client.app) as browser:
        page = browser.page
        page.goto(f"{browser.base}{path}")
        page.locator(operation).first.wait_for(state="visible", timeout=20_000)
        rendered = page.locator(operation).count()
        text = page.locator("body").inner_text()
        page.screenshot(path=str(screenshot), full_page=False)

    assert browser.blocked == []
    assert rendered >= 2, f"{path} shows {rendered} intake operations"
    assert "/api/v1/inbox/quarantine" in text
    assert screenshot.read_bytes().startswith(PNG_SIGNATURE)
