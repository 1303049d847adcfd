"""The quarantine on both databases: one delivery that cannot be processed is set aside
on its own, the rest of its batch commits, and a person retries or skips it."""

from __future__ import annotations

import copy
import json
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from orderline.cli import app
from orderline.connectors.base import Delivery, MappedDelivery, OrderResolver
from orderline.connectors.bigcommerce import ApiSettings, BigCommerceClient, BigCommerceConnector
from orderline.connectors.retry import RetryPolicy
from orderline.connectors.shopify import ShopifyConnector
from orderline.domain.facts import OrderSnapshot
from orderline.persistence.inbox import InboxRecord, write_records
from orderline.persistence.processing_tables import inbox_actions
from orderline.persistence.tables import dead_letters, inbox, orders
from orderline.services.processing import Processor
from orderline.simulation.bigcommerce import BigCommerceSimulator, FakeBigCommerce

FIXTURES = Path(__file__).parent.parent / "fixtures" / "platforms"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
runner = CliRunner()


def _order(order_id: int) -> dict[str, Any]:
    fixture = json.loads(
        (
            FIXTURES / "shopify" / "order_authorized_with_failed_fulfillment.shopify_python_api.json"
        ).read_text()
    )
    order: dict[str, Any] = copy.deepcopy(fixture["order"])
    order["id"] = order_id
    return order


def _store(engine: Engine, *bodies: dict[str, Any], store_id: str = "s1", platform: str = "shopify") -> None:
    with engine.begin() as connection:
        write_records(
            connection,
            [
                InboxRecord(
                    platform=platform,
                    store_id=store_id,
                    topic="orders/updated" if platform == "shopify" else "store/order/updated",
                    dedupe_key=uuid.uuid4().hex,
                    event_id=None,
                    received_at=NOW,
                    triggered_at=None,
                    headers={},
                    body=json.dumps(body).encode(),
                )
                for body in bodies
            ],
        )


def _statuses(engine: Engine) -> list[tuple[str, str | None]]:
    with engine.connect() as connection:
        return [(row.status, row.error) for row in connection.execute(select(inbox).order_by(inbox.c.id))]


