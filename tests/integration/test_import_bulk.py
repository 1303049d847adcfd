"""The import's bulk path stores exactly what the Processor's general path stores, on both databases.

Each comparison imports the same deliveries twice into one database, wiped in between:
once through `import_records` (store raw, then the Processor) and once through
`import_in_bulk`; every row the two leave behind must be equal. Inbox ids are compared
through the delivery they name (PostgreSQL does not reuse ids after a wipe).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from sqlalchemy import Connection, Engine, Table, delete, select

from orderline.connectors.shopify import OrdersPage, ShopifyConnector
from orderline.connectors.shopify.history import deliveries
from orderline.domain.facts import fact_key_of
from orderline.persistence import order_queries
from orderline.persistence.database import make_engine, migrate
from orderline.persistence.exception_tables import timers
from orderline.persistence.inbox import InboxRecord, write_records
from orderline.persistence.tables import dead_letters, facts, fulfillment_order_index, inbox, orders
from orderline.services.bulk_import import BulkImport
from orderline.services.importer import ImportResult, import_in_bulk, import_records, inbox_records
from orderline.services.order_rows import content_key
from orderline.services.processing import Processor
from orderline.simulation.shopify import generate_order_history
from orderline.simulation.shopify.admin_orders import FIRST_ORDER_ID, generate_order_nodes

STORE = "shop-1"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
RECEIVED = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
Pages = list[list[InboxRecord]]


def clock() -> datetime:
    return NOW


def processor_for(engine: Engine) -> Processor:
    return Processor(engine, {"shopify": ShopifyConnector()}, clock, batch_size=500)


def node_list(count: int, seed: int) -> list[dict[str, Any]]:
    start = datetime(2026, 1, 5, tzinfo=UTC)
    return [orjson.loads(order.body) for order in generate_order_nodes(count, seed=seed, start=start)]


def pages_of(nodes: list[dict[str, Any]], page_size: int = 60) -> Pages:
    return [
        inbox_records(
            "shopify",
            STORE,
            deliveries(OrdersPage(tuple(nodes[i : i + page_size]), has_next_page=False), RECEIVED),
        )
        for i in range(0, len(nodes), page_size)
    ]


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row an import writes, as the driver reads it back (SQLite: the stored text),
    surrogate ids replaced by the delivery they stand for."""
    with engine.connect() as connection:
        key_of = dict(_raw(connection, inbox, ["id", "dedupe_key"]))
        rows = {table.name: _raw(connection, table) for table in (orders, fulfillment_order_index, timers)}
        rows["inbox"] = _raw(connection, inbox, _names(inbox, "id"))
        rows["facts"] = [
            (*row[:-1], key_of.get(row[-1]))
            for row in _raw(connection, facts, [*_names(facts, "id", "inbox_id"), "inbox_id"])
        ]
        rows["dead_letters"] = _raw(connection, dead_letters, ["reason", "body"])
    return {name: sorted(table_rows, key=repr) for name, table_rows in rows.items()}


def _raw(connection: Connection, table: Table, names: list[str] | None = None) -> list[tuple[Any, ...]]:
    columns = ", ".join(names or [column.name for column in table.columns])
    return [tuple(row) for row in connection.exec_driver_sql(f"SELECT {columns} FROM {table.name}")]


def _names(table: Table, *leaving_out: str) -> list[str]:
    return [column.name for column in table.columns if column.name not in leaving_out]


def wipe(engine: Engine) -> None:
    with engine.begin() as connection:
        for table in (orders, facts, fulfillment_order_index, timers, dead_letters, inbox):
            connection.execute(delete(table))


Run = tuple[ImportResult, dict[str, list[tuple[Any, ...]]]]


def both_ways(engine: Engine, pages: Pages, given: Pages | None = None) -> tuple[Run, Run]:
    """(generic, bulk): each import's result and the rows it left, both starting from
    the `given` deliveries already processed."""
    runs = []
    for run in (import_records, _bulk_inline):
        wipe(engine)
        for records in given or []:
            with engine.begin() as connection:
                write_records(connection, records)
        processor_for(engine).run_until_idle()
        result = run(engine, processor_for(engine), STORE, pages)
        runs.append((result, snapshot(engine)))
    return runs[0], runs[1]


def _bulk_inline(engine: Engine, processor: Processor, store_id: str, pages: Pages) -> ImportResult:
    return import_in_bulk(engine, processor, store_id, pages, workers=0)


def counts(result: ImportResult) -> tuple[int, int, int]:
    return result.fetched, result.stored, result.processed


