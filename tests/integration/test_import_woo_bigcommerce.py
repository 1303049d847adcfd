"""Importing WooCommerce and BigCommerce order history: the REST APIs faked, both databases.

WooCommerce is faked as an `httpx.MockTransport` handler serving REST v3 orders (the last
body each simulated order's webhooks carried); BigCommerce is FakeBigCommerce behind a real
loopback HTTP server, its orders created through BigCommerceSimulator.
"""

from __future__ import annotations

import base64
import json
import math
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import typer
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from orderline.cli.importing import import_orders
from orderline.clock import system_clock
from orderline.connectors.bigcommerce import ApiSettings, BigCommerceClient, BigCommerceConnector
from orderline.connectors.bigcommerce.history import BigCommerceHistory
from orderline.connectors.woocommerce import WooApiSettings, WooCommerceClient, WooCommerceConnector
from orderline.connectors.woocommerce import plugin as woocommerce_plugin
from orderline.connectors.woocommerce.history import WooCommerceHistory
from orderline.persistence import order_queries
from orderline.persistence.database import make_engine
from orderline.persistence.inbox import InboxRecord, write_records
from orderline.persistence.tables import facts, inbox, orders
from orderline.services.importer import import_history
from orderline.services.processing import Processor
from orderline.simulation.bigcommerce import BigCommerceSimulator, FakeBigCommerce, FakeBigCommerceServer
from orderline.simulation.bigcommerce.bodies import rfc2822
from orderline.simulation.woocommerce import generate_order_history

SINCE = datetime(2020, 1, 1, tzinfo=UTC)
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SITE = "https://woo.example.com"
WOO_KEY, WOO_SECRET = "ck_test", "cs_test"
STORE_HASH = "bc7x2"
runner = CliRunner()


def cli() -> typer.Typer:
    app = typer.Typer()
    app.callback()(lambda: None)
    app.command("import")(import_orders)
    return app


def table_rows(engine: Engine) -> dict[str, list[Any]]:
    """Projections and facts, without surrogate ids and inbox references."""
    with engine.connect() as connection:
        return {
            table.name: sorted(
                tuple(str(v) for v in row)
                for row in connection.execute(
                    select(*(c for c in table.columns if c.name not in ("id", "inbox_id")))
                )
            )
            for table in (orders, facts)
        }


def inbox_count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(inbox)).scalar_one())


def order_ids(engine: Engine, store_id: str) -> set[str]:
    with engine.connect() as connection:
        return {
            row[0]
            for row in connection.execute(select(orders.c.order_id).where(orders.c.store_id == store_id))
        }


# --- a fake WooCommerce REST v3 API ------------------------------------------------------


class FakeWooRest:
    """`GET /wp-json/wc/v3/orders`: Basic auth, `modified_after` (GMT), oldest change first,
    `page` / `per_page`, and the `X-WP-Total` / `X-WP-TotalPages` headers."""

    def __init__(self, order_bodies: list[dict[str, Any]]) -> None:
        self.orders = order_bodies
        self.requests = 0

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        expected = "Basic " + base64.b64encode(f"{WOO_KEY}:{WOO_SECRET}".encode()).decode()
        if request.headers.get("authorization") != expected:
            error = {"code": "woocommerce_rest_cannot_view", "message": "Sorry, you cannot list resources."}
            return httpx.Response(401, json={**error, "data": {"status": 401}})
        if request.url.path != "/wp-json/wc/v3/orders":
            return httpx.Response(404, json={"code": "rest_no_route", "message": "No route", "data": {}})
        params = request.url.params
        after = params.get("modified_after", "")
        matching = sorted(
            (o for o in self.orders if o["date_modified_gmt"] > after),
            key=lambda o: (o["date_modified_gmt"], o["id"]),
        )
        page, per_page = int(params.get("page", "1")), int(params.get("per_page", "10"))
        headers = {
            "X-WP-Total": str(len(matching)),
            "X-WP-TotalPages": str(math.ceil(len(matching) / per_page)),
        }
        return httpx.Response(200, json=matching[(page - 1) * per_page : page * per_page], headers=headers)


