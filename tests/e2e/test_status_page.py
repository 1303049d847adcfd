"""The buyer status page `/status/{token}` and the helpdesk lookup, through the ASGI app on
SQLite and PostgreSQL (issue 15): the page shows what the API shows, explains a delay in the
messages' words, carries no personal data beyond first name and city, renders platform text
as text; a revoked and a random token answer the same 404; the lookup's token reads only
the lookup."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient
from typer.testing import CliRunner

from orderline.bootstrap import build_runtime, build_web_context, run_tick
from orderline.cli.main import app as cli
from orderline.config import load_config
from orderline.config.errors import ConfigError
from orderline.domain.facts import Address, Fact, LineItem, LineQuantity, OrderSnapshot, ShipmentRecorded
from orderline.domain.fold import fold
from orderline.domain.order_exceptions.findings import Finding
from orderline.domain.vocabulary import DeliveryStatus, ExceptionType, OrderStatus, PaymentStatus
from orderline.persistence import exception_records, message_records
from orderline.persistence.console_tables import status_tokens
from orderline.persistence.database import make_engine, migrate
from orderline.persistence.projections import save_projections
from orderline.services.order_rows import projection_of
from orderline.services.status_pages import StatusLinksOff
from orderline.web.app import create_app
from orderline.web.status_words import WORDS
from tests.e2e.conftest import SECRET, SHOP, Service

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=3)
PUBLIC_URL = "https://orders.acme.example"
STATUS_SECRET = "s" * 24 + "-status-page-secret-0123456789"
BUYER = "ann@example.com"
SCRIPT = "<script>alert(1)</script>"
STREET, PHONE, POSTCODE = "12 Hidden Lane", "+44 20 7946 0000", "BS1 4DJ"
DELAY = "Your order is taking longer to prepare than we expected."


def config_yaml(database_url: str) -> str:
    return f"""\
database_url: '{database_url}'
public_url: {PUBLIC_URL}
status_page: {{secret: {STATUS_SECRET}}}
messaging:
  channel: email
  smtp: {{host: 127.0.0.1, sender: orders@shop1.example, message_id_domain: shop1.example}}
stores:
  - id: shop1
    platform: shopify
    shop_domain: {SHOP}
    webhook_secrets: [{SECRET}]
    messaging: {{brand: {{name: Acme, support_email: help@acme.example}}}}
  - id: shop2
    platform: shopify
    shop_domain: other-{SHOP}
    webhook_secrets: [{SECRET}]
    messaging: {{locale: de-AT}}
