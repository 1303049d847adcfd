"""The raw platform deliveries behind an order in the web console, over HTTP through the
ASGI app on both databases: listed on the order page and in its timeline, each opened on
its own page as escaped, pretty-printed, bounded text without headers, for operations and
admin only."""

from __future__ import annotations

import json
import re

import pytest

from orderline.services import order_deliveries
from orderline.services.console_auth import ConsoleRole as Role
from tests.e2e.conftest import Service, shopify_signature
from tests.e2e.test_webhook_intake import _headers

from .test_console import NOW, PASSWORD, _log_in

SCRIPT = "<script>alert('x')</script>"
ORDER_ID = "820982911946154508"
ORDER_PAGE = f"/console/stores/shop1/orders/{ORDER_ID}"
WEBHOOK_ID = "wh-raw-1"


def _body(updated_at: str, note: str) -> bytes:
    return json.dumps(
        {
            "id": int(ORDER_ID),
            "name": "#9999",
            "email": "jon@example.com",
            "note": note,
            "created_at": "2026-11-20T12:00:00-05:00",
            "updated_at": updated_at,
            "financial_status": "paid",
            "fulfillment_status": None,
            "currency": "USD",
            "total_price": "20.00",
            "line_items": [{"id": 1, "title": SCRIPT, "quantity": 2, "price": "10.00", "sku": "MUG"}],
            "fulfillments": [],
            "refunds": [],
        },
        separators=(",", ":"),
    ).encode()


def _deliver(service: Service, body: bytes, webhook_id: str, topic: str = "orders/create") -> None:
    headers = _headers(
        body,
        **{
            "X-Shopify-Webhook-Id": webhook_id,
            "X-Shopify-Event-Id": f"ev-{webhook_id}",
            "X-Shopify-Topic": topic,
        },
    )
    answer = service.client.post("/webhooks/shopify", content=body, headers=headers)
    assert answer.status_code == 200, answer.text


@pytest.fixture
def shop(service: Service) -> Service:
    _deliver(service, _body("2026-11-20T12:05:00-05:00", "first"), WEBHOOK_ID)
    _deliver(service, _body("2026-11-20T13:05:00-05:00", SCRIPT), "wh-raw-2", "orders/updated")
    assert service.process() == 2
    for name, role in [
        ("olga", Role.OPERATIONS),
        ("sam", Role.SUPPORT),
        ("vic", Role.VIEWER),
        ("ada", Role.ADMIN),
    ]:
        service.context.console.create_user(name, role, PASSWORD, NOW)
    return service


def _links(html: str) -> list[str]:
    return re.findall(r'href="(/console/stores/shop1/orders/[^"]+/deliveries/\d+)"', html)


def test_the_order_page_lists_its_deliveries_and_links_each_from_the_timeline(shop: Service) -> None:
    client = shop.client
    assert _log_in(client, "olga")[0] == 303

    page = client.get(ORDER_PAGE)

    assert page.status_code == 200, page.text
    deliveries = page.text.split("<h2>Platform deliveries</h2>")[1].split("<h2>")[0]
    assert "orders/create" in deliveries and "orders/updated" in deliveries
    assert WEBHOOK_ID in deliveries and "wh-raw-2" in deliveries
    timeline = page.text.split("<h2>Timeline</h2>")[1]
    assert timeline.count("raw delivery") == 2
    links = _links(page.text)
    assert len(set(links)) == 2 and all(link.startswith(ORDER_PAGE + "/deliveries/") for link in links)
    assert SCRIPT not in page.text


def test_a_delivery_shows_its_body_as_escaped_pretty_text_and_no_headers(shop: Service) -> None:
    client = shop.client
    _log_in(client, "olga")
    links = sorted(set(_links(client.get(ORDER_PAGE).text)), key=lambda link: int(link.rsplit("/", 1)[1]))

    first, second = (client.get(link) for link in links)

    assert first.status_code == 200 and second.status_code == 200
    assert "orders/create" in first.text and WEBHOOK_ID in first.text and f"ev-{WEBHOOK_ID}" in first.text
    assert "orders/updated" in second.text and "wh-raw-2" in second.text
    body = re.search(r'<pre class="raw-body"[^>]*>(.*?)</pre>', second.text, re.S)
    assert body is not None
    assert SCRIPT not in second.text and "<script>alert" not in second.text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in body.group(1)
    assert "\n  &#34;id&#34;: 820982911946154508," in body.group(1)  # pretty-printed, 2 spaces
    signature = shopify_signature(_body("2026-11-20T13:05:00-05:00", SCRIPT))
    for header in ("X-Shopify-Hmac-Sha256", "Hmac", signature, "X-Shopify-Shop-Domain"):
        assert header not in second.text


