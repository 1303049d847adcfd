"""/docs works offline: Swagger UI's page and files come from Orderline itself."""

from __future__ import annotations

import re

from tests.e2e.conftest import Service


def test_the_api_docs_page_loads_nothing_from_outside(service: Service) -> None:
    page = service.client.get("/docs")

    assert page.status_code == 200
    linked = re.findall(r"""(?:src|href|url)\s*[=:]\s*['"]([^'"]+)['"]""", page.text)
    assert linked, "the page links no script or style: the check below would prove nothing"
    assert [link for link in linked if not (link.startswith("/") or link.startswith("data:"))] == []
    for link in linked:
        if link.startswith("/docs/assets/"):
            asset = service.client.get(link)
            assert asset.status_code == 200 and len(asset.content) > 10_000, link
    assert service.client.get("/openapi.json").status_code == 200
    assert service.client.get("/redoc").status_code == 404