"""


@pytest.fixture
def status_service(tmp_path: Path, database_url: str) -> Iterator[Service]:
    migrate(make_engine(database_url))
    path = tmp_path / "orderline.yaml"
    path.write_text(config_yaml(database_url))
    runtime = build_runtime(load_config(path), clock=lambda: NOW)
    with TestClient(create_app(build_web_context(runtime))) as client:
        yield Service(client, runtime)
    runtime.engine.dispose()


def store_order(service: Service, store_id: str = "shop1", order_id: str = "7001") -> None:
    address = Address(
        name=f"{SCRIPT} Lovelace",
        address1=STREET,
        city="Bristol",
        postal_code=POSTCODE,
        country_code="GB",
        phone=PHONE,
    )
    facts: list[Fact] = [
        OrderSnapshot(order_id=order_id, updated_at=T0, placed_at=T0, payment_status=PaymentStatus.PAID,
                      lines=(LineItem("L1", f"Mug {SCRIPT}", 2, Decimal("10.00")),
                             LineItem("L2", "Plate", 1, Decimal("5.00"))),
                      order_number=f"#{order_id}", email=BUYER, shipping_address=address),
        ShipmentRecorded(order_id, "s1", T0 + timedelta(hours=2), T0 + timedelta(hours=2),
                         (LineQuantity("L1", 2),), tracking_numbers=("JD0146000062",), carrier="DHL",
                         tracking_url="https://track.example.com/JD0146000062",
                         delivery_status=DeliveryStatus.IN_TRANSIT),
        ShipmentRecorded(order_id, "s2", T0 + timedelta(hours=3), T0 + timedelta(hours=3),
                         (LineQuantity("L2", 1),), tracking_numbers=("X1",), carrier=f"Post {SCRIPT}",
                         tracking_url="javascript:alert(1)"),
    ]  # fmt: skip
    order = fold(store_id, order_id, facts)
    assert order is not None
    with service.engine.begin() as connection:
        save_projections(connection, [projection_of(order, len(facts))])


def open_delay(service: Service, store_id: str = "shop1", order_id: str = "7001") -> None:
    finding = Finding(
        ExceptionType.FULFILLMENT_DELAYED,
        "fulfillment_delayed",
        T0,
        "operations",
        "warehouse backlog",
        None,
        (),
    )
    with service.engine.begin() as connection:
        exception_records.open_exception(connection, store_id, order_id, finding, 0)


def page_of(service: Service, token: str) -> tuple[int, str, dict[str, str]]:
    answer = service.client.get(f"/status/{token}")
    return answer.status_code, answer.text, dict(answer.headers)


def test_the_page_shows_the_api_status_its_parcels_and_a_delay_in_the_messages_words(
    status_service: Service,
) -> None:
    service = status_service
    store_order(service)
    open_delay(service)
    token = service.context.status_pages.token_for("shop1", "7001", NOW)
    assert token is not None

    status, html, headers = page_of(service, token)
    api = service.client.get("/api/v1/stores/shop1/orders/7001", headers=service.token("viewer")).json()

    assert status == 200
    assert api["status"] == OrderStatus.SHIPPED
    assert f'data-status="{api["status"]}"' in html
    assert WORDS["en"]["status"][api["status"]] in html
    assert '<a class="track" href="https://track.example.com/JD0146000062"' in html
    assert "Track this parcel with DHL" in html and "JD0146000062" in html
    assert f'<p class="delay">{DELAY}' in html
    assert "warehouse backlog" not in html  # the operator's reason never reaches the buyer
    assert "Going to Bristol" in html
    assert '<p class="items-heading">In this parcel</p>' in html
    assert headers["cache-control"] == "no-store"
    assert "noindex" in headers["x-robots-tag"]
    assert "<script" not in html.lower()


def test_platform_text_renders_as_text_and_no_personal_data_beyond_first_name_and_city(
    status_service: Service,
) -> None:
    service = status_service
    store_order(service)
    token = service.context.status_pages.token_for("shop1", "7001", NOW)
    assert token is not None

    status, html, _ = page_of(service, token)

    assert status == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the buyer's "first name", and a line title
    assert "Mug &lt;script&gt;" in html
    assert "<script" not in html.lower()
    assert "Post &lt;script&gt;" in html  # a carrier name from the platform
    assert "javascript:" not in html  # a tracking URL that is no web address is not a link
    for personal in (BUYER, STREET, PHONE, POSTCODE, "Lovelace"):
        assert personal not in html


def test_a_revoked_token_and_a_random_token_answer_the_same_404(status_service: Service) -> None:
    service = status_service
    store_order(service)
    pages = service.context.status_pages
    token = pages.token_for("shop1", "7001", NOW)
    assert token is not None and page_of(service, token)[0] == 200

    assert pages.revoke("shop1", "7001", NOW) == 1
    revoked = page_of(service, token)
    random = page_of(service, secrets.token_urlsafe(32))
    fresh = pages.token_for("shop1", "7001", NOW)

    assert revoked[0] == random[0] == 404
    assert revoked[1] == random[1]
    assert "does not work" in revoked[1]
    for _, _, headers in (revoked, random):
        assert headers["cache-control"] == "no-store"
        assert "noindex" in headers["x-robots-tag"]
    assert fresh is not None and fresh != token
    assert page_of(service, fresh)[0] == 200
    assert pages.revoke("shop1", "7001", NOW) == 1 and pages.revoke("shop1", "7001", NOW) == 0


def test_the_token_has_256_bits_and_only_its_hash_is_stored(status_service: Service) -> None:
    service = status_service
    store_order(service)
    pages = service.context.status_pages
    token = pages.token_for("shop1", "7001", NOW)
    again = pages.token_for("shop1", "7001", NOW)
    other = pages.token_for("shop1", "missing", NOW)

    assert token is not None and token == again and other is None
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)
    assert len(base64.urlsafe_b64decode(token + "=")) * 8 == 256 >= 128
    with service.engine.connect() as connection:
        rows = connection.execute(select(status_tokens)).all()
    assert [(r.token_hash, r.store_id, r.order_id, r.revoked_at) for r in rows] == [
        (hashlib.sha256(token.encode()).hexdigest(), "shop1", "7001", None)
    ]
    assert token not in repr(rows)


def test_the_page_speaks_the_store_locale(status_service: Service) -> None:
    service = status_service
    store_order(service, "shop2", "8001")
    token = service.context.status_pages.token_for("shop2", "8001", NOW)
    assert token is not None

    status, html, _ = page_of(service, token)

    assert status == 200
    assert '<html lang="de">' in html
    assert "Unterwegs" in html and "Lieferung nach Bristol" in html and "Paket 2" in html


def test_every_customer_message_links_the_status_page(status_service: Service) -> None:
    service = status_service
    store_order(service)
    with service.engine.begin() as connection:
        exception_records.set_timer(connection, "shop1", "7001", T0, "test")
    run_tick(service.runtime, T0 + timedelta(hours=3))
    token = service.context.status_pages.token_for("shop1", "7001", NOW)
    assert token is not None

    with service.engine.connect() as connection:
        messages = message_records.load_messages(connection, "shop1", "7001")

    link = f"{PUBLIC_URL}/status/{token}"
    rendered = [m for m in messages if m.body_text is not None]
    assert "shipment_sent" in {m.kind for m in rendered}
    for message in rendered:
        assert f"Follow your order at any time: {link}" in (message.body_text or "")
        assert f'<a href="{link}">' in (message.body_html or "")


def test_the_status_words_cover_every_status_in_every_language() -> None:
    for words in WORDS.values():
        assert set(words["status"]) == {s.value for s in OrderStatus}
        assert set(words["delivery"]) == {s.value for s in DeliveryStatus}
        assert words.keys() == WORDS["en"].keys()


# --- the helpdesk lookup ---------------------------------------------------------------


def test_the_lookup_answers_a_compact_summary_with_the_status_page_link(status_service: Service) -> None:
    service = status_service
    store_order(service)
    open_delay(service)
    lookup = service.token("support_lookup")

    by_email = service.client.get("/api/v1/support/lookup", params={"email": BUYER}, headers=lookup)
    by_number = service.client.get("/api/v1/support/lookup", params={"order": "7001"}, headers=lookup)
    nothing = service.client.get("/api/v1/support/lookup", params={"email": "x@example.com"}, headers=lookup)
    token = service.context.status_pages.token_for("shop1", "7001", NOW)

    assert by_email.status_code == by_number.status_code == 200
    assert by_email.json() == {**by_number.json(), "query": {"email": BUYER, "order": None}}
    body = by_email.json()
    assert body["count"] == 1
    [order] = body["orders"]
    assert (order["store_id"], order["order_number"], order["status"], order["owner"]) == (
        "shop1", "#7001", "shipped", "support",
    )  # fmt: skip
    assert order["axes"] == {"payment": "paid", "fulfillment": "fulfilled"}
    assert [s["tracking_url"] for s in order["shipments"]] == ["https://track.example.com/JD0146000062", None]
    assert [(e["type"], e["owner"], e["escalation_level"]) for e in order["open_exceptions"]] == [
        ("fulfillment_delayed", "operations", 0)
    ]
    assert order["last_message"] is None
    assert order["status_page_url"] == f"{PUBLIC_URL}/status/{token}"
    assert "email" not in order and BUYER not in str(order)
    assert nothing.json() == {"query": {"email": "x@example.com", "order": None}, "count": 0, "orders": []}


def test_the_lookup_token_may_call_only_the_lookup(status_service: Service) -> None:
    service = status_service
    store_order(service)
    lookup = service.token("support_lookup")
    params = {"order": "#7001"}

    assert service.client.get("/api/v1/support/lookup", params=params, headers=lookup).status_code == 200
    for path in ("/api/v1/orders", "/api/v1/stores/shop1/orders/7001", "/api/v1/exceptions"):
        assert service.client.get(path, headers=lookup).status_code == 403
    assert service.client.get("/api/v1/support/lookup", params=params).status_code == 401
    for role, expected in (("support", 200), ("admin", 200), ("operations", 403), ("viewer", 403)):
        answer = service.client.get("/api/v1/support/lookup", params=params, headers=service.token(role))
        assert answer.status_code == expected, role
    missing = service.client.get("/api/v1/support/lookup", headers=lookup)
    assert missing.status_code == 422


def test_the_status_link_command_shows_and_revokes_a_link(status_service: Service, tmp_path: Path) -> None:
    service = status_service
    store_order(service)
    config = ["--config", str(tmp_path / "orderline.yaml")]
    runner = CliRunner()

    shown = runner.invoke(cli, ["status-link", "show", "--store", "shop1", "--order", "7001", *config])
    unknown = runner.invoke(cli, ["status-link", "show", "--store", "shop1", "--order", "404", *config])
    revoked = runner.invoke(
        cli, ["status-link", "revoke", "--store", "shop1", "--order", "7001", "--json", *config]
    )
    again = runner.invoke(cli, ["status-link", "revoke", "--store", "shop1", "--order", "7001", *config])

    assert (shown.exit_code, unknown.exit_code, revoked.exit_code, again.exit_code) == (0, 1, 0, 1)
    url = shown.stdout.strip()
    assert url.startswith(f"{PUBLIC_URL}/status/")
    assert '"revoked": 1' in revoked.stdout
    assert page_of(service, url.rsplit("/", 1)[1])[0] == 404


def test_without_a_secret_there_are_no_links_and_every_page_is_404(service: Service) -> None:
    store_order(service)
    pages = service.context.status_pages
    lookup = service.token("support_lookup")

    answer = service.client.get("/api/v1/support/lookup", params={"email": BUYER}, headers=lookup)

    assert pages.links is None
    with pytest.raises(StatusLinksOff):
        pages.token_for("shop1", "7001", NOW)
    assert answer.status_code == 200 and answer.json()["orders"][0]["status_page_url"] is None
    assert page_of(service, secrets.token_urlsafe(32))[0] == 404


def test_a_short_status_page_secret_is_refused_without_repeating_it(tmp_path: Path) -> None:
    path = tmp_path / "orderline.yaml"
    path.write_text("public_url: https://orders.acme.example\nstatus_page: {secret: short-secret-value}\n")

    with pytest.raises(ConfigError) as refused:
        load_config(path)

    assert "status_page.secret" in str(refused.value) and "at least 32 characters" in str(refused.value)
    assert "short-secret-value" not in str(refused.value)