def test_bulk_import_stores_exactly_what_the_processor_stores(engine: Engine) -> None:
    pages = pages_of(node_list(300, seed=5))

    (generic, expected), (bulk, stored) = both_ways(engine, pages)

    assert counts(bulk) == counts(generic) == (300, 300, 300)
    assert stored == expected
    assert len(stored["orders"]) == 300
    assert all("timeline" in str(row) for row in stored["orders"])
    assert {row[-1] for row in stored["timers"]} == {"touched"} and len(stored["timers"]) == 300
    assert {row[10:12] for row in stored["inbox"]} == {("processed", 1)}
    assert stored["fulfillment_order_index"] != []


def test_a_second_bulk_import_stores_nothing_and_changes_nothing(engine: Engine) -> None:
    pages = pages_of(node_list(120, seed=6), page_size=25)
    import_in_bulk(engine, processor_for(engine), STORE, pages, workers=0)
    before = snapshot(engine)

    again = import_in_bulk(engine, processor_for(engine), STORE, pages, workers=0)

    assert counts(again) == (120, 0, 0)
    assert snapshot(engine) == before


def test_an_order_known_from_webhooks_is_merged_as_the_processor_merges_it(engine: Engine) -> None:
    nodes = node_list(40, seed=7)
    order_id = FIRST_ORDER_ID + 3
    node = next(n for n in nodes if n["legacyResourceId"] == str(order_id))
    # Webhooks for the same order, all later than the node: their snapshot wins the header.
    later = datetime(2026, 6, 1, tzinfo=UTC)
    webhooks = generate_order_history(random.Random(3), order_id=order_id, start=later)
    given = [[_webhook_record(w) for w in webhooks]]

    (generic, expected), (bulk, stored) = both_ways(engine, pages_of(nodes), given)

    assert counts(bulk) == counts(generic) == (40, 40, 40)
    assert stored == expected
    with engine.connect() as connection:
        order = order_queries.get_order(connection, STORE, str(order_id))
        imported = connection.execute(
            select(inbox.c.status).where(inbox.c.order_id == str(order_id), inbox.c.topic == "import/order")
        ).all()
    assert node["updatedAt"].startswith("2026-01")
    assert order is not None and order["updated_at"].startswith("2026-06")
    assert [tuple(row) for row in imported] == [("processed",)]


def _webhook_record(webhook: Any) -> InboxRecord:
    return InboxRecord(
        platform="shopify",
        store_id=STORE,
        topic=webhook.topic,
        dedupe_key=webhook.webhook_id,
        event_id=webhook.event_id,
        received_at=webhook.triggered_at,
        triggered_at=webhook.triggered_at,
        headers={},
        body=webhook.body,
    )


def test_two_versions_of_a_new_order_in_one_page_fold_together(engine: Engine) -> None:
    pending = next(n for n in node_list(60, seed=8) if n["displayFinancialStatus"] == "PENDING")
    paid = {**pending, "displayFinancialStatus": "PAID", "updatedAt": "2027-01-01T00:00:00Z"}

    (generic, expected), (bulk, stored) = both_ways(engine, pages_of([pending, paid]))

    assert counts(bulk) == counts(generic) == (2, 2, 2)
    assert stored == expected
    with engine.connect() as connection:
        order = order_queries.get_order(connection, STORE, pending["legacyResourceId"])
    assert order is not None and order["payment_status"] == "paid"


def test_a_node_that_does_not_map_is_dead_lettered_as_the_processor_does(engine: Engine) -> None:
    nodes = node_list(10, seed=9)
    del nodes[4]["updatedAt"]

    (generic, expected), (bulk, stored) = both_ways(engine, pages_of(nodes))

    assert counts(bulk) == counts(generic) == (10, 10, 10)
    assert stored == expected
    assert len(stored["orders"]) == 9 and len(stored["dead_letters"]) == 1
    assert "updatedAt is missing" in stored["dead_letters"][0][0]


def test_worker_processes_prepare_the_same_rows_as_the_importing_process(tmp_path: Any) -> None:
    pages = pages_of(node_list(150, seed=10), page_size=30)
    snapshots = []
    for name, workers in (("inline", 0), ("pool", 1)):
        engine = make_engine(f"sqlite:///{tmp_path / name}.db")
        migrate(engine)
        with BulkImport(engine, processor_for(engine), STORE, workers=workers, pool_after_orders=0) as bulk:
            written = list(bulk.write_pages(pages))
        snapshots.append(snapshot(engine))
        engine.dispose()
        assert sum(page.processed for page in written) == 150

    assert snapshots[0] == snapshots[1]


@pytest.mark.parametrize(
    "text", ["plain", "Zoë", 'quote"d', "back\\slash", "tab\there", "del\x7f", "nul\x00", "\u2028", "😀"]
)
def test_content_key_is_the_domain_fact_key(text: str) -> None:
    body = {"type": "HoldPlaced", "note": text, "lines": [{"qty": 2**40}], "z": None, "a": True}

    assert content_key(body) == fact_key_of(body)
    assert content_key({**body, "big": 2**70}) == fact_key_of({**body, "big": 2**70})