def test_an_admin_reads_deliveries_and_a_long_body_is_cut(
    shop: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = shop.client
    _log_in(client, "ada")
    link = _links(client.get(ORDER_PAGE).text)[0]
    monkeypatch.setattr(order_deliveries, "MAX_BODY_CHARS", 100)

    page = client.get(link)

    assert page.status_code == 200
    body = re.search(r'<pre class="raw-body"[^>]*>(.*?)</pre>', page.text, re.S)
    assert body is not None and len(body.group(1)) < 200
    assert re.search(r"Cut: showing the first 100 of \d+ characters", page.text)


@pytest.mark.parametrize("user", ["sam", "vic"])
def test_support_and_viewers_see_the_list_but_may_not_open_a_body(shop: Service, user: str) -> None:
    client = shop.client
    _log_in(client, "olga")
    link = _links(client.get(ORDER_PAGE).text)[0]
    client.cookies.clear()
    _log_in(client, user)

    page = client.get(ORDER_PAGE)
    refused = client.get(link)

    assert page.status_code == 200
    assert "orders/create" in page.text and _links(page.text) == []
    assert "Raw bodies: operations and admin only." in page.text
    assert refused.status_code == 403
    assert "may not read platform deliveries" in refused.text and "&lt;script&gt;" not in refused.text


def test_a_delivery_of_another_order_or_no_delivery_is_not_found(shop: Service) -> None:
    client = shop.client
    _log_in(client, "olga")
    link = _links(client.get(ORDER_PAGE).text)[0]
    inbox_id = link.rsplit("/", 1)[1]

    other = client.get(f"/console/stores/shop1/orders/1/deliveries/{inbox_id}")
    other_store = client.get(f"/console/stores/shop2/orders/{ORDER_ID}/deliveries/{inbox_id}")
    missing = [client.get(f"{ORDER_PAGE}/deliveries/{raw}") for raw in ("999999", "abc", "0", str(2**64))]

    assert [other.status_code, other_store.status_code] == [404, 404]
    assert [answer.status_code for answer in missing] == [404, 404, 404, 404]


def test_the_api_timeline_has_an_entry_for_each_delivery_without_its_body(shop: Service) -> None:
    order = shop.client.get(f"/api/v1/stores/shop1/orders/{ORDER_ID}", headers=shop.token("viewer"))

    assert order.status_code == 200
    received = [e for e in order.json()["timeline"] if e["kind"] == "delivery_received"]
    assert [(e["data"]["topic"], e["data"]["delivery_key"], e["data"]["event_id"]) for e in received] == [
        ("orders/create", WEBHOOK_ID, f"ev-{WEBHOOK_ID}"),
        ("orders/updated", "wh-raw-2", "ev-wh-raw-2"),
    ]
    assert all(e["data"]["status"] == "processed" and e["data"]["inbox_id"] >= 1 for e in received)
    assert "alert" not in json.dumps(received) and "Hmac" not in json.dumps(received)


def test_a_delivery_page_asks_for_a_login(shop: Service) -> None:
    answer = shop.client.get(f"{ORDER_PAGE}/deliveries/1", follow_redirects=False)

    assert answer.status_code == 303 and answer.headers["location"].startswith("/console/login")


def test_a_body_that_is_not_json_is_shown_as_received() -> None:
    assert order_deliveries.pretty_body(b"a=1&b=<i>") == "a=1&b=<i>"
    assert order_deliveries.pretty_body(b'{"b":1,"a":[2]}') == '{\n  "b": 1,\n  "a": [\n    2\n  ]\n}'
    assert order_deliveries.pretty_body(b"\xff{") == "\ufffd{"