def woo_histories(count: int, seed: int = 21) -> list[list[Any]]:
    rng = random.Random(seed)
    return [
        generate_order_history(rng, order_id=1_000 + n, start=START + timedelta(hours=n), site_url=SITE)
        for n in range(count)
    ]


def latest_bodies(histories: list[list[Any]]) -> list[dict[str, Any]]:
    """Each order as the REST API shows it now: the body of its last save."""
    return [orjson.loads(history[-1].body) for history in histories]


@pytest.fixture(scope="module")
def woo() -> FakeWooRest:
    return FakeWooRest(latest_bodies(woo_histories(50)))


def woo_client(fake: FakeWooRest, per_page: int = 100) -> WooCommerceClient:
    settings = WooApiSettings(SITE, WOO_KEY, WOO_SECRET, per_page=per_page)
    return WooCommerceClient(settings, http=httpx.MockTransport(fake.handler), sleep=lambda _: None)


def woo_processor(engine: Engine) -> Processor:
    return Processor(engine, {"woocommerce": WooCommerceConnector()}, system_clock)


def woo_config(
    tmp_path: Path, credentials: str = f"    api_key: {WOO_KEY}\n    api_token: {WOO_SECRET}\n"
) -> Path:
    config = tmp_path / "orderline.yaml"
    config.write_text(
        f"database_url: sqlite:///{tmp_path / 'orderline.db'}\n"
        "stores:\n"
        "  - id: woo-1\n"
        "    platform: woocommerce\n"
        f"    site_url: {SITE}\n"
        "    webhook_secrets: [secret]\n" + credentials
    )
    return config


@pytest.fixture
def woo_over_mock(monkeypatch: pytest.MonkeyPatch, woo: FakeWooRest) -> FakeWooRest:
    """The CLI's WooCommerceClient talks to the fake through a MockTransport."""
    monkeypatch.setattr(
        woocommerce_plugin,
        "WooCommerceClient",
        lambda settings: WooCommerceClient(settings, http=httpx.MockTransport(woo.handler)),
    )
    return woo


def test_woocommerce_import_command_brings_every_order_and_a_second_run_adds_nothing(
    tmp_path: Path, woo_over_mock: FakeWooRest
) -> None:
    command = ["import", "--store", "woo-1", "--since", "2020-01-01", "--config", str(woo_config(tmp_path))]

    first = runner.invoke(cli(), command)

    assert first.exit_code == 0, first.output
    assert "imported 50 orders of woo-1" in first.stdout and "50 new, 0 already imported" in first.stdout
    engine = make_engine(f"sqlite:///{tmp_path / 'orderline.db'}")
    with engine.connect() as connection:
        for body in woo_over_mock.orders:
            order = order_queries.get_order(connection, "woo-1", str(body["id"]))
            assert order is not None, body["id"]
            assert order["order_number"].lstrip("#") == str(body["number"])
        assert order_queries.list_dead_letters(connection, 5) == []
        keys = {row[0] for row in connection.execute(select(inbox.c.dedupe_key))}
    assert keys == {f"import:{o['id']}:{o['date_modified_gmt']}" for o in woo_over_mock.orders}
    before = table_rows(engine)

    second = runner.invoke(cli(), command)

    assert second.exit_code == 0, second.output
    assert "0 new, 50 already imported; 0 deliveries processed" in second.stdout
    assert inbox_count(engine) == 50 and table_rows(engine) == before
    engine.dispose()


def test_woocommerce_import_is_idempotent_on_each_database(engine: Engine, woo: FakeWooRest) -> None:
    with woo_client(woo, per_page=15) as client:
        first = import_history(engine, woo_processor(engine), WooCommerceHistory(client), "woo-1", SINCE)
        before = table_rows(engine)
        second = import_history(engine, woo_processor(engine), WooCommerceHistory(client), "woo-1", SINCE)

    assert (first.fetched, first.stored, first.processed) == (50, 50, 50)
    assert (second.fetched, second.stored, second.processed) == (50, 0, 0)
    assert order_ids(engine, "woo-1") == {str(o["id"]) for o in woo.orders}
    assert table_rows(engine) == before