def _order_ids(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return sorted(connection.execute(select(orders.c.order_id)).scalars())


class FarFutureShopify(ShopifyConnector):
    """A connector with a validation gap: order 666's snapshot is dated where the store's
    UTC column type overflows, so only committing it fails."""

    def map_delivery(self, delivery: Delivery, resolver: OrderResolver) -> MappedDelivery:
        mapped = super().map_delivery(delivery, resolver)
        if mapped.order_id != "666":
            return mapped
        far = datetime.max.replace(tzinfo=timezone(timedelta(hours=-1)))
        facts = [replace(f, updated_at=far) if isinstance(f, OrderSnapshot) else f for f in mapped.facts]
        return replace(mapped, facts=tuple(facts))


class BuggyShopify(ShopifyConnector):
    """A connector with a bug on order 13 (fixed by using ShopifyConnector again)."""

    def map_delivery(self, delivery: Delivery, resolver: OrderResolver) -> MappedDelivery:
        if delivery.payload["id"] == 13:
            return {}["missing"]  # type: ignore[no-any-return]
        return super().map_delivery(delivery, resolver)


def test_a_delivery_that_fails_to_commit_is_quarantined_alone_and_its_batch_commits(engine: Engine) -> None:
    _store(engine, _order(1), _order(2), _order(666), _order(3), _order(4))

    handled = Processor(engine, {"shopify": FarFutureShopify()}, lambda: NOW).run_until_idle()

    assert handled == 5
    assert _order_ids(engine) == ["1", "2", "3", "4"]
    statuses = _statuses(engine)
    assert [status for status, _ in statuses] == [
        "processed",
        "processed",
        "quarantined",
        "processed",
        "processed",
    ]
    assert "Overflow" in (statuses[2][1] or "") or "out of range" in (statuses[2][1] or "")
    with engine.connect() as connection:
        letters = connection.execute(select(dead_letters.c.reason, dead_letters.c.inbox_id)).all()
    assert [(reason.startswith("quarantined: "), inbox_id) for reason, inbox_id in letters] == [(True, 3)]


def test_a_mapping_bug_quarantines_one_delivery_and_a_retry_after_the_fix_processes_it(
    engine: Engine, tmp_path: Path
) -> None:
    _store(engine, _order(12), _order(13), _order(14))
    Processor(engine, {"shopify": BuggyShopify()}, lambda: NOW).run_until_idle()
    assert _order_ids(engine) == ["12", "14"]
    status, error = _statuses(engine)[1]
    assert (status, (error or "").split(" (")[0]) == ("quarantined", "KeyError: 'missing'")
    assert (error or "").endswith(")") and "test_quarantine.py:" in (error or "")
    config = _config(tmp_path, engine)

    listed = runner.invoke(app, ["inbox", "list", "--json", "--config", str(config)])
    retried = runner.invoke(app, ["inbox", "retry", "2", "--by", "ops-lead", "--config", str(config)])
    Processor(engine, {"shopify": ShopifyConnector()}, lambda: NOW).run_until_idle()

    assert [row["id"] for row in json.loads(listed.output)] == [2]
    assert retried.exit_code == 0, retried.output
    assert _order_ids(engine) == ["12", "13", "14"]
    assert _statuses(engine)[1] == ("processed", None)
    with engine.connect() as connection:
        actions = connection.execute(
            select(inbox_actions.c.inbox_id, inbox_actions.c.action, inbox_actions.c.actor)
        ).all()
        letters = connection.execute(select(dead_letters.c.id)).all()
    assert [tuple(a) for a in actions] == [(2, "retried", "ops-lead")]
    assert letters == []


def test_skipping_needs_a_reason_and_an_unknown_id_changes_nothing(engine: Engine, tmp_path: Path) -> None:
    _store(engine, _order(13))
    Processor(engine, {"shopify": BuggyShopify()}, lambda: NOW).run_until_idle()
    config = _config(tmp_path, engine)

    unknown = runner.invoke(app, ["inbox", "retry", "99", "--config", str(config)])
    skipped = runner.invoke(app, ["inbox", "skip", "1", "--reason", "test order", "--config", str(config)])
    again = runner.invoke(app, ["inbox", "retry", "--all", "--config", str(config)])

    assert unknown.exit_code == 1
    assert skipped.exit_code == 0
    assert _statuses(engine) == [("skipped", "skipped: test order")]
    assert "0 deliveries back in line" in again.output


def test_a_delivery_waits_for_a_down_api_then_is_quarantined_and_retried_once_it_is_back(
    engine: Engine, tmp_path: Path
) -> None:
    api = FakeBigCommerce("abc123")
    order_id, _ = BigCommerceSimulator(
        __import__("random").Random(2), "abc123", api=api, start=NOW
    ).place_order(status_id=11, payment_status="captured", line_count=1)
    client = BigCommerceClient(
        ApiSettings(
            "abc123", api.api_token, "http://bc.test/stores/abc123", retry=RetryPolicy(max_attempts=1)
        ),
        http=httpx.MockTransport(api.handler),
    )
    clock = [NOW]
    processor = Processor(
        engine,
        {"bigcommerce": BigCommerceConnector({"bc1": client})},
        lambda: clock[0],
        fetch_retry=RetryPolicy(max_attempts=3, base_delay_s=10.0),
    )
    thin = {"scope": "store/order/updated", "data": {"type": "order", "id": order_id}, "created_at": 1}
    _store(engine, thin, store_id="bc1", platform="bigcommerce")
    api.is_down = True

    tries = []
    for _ in range(3):
        processor.run_until_idle()
        tries.append(_statuses(engine)[0][0])
        clock[0] += timedelta(minutes=5)
    api.is_down = False
    released = runner.invoke(app, ["inbox", "retry", "--all", "--config", str(_config(tmp_path, engine))])
    processor.run_until_idle()

    assert tries == ["waiting", "waiting", "quarantined"]
    assert released.exit_code == 0
    assert _statuses(engine)[0] == ("processed", None)
    assert _order_ids(engine) == [str(order_id)]


JSON_LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False),
    st.sampled_from(["", "²", "9" * 400, "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "-1"]),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path] if path else []
    if isinstance(value, dict):
        for key, inner in value.items():
            found += _paths(inner, (*path, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += _paths(inner, (*path, index))
    return found


ORDER_PATHS = _paths(_order(1))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(ORDER_PATHS), leaf=JSON_LEAF)
def test_any_broken_body_is_processed_or_quarantined_and_the_next_order_still_flows(
    engine: Engine, path: tuple[Any, ...], leaf: Any
) -> None:
    with engine.connect() as connection:
        next_id = 2 * len(connection.execute(select(inbox.c.id)).all()) + 1000
    broken = _order(next_id)
    target = broken
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = leaf
    _store(engine, broken, _order(next_id + 1))

    Processor(engine, {"shopify": ShopifyConnector()}, lambda: NOW).run_until_idle()

    statuses = _statuses(engine)[-2:]
    assert statuses[0][0] in ("processed", "ignored", "quarantined"), statuses[0]
    assert statuses[0][0] != "quarantined" or statuses[0][1]
    assert statuses[1] == ("processed", None)
    assert str(next_id + 1) in _order_ids(engine)


def _config(tmp_path: Path, engine: Engine) -> Path:
    url = engine.url.render_as_string(hide_password=False)
    config = tmp_path / "orderline.yaml"
    config.write_text(
        f"database_url: '{url}'\n"
        "stores:\n"
        "  - {id: s1, platform: shopify, shop_domain: s1.myshopify.com, webhook_secrets: [x]}\n"
    )
    return config
