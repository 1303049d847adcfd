"""Importing order history from a (fake) Shopify Admin API over real HTTP, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
import typer
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from orderline.cli.importing import import_orders
from orderline.clock import system_clock
from orderline.connectors.shopify import (
    AdminApiSettings,
    OrdersPage,
    ShopifyAdminClient,
    ShopifyApiError,
    ShopifyConnector,
)
from orderline.connectors.shopify.history import ShopifyHistory
from orderline.persistence import order_queries
from orderline.persistence.database import make_engine, migrate
from orderline.persistence.tables import facts, inbox, orders
from orderline.services.importer import import_history
from orderline.services.processing import Processor
from orderline.services.replay import replay_inbox
from orderline.simulation.shopify.fake_admin import FakeAdminServer, ShopSpec

SINCE = datetime(2020, 1, 1, tzinfo=UTC)
SHOP = "import-test.myshopify.com"
runner = CliRunner()


def cli() -> typer.Typer:
    """`orderline import` as the main app registers it."""
    app = typer.Typer()
    app.callback()(lambda: None)
    app.command("import")(import_orders)
    return app


@pytest.fixture(scope="module")
def shop() -> Iterator[FakeAdminServer]:
    with FakeAdminServer(ShopSpec(order_count=2_000, seed=11, restore_rate=1e9, bucket_size=1e9)) as server:
        yield server


def write_config(tmp_path: Path, server: FakeAdminServer, extra_store: str = "") -> Path:
    config = tmp_path / "orderline.yaml"
    config.write_text(
        f"database_url: sqlite:///{tmp_path / 'orderline.db'}\n"
        "stores:\n"
        "  - id: shop-1\n"
        "    platform: shopify\n"
        f"    shop_domain: {SHOP}\n"
        "    webhook_secrets: [secret]\n"
        f"    api_token: {server.api.spec.access_token}\n"
        f"    api_base_url: {server.url}\n" + extra_store
    )
    return config


def table_rows(engine: Engine) -> dict[str, list[Any]]:
    """Projections and facts, without surrogate ids (PostgreSQL does not reuse them)."""
    with engine.connect() as connection:
        return {
            table.name: sorted(
                tuple(str(v) for v in row)
                for row in connection.execute(select(*(c for c in table.columns if c.name != "id")))
            )
            for table in (orders, facts)
        }


def inbox_count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(inbox)).scalar_one())


def test_import_command_brings_every_order_and_a_second_run_adds_nothing(
    tmp_path: Path, shop: FakeAdminServer
) -> None:
    config = write_config(tmp_path, shop)
    command = ["import", "--store", "shop-1", "--since", "2020-01-01", "--config", str(config)]

    first = runner.invoke(cli(), command)

    assert first.exit_code == 0, first.output
    assert "imported 2000 orders of shop-1" in first.stdout and "2000 new, 0 already imported" in first.stdout
    engine = make_engine(f"sqlite:///{tmp_path / 'orderline.db'}")
    expected_ids = {str(order.key[1]) for order in shop.api.orders}
    with engine.connect() as connection:
        assert order_queries.count_orders(connection) == 2_000
        statuses = connection.execute(select(inbox.c.status, func.count()).group_by(inbox.c.status)).all()
        assert [tuple(row) for row in statuses] == [("processed", 2_000)]
        assert order_queries.list_dead_letters(connection, 5) == []
        assert {row[0] for row in connection.execute(select(orders.c.order_id))} == expected_ids
    before = table_rows(engine)

    second = runner.invoke(cli(), command)

    assert second.exit_code == 0, second.output
    assert "0 new, 2000 already imported; 0 deliveries processed" in second.stdout
    assert inbox_count(engine) == 2_000
    assert table_rows(engine) == before
    engine.dispose()


def test_an_imported_order_reads_as_the_api_node_says(tmp_path: Path, shop: FakeAdminServer) -> None:
    config = write_config(tmp_path, shop)
    runner.invoke(cli(), ["import", "--store", "shop-1", "--since", "2020-01-01", "--config", str(config)])
    engine = make_engine(f"sqlite:///{tmp_path / 'orderline.db'}")
    node = next(
        orjson.loads(o.body)
        for o in shop.api.orders
        if orjson.loads(o.body)["displayFulfillmentStatus"] == "ON_HOLD"
    )

    with engine.connect() as connection:
        order = order_queries.get_order(connection, "shop-1", node["legacyResourceId"])

    assert order is not None
    assert (order["order_number"], order["status"]) == (node["name"], "on_hold")
    hold = node["fulfillmentOrders"]["nodes"][0]["fulfillmentHolds"][0]
    assert [h["note"] for h in order["holds"]] == [hold["reasonNotes"]]
    engine.dispose()


def test_since_limits_the_import_to_orders_updated_after_it(tmp_path: Path, shop: FakeAdminServer) -> None:
    config = write_config(tmp_path, shop)
    middle = shop.api.orders[1_500].key[0]
    newer = sum(1 for order in shop.api.orders if order.key[0] > middle)

    result = runner.invoke(cli(), ["import", "--store", "shop-1", "--since", middle, "--config", str(config)])

    assert result.exit_code == 0, result.output
    assert f"imported {newer} orders" in result.stdout
    engine = make_engine(f"sqlite:///{tmp_path / 'orderline.db'}")
    assert inbox_count(engine) == newer
    engine.dispose()


def test_import_for_a_store_without_credentials_is_refused_clearly(
    tmp_path: Path, shop: FakeAdminServer
) -> None:
    woo = (
        "  - id: woo-1\n"
        "    platform: woocommerce\n"
        "    site_url: https://shop.example.com\n"
        "    webhook_secrets: [secret]\n"
    )
    config = write_config(tmp_path, shop, woo)

    result = runner.invoke(
        cli(), ["import", "--store", "woo-1", "--since", "2020-01-01", "--config", str(config)]
    )

    assert result.exit_code == 2
    assert "store woo-1 has no api_key (the WooCommerce consumer key)" in result.output
    assert not (tmp_path / "orderline.db").exists()


def test_import_of_an_unknown_store_names_the_configured_ones(tmp_path: Path, shop: FakeAdminServer) -> None:
    config = write_config(tmp_path, shop)

    result = runner.invoke(
        cli(), ["import", "--store", "nope", "--since", "2020-01-01", "--config", str(config)]
    )

    assert result.exit_code == 2
    assert "unknown store 'nope'" in result.output and "shop-1" in result.output


def test_a_refused_token_stops_the_import_with_the_api_error(tmp_path: Path, shop: FakeAdminServer) -> None:
    config = write_config(tmp_path, shop)
    config.write_text(config.read_text().replace(shop.api.spec.access_token, "shpat_wrong"))

    result = runner.invoke(
        cli(), ["import", "--store", "shop-1", "--since", "2020-01-01", "--config", str(config)]
    )

    assert result.exit_code == 1
    assert "import of shop-1 stopped" in result.output and "HTTP 401" in result.output


# --- the use case, on SQLite and PostgreSQL ---------------------------------------------


def processor_for(engine: Engine) -> Processor:
    return Processor(engine, {"shopify": ShopifyConnector()}, system_clock, batch_size=2_000)


def client_for(server: FakeAdminServer) -> ShopifyAdminClient:
    settings = AdminApiSettings(SHOP, server.api.spec.access_token, api_base_url=server.url)
    return ShopifyAdminClient(settings)


class CountingProgress:
    def __init__(self) -> None:
        self.fetched_orders = 0
        self.processed_deliveries = 0

    def fetched(self, orders: int) -> None:
        self.fetched_orders += orders

    def processed(self, deliveries: int) -> None:
        self.processed_deliveries += deliveries


def test_import_history_is_idempotent_on_each_database(engine: Engine) -> None:
    with FakeAdminServer(ShopSpec(order_count=300, seed=5, restore_rate=1e9, bucket_size=1e9)) as server:
        progress = CountingProgress()
        with client_for(server) as client:
            first = import_history(
                engine, processor_for(engine), ShopifyHistory(client, page_size=40), "shop-1", SINCE, progress
            )
            before = table_rows(engine)
            second = import_history(
                engine, processor_for(engine), ShopifyHistory(client, page_size=40), "shop-1", SINCE
            )

    assert (first.fetched, first.stored, first.processed) == (300, 300, 300)
    assert (progress.fetched_orders, progress.processed_deliveries) == (300, 300)
    assert (second.fetched, second.stored, second.processed) == (300, 0, 0)
    with engine.connect() as connection:
        assert order_queries.count_orders(connection) == 300
    assert table_rows(engine) == before


def test_imported_orders_are_rebuilt_by_replay(engine: Engine) -> None:
    spec = ShopSpec(order_count=200, seed=8, restore_rate=1e9, bucket_size=1e9)
    with FakeAdminServer(spec) as server, client_for(server) as client:
        import_history(engine, processor_for(engine), ShopifyHistory(client), "shop-1", SINCE)
    before = table_rows(engine)

    replayed = replay_inbox(engine, processor_for(engine)).deliveries

    assert replayed == 200
    assert table_rows(engine) == before


def test_import_waits_out_the_rate_limit(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'o.db'}")
    migrate(engine)
    # Starting the bulk operation takes 10 of the bucket's 11 points; polling it (1 point
    # each) drains the rest, so a poll is throttled until the bucket has refilled.
    spec = ShopSpec(order_count=400, seed=3, bucket_size=11.0, restore_rate=2.0, bulk_polls_running=3)
    with FakeAdminServer(spec) as server, client_for(server) as client:
        result = import_history(
            engine, processor_for(engine), ShopifyHistory(client, page_size=50), "shop-1", SINCE
        )
        throttled = server.api.throttled

    assert result.fetched == 400 and result.stored == 400
    assert throttled > 0
    engine.dispose()


def test_the_import_asks_for_one_grouped_bulk_query_within_shopify_limits(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'o.db'}")
    migrate(engine)
    spec = ShopSpec(order_count=20, seed=3, restore_rate=1e9, bucket_size=1e9)
    with FakeAdminServer(spec) as server, client_for(server) as client:
        import_history(engine, processor_for(engine), ShopifyHistory(client), "shop-1", SINCE)
        (query,) = server.api.bulk_queries

    assert "orders(query: \"updated_at:>'2020-01-01T00:00:00Z'\", sortKey: UPDATED_AT)" in query
    # Shopify's bulk limits: at most five connections, nested at most two deep, no `first`.
    assert query.count("edges {") == 5
    assert "first:" not in query
    assert inbox_count(engine) == 20
    engine.dispose()


def test_a_refused_bulk_query_stops_the_import_with_shopifys_message(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'o.db'}")
    migrate(engine)
    spec = ShopSpec(order_count=50, seed=3, restore_rate=1e9, bucket_size=1e9, bulk_polls_running=10**6)
    in_progress = pytest.raises(
        ShopifyApiError, match=r"bulk query refused: A bulk query operation .* in progress"
    )
    with FakeAdminServer(spec) as server, client_for(server) as client:
        server.api.answer(
            spec.access_token,
            orjson.dumps(
                {
                    "query": "mutation { bulkOperationRunQuery(",
                    "variables": {"query": "{ orders { edges { node { id } } } }"},
                }
            ),
        )
        with in_progress:
            import_history(engine, processor_for(engine), ShopifyHistory(client), "shop-1", SINCE)

    assert inbox_count(engine) == 0
    engine.dispose()


def test_the_fake_resolves_a_fulfillment_order_to_its_order(shop: FakeAdminServer) -> None:
    order = shop.api.orders[7]

    with client_for(shop) as client:
        found = client.order_for_fulfillment_order(str(order.fulfillment_order_ids[0]))
        unknown = client.order_for_fulfillment_order("gid://shopify/FulfillmentOrder/1")

    assert (found, unknown) == (str(order.key[1]), None)


class ScriptedPages:
    """An Admin API that returns the given order nodes as one page."""

    def __init__(self, nodes: list[dict[str, Any]]) -> None:
        self.nodes = nodes

    def orders_updated_since(self, since: datetime, page_size: int = 250) -> Iterator[OrdersPage]:
        yield OrdersPage(tuple(self.nodes), has_next_page=False)


def test_an_order_changed_since_the_last_import_is_stored_as_its_new_version(
    engine: Engine, shop: FakeAdminServer
) -> None:
    pending = next(
        orjson.loads(o.body) for o in shop.api.orders if b'"displayFinancialStatus":"PENDING"' in o.body
    )
    paid = {**pending, "displayFinancialStatus": "PAID", "updatedAt": "2027-01-01T00:00:00Z"}
    import_history(engine, processor_for(engine), ShopifyHistory(ScriptedPages([pending])), "shop-1", SINCE)

    again = import_history(
        engine, processor_for(engine), ShopifyHistory(ScriptedPages([pending, paid])), "shop-1", SINCE
    )

    assert (again.fetched, again.stored, again.processed) == (2, 1, 1)
    with engine.connect() as connection:
        order = order_queries.get_order(connection, "shop-1", pending["legacyResourceId"])
    assert order is not None and order["payment_status"] == "paid"
    assert inbox_count(engine) == 2