def test_imported_woocommerce_orders_have_the_facts_their_webhooks_give(engine: Engine) -> None:
    """Importing the orders' current bodies folds to what their last webhooks fold to."""
    histories = woo_histories(12, seed=4)
    with engine.begin() as connection:
        write_records(connection, [webhook_record(history[-1]) for history in histories])
    woo_processor(engine).run_until_idle()
    from_webhooks = table_rows(engine)
    assert len(from_webhooks["orders"]) >= 10 and len(from_webhooks["facts"]) > 30
    with engine.begin() as connection:
        for table in (orders, facts, inbox):
            connection.execute(table.delete())

    with woo_client(FakeWooRest(latest_bodies(histories))) as client:
        import_history(engine, woo_processor(engine), WooCommerceHistory(client), "woo-1", SINCE)

    assert table_rows(engine) == from_webhooks


def webhook_record(webhook: Any) -> InboxRecord:
    return InboxRecord(
        platform="woocommerce",
        store_id="woo-1",
        topic=webhook.topic,
        dedupe_key=f"sha256:{webhook.topic}:{webhook.triggered_at.isoformat()}:{len(webhook.body)}",
        event_id=None,
        received_at=system_clock(),
        triggered_at=webhook.triggered_at,
        headers=webhook.headers("secret", SITE, 1),
        body=webhook.body,
    )


def test_woocommerce_since_is_sent_as_modified_after(engine: Engine, woo: FakeWooRest) -> None:
    middle = sorted(o["date_modified_gmt"] for o in woo.orders)[30]
    since = datetime.fromisoformat(middle).replace(tzinfo=UTC)

    with woo_client(woo) as client:
        result = import_history(engine, woo_processor(engine), WooCommerceHistory(client), "woo-1", since)

    assert result.fetched == sum(1 for o in woo.orders if o["date_modified_gmt"] > middle)


@pytest.mark.parametrize(
    ("credentials", "message"),
    [
        (f"    api_token: {WOO_SECRET}\n", "store woo-1 has no api_key (the WooCommerce consumer key)"),
        (f"    api_key: {WOO_KEY}\n", "store woo-1 has no api_token (the WooCommerce consumer secret)"),
    ],
)
def test_woocommerce_import_without_credentials_is_refused_clearly(
    tmp_path: Path, credentials: str, message: str
) -> None:
    config = woo_config(tmp_path, credentials)

    result = runner.invoke(
        cli(), ["import", "--store", "woo-1", "--since", "2020-01-01", "--config", str(config)]
    )

    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / "orderline.db").exists()


def test_a_refused_woocommerce_key_stops_the_import(tmp_path: Path, woo_over_mock: FakeWooRest) -> None:
    config = woo_config(tmp_path, f"    api_key: ck_wrong\n    api_token: {WOO_SECRET}\n")

    result = runner.invoke(
        cli(), ["import", "--store", "woo-1", "--since", "2020-01-01", "--config", str(config)]
    )

    assert result.exit_code == 1
    assert (
        "import of woo-1 stopped" in result.output
        and "HTTP 401 woocommerce_rest_cannot_view" in result.output
    )


# --- BigCommerce against FakeBigCommerceServer -------------------------------------------


def bigcommerce_store(order_count: int = 20) -> FakeBigCommerce:
    """Orders awaiting fulfillment; every second one shipped, every fourth in two shipments."""
    api = FakeBigCommerce(STORE_HASH, quota=100_000)
    sim = BigCommerceSimulator(random.Random(3), STORE_HASH, api=api, start=START, duplicate_chance=0)
    for n in range(order_count):
        order_id, _ = sim.place_order(status_id=11, payment_status="captured", line_count=2)
        if n % 4 == 0:
            first = sim.order(order_id).products[0]
            sim.ship(order_id, [(first.id, first.quantity)])
        if n % 2 == 0:
            sim.ship(order_id)
    return api


@pytest.fixture
def bigcommerce() -> Iterator[FakeBigCommerceServer]:
    with FakeBigCommerceServer(bigcommerce_store()) as server:
        yield server


def bigcommerce_client(server: FakeBigCommerceServer) -> BigCommerceClient:
    settings = ApiSettings(STORE_HASH, server.api.api_token, api_base_url=server.base_url, timeout_s=5.0)
    return BigCommerceClient(settings)


