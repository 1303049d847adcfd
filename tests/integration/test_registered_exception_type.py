"""A type registered in one module works everywhere (issue 11): `high_value_order`
(tests/dummy_exception_type.py) is detected by a tick on a real database, owned by its
team, configured and shown by `check-config`, and listed by the exception API, with no
other module touched. The `registered` fixture takes it out again afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine

from orderline.config import ConfigError, check_config, parse_config
from orderline.domain.facts import Fact, LineItem, OrderSnapshot
from orderline.domain.fold import fold
from orderline.domain.order_exceptions import (
    DEFAULT_CALENDAR,
    DEFAULT_POLICY,
    EXCEPTION_TYPES,
    ExceptionPolicy,
)
from orderline.domain.vocabulary import PaymentStatus
from orderline.persistence import exception_records as records
from orderline.persistence.projections import save_projections
from orderline.services.order_rows import projection_of
from orderline.services.scheduler import TickResult, enqueue_now, tick
from tests.dummy_exception_type import HIGH_VALUE_ORDER
from tests.e2e.conftest import Service, service  # noqa: F401 (the e2e app fixture, reused)

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
STORE = "shop1"
CONFIGURED = """\
teams: [vip-desk]
exceptions:
  high_value_order:
    min_total: 2000
    owner: vip-desk
    escalation: [{after: 2h, target: vip-desk}]
"""


@pytest.fixture
def registered() -> Iterator[None]:
    with EXCEPTION_TYPES.registered(HIGH_VALUE_ORDER):
        yield


def snapshot(order_id: str, total: str) -> OrderSnapshot:
    return OrderSnapshot(
        order_id=order_id,
        updated_at=T0,
        placed_at=T0,
        payment_status=PaymentStatus.PAID,
        lines=(LineItem("L1", "Watch", 1, Decimal(total)),),
        order_number=f"#{order_id}",
        currency="USD",
        total_price=Decimal(total),
    )


def store_order(engine: Engine, order_id: str, *facts: Fact) -> None:
    """What processing does for a touched order: save its projection, make it due."""
    order = fold(STORE, order_id, facts)
    assert order is not None
    with engine.begin() as connection:
        save_projections(connection, [projection_of(order, len(facts))])
        enqueue_now(connection, [(STORE, order_id)], T0)


def run_tick(engine: Engine, now: datetime, policy: ExceptionPolicy = DEFAULT_POLICY) -> TickResult:
    return tick(engine, lambda _store: policy, lambda _store: DEFAULT_CALENDAR, now)


def test_a_registered_type_is_detected_and_owned_by_its_team(engine: Engine, registered: None) -> None:
    store_order(engine, "9001", snapshot("9001", "1500.00"))
    store_order(engine, "9002", snapshot("9002", "20.00"))

    result = run_tick(engine, T0 + timedelta(hours=2))

    opened = [(c.order_id, c.key, c.type, c.owner) for c in result.opened]
    assert opened == [("9001", "high_value_order:order", "high_value_order", "sales")]
    assert [(c.level, c.target) for c in result.escalated] == [(1, "sales")]
    with engine.connect() as connection:
        stored = records.get_exception(connection, STORE, "9001", "high_value_order:order")
        assert records.load_exceptions(connection, STORE, "9002") == {}
    assert stored is not None
    assert (stored.type, stored.owner, stored.state, stored.level_reached) == (
        "high_value_order",
        "sales",
        "open",
        1,
    )


def test_the_exceptions_section_configures_a_registered_type(registered: None) -> None:
    config = parse_config(CONFIGURED, env={})

    rule = config.exception_policy().rule(HIGH_VALUE_ORDER)

    assert (rule.min_total, rule.owner) == (2000.0, "vip-desk")
    assert [(level.after, level.target) for level in rule.escalation] == [(timedelta(hours=2), "vip-desk")]
    assert config.ownership.resolve().exception_owner("high_value_order") == "vip-desk"


def test_the_configured_settings_decide_what_a_tick_opens(engine: Engine, registered: None) -> None:
    policy = parse_config(CONFIGURED, env={}).exception_policy()
    store_order(engine, "9001", snapshot("9001", "1500.00"))
    store_order(engine, "9003", snapshot("9003", "2500.00"))

    result = run_tick(engine, T0 + timedelta(hours=1), policy)

    assert [(c.order_id, c.owner) for c in result.opened] == [("9003", "vip-desk")]


def test_check_config_accepts_the_section_and_shows_the_type_in_the_owner_table(
    tmp_path: Path, registered: None
) -> None:
    path = tmp_path / "orderline.yaml"
    path.write_text(CONFIGURED, encoding="utf-8")

    report = check_config(path, env={})
    defaults = check_config(env={}, path=_empty_config(tmp_path)).render().splitlines()

    assert report.ok
    assert "  exception  high_value_order     vip-desk    2h -> vip-desk" in report.render().splitlines()
    assert "  exception  high_value_order     sales       1h -> sales, 8h -> sales" in defaults


def test_a_setting_the_type_does_not_have_is_named_by_key_path(registered: None) -> None:
    with pytest.raises(ConfigError) as refused:
        parse_config("exceptions:\n  high_value_order: {min_totl: 5}\n", env={})

    assert str(refused.value).splitlines() == [
        "orderline.yaml: exceptions.high_value_order.min_totl: unknown setting; "
        "expected one of enabled, owner, escalation, min_total"
    ]


def test_without_registration_the_type_is_unknown_everywhere() -> None:
    with pytest.raises(ConfigError) as refused:
        parse_config("exceptions:\n  high_value_order: {min_total: 5}\n", env={})

    assert "high_value_order" not in EXCEPTION_TYPES
    assert str(refused.value).startswith(
        "orderline.yaml: exceptions.high_value_order: unknown exception type 'high_value_order'"
    )


def test_the_exception_api_lists_a_registered_type(service: Service, registered: None) -> None:  # noqa: F811
    store_order(service.engine, "9001", snapshot("9001", "1500.00"))
    run_tick(service.engine, T0 + timedelta(hours=2), service.runtime.config.exception_policy())

    response = service.client.get(
        "/api/v1/exceptions", params={"type": "high_value_order"}, headers=service.token("operations")
    )

    assert response.status_code == 200, response.text
    items = [
        (i["order_id"], i["key"], i["type"], i["owner"], i["level_reached"]) for i in response.json()["items"]
    ]
    assert items == [("9001", "high_value_order:order", "high_value_order", "sales", 1)]
    assert response.json()["counts_by_owner"] == {"sales": 1}


def _empty_config(directory: Path) -> Path:
    path = directory / "defaults.yaml"
    path.write_text("{}\n", encoding="utf-8")
    return path