def assert_shipments_match(engine: Engine, store_id: str, api: FakeBigCommerce) -> None:
    with engine.connect() as connection:
        for order_id, fake in api.state.orders.items():
            order = order_queries.get_order(connection, store_id, str(order_id))
            assert order is not None, order_id
            tracking = sorted(number for s in order["shipments"] for number in s["tracking_numbers"])
            assert tracking == sorted(s.tracking_number for s in fake.shipments), order_id


def test_bigcommerce_import_command_brings_every_order_with_its_shipments(
    tmp_path: Path, bigcommerce: FakeBigCommerceServer
) -> None:
    config = tmp_path / "orderline.yaml"
    config.write_text(
        f"database_url: sqlite:///{tmp_path / 'orderline.db'}\n"
        "stores:\n"
        "  - id: bc-1\n"
        "    platform: bigcommerce\n"
        f"    store_hash: {STORE_HASH}\n"
        "    webhook_secrets: [secret]\n"
        f"    api_token: {bigcommerce.api.api_token}\n"
        f"    api_base_url: {bigcommerce.base_url}\n"
    )
    command = ["import", "--store", "bc-1", "--since", "2020-01-01", "--config", str(config)]

    first = runner.invoke(cli(), command)

    assert first.exit_code == 0, first.output
    assert "imported 20 orders of bc-1" in first.stdout and "20 new, 0 already imported" in first.stdout
    engine = make_engine(f"sqlite:///{tmp_path / 'orderline.db'}")
    assert_shipments_match(engine, "bc-1", bigcommerce.api)
    before = table_rows(engine)

    second = runner.invoke(cli(), command)

    assert second.exit_code == 0, second.output
    assert "0 new, 20 already imported; 0 deliveries processed" in second.stdout
    assert inbox_count(engine) == 20 and table_rows(engine) == before
    engine.dispose()


def test_bigcommerce_import_stores_thin_deliveries_and_is_idempotent_on_each_database(
    engine: Engine, bigcommerce: FakeBigCommerceServer
) -> None:
    with bigcommerce_client(bigcommerce) as client:
        processor = Processor(engine, {"bigcommerce": BigCommerceConnector({"bc-1": client})}, system_clock)
        first = import_history(engine, processor, BigCommerceHistory(client, page_size=7), "bc-1", SINCE)
        before = table_rows(engine)
        second = import_history(engine, processor, BigCommerceHistory(client, page_size=7), "bc-1", SINCE)

    assert (first.fetched, first.stored, first.processed) == (20, 20, 20)
    assert (second.fetched, second.stored, second.processed) == (20, 0, 0)
    assert_shipments_match(engine, "bc-1", bigcommerce.api)
    assert table_rows(engine) == before
    fake = bigcommerce.api.state.orders[min(bigcommerce.api.state.orders)]
    with engine.connect() as connection:
        topic, key, body = connection.execute(
            select(inbox.c.topic, inbox.c.dedupe_key, inbox.c.body).where(
                inbox.c.dedupe_key.like(f"import:{fake.id}:%")
            )
        ).one()
    assert (topic, key) == ("store/order/updated", f"import:{fake.id}:{rfc2822(fake.date_modified)}")
    assert json.loads(body) == {
        "scope": "store/order/updated",
        "data": {"type": "order", "id": fake.id},
        "created_at": int(fake.date_modified.timestamp()),
        "producer": f"stores/{STORE_HASH}",
    }


def test_bigcommerce_import_without_a_token_is_refused_clearly(tmp_path: Path) -> None:
    config = tmp_path / "orderline.yaml"
    config.write_text(
        f"database_url: sqlite:///{tmp_path / 'orderline.db'}\n"
        "stores:\n"
        "  - id: bc-1\n"
        "    platform: bigcommerce\n"
        f"    store_hash: {STORE_HASH}\n"
        "    webhook_secrets: [secret]\n"
    )

    result = runner.invoke(
        cli(), ["import", "--store", "bc-1", "--since", "2020-01-01", "--config", str(config)]
    )

    assert result.exit_code == 2
    assert "store bc-1 has no api_token" in result.output
    assert not (tmp_path / "orderline.db").exists()
