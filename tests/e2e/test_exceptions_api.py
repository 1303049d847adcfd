"""The exception queue over HTTP, and `orderline tick`, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import typer
from typer.testing import CliRunner

from orderline.cli.tick import tick as tick_command
from orderline.domain.facts import Address, Fact, HoldPlaced, LineItem, OrderSnapshot
from orderline.domain.fold import fold
from orderline.domain.order_exceptions import DEFAULT_CALENDAR, DEFAULT_POLICY, EscalationDue, Finding
from orderline.domain.vocabulary import ExceptionType, HoldReason, PaymentStatus
from orderline.persistence import exception_records as records
from orderline.persistence.projections import save_projections
from orderline.services.order_rows import projection_of
from orderline.services.scheduler import enqueue_now, tick
from orderline.web import order_exceptions_api
from orderline.web.app import WebContext

from .conftest import Service, write_config

NOW = datetime(2027, 3, 1, 15, 0, tzinfo=UTC)  # a Monday
GOOD = Address(
    name="Ann Lee", address1="500 Howard St", city="San Francisco", postal_code="94107", country_code="US"
)
BAD_ZIP = Address(name="Bo Chan", address1="1 Main St", city="Austin", postal_code="1234", country_code="US")
QUEUE = "/api/v1/exceptions"


def _snapshot(order_id: str, placed_at: datetime, address: Address) -> OrderSnapshot:
    return OrderSnapshot(
        order_id=order_id,
        updated_at=placed_at,
        placed_at=placed_at,
        payment_status=PaymentStatus.PAID,
        lines=(LineItem("L1", "Mug", 1, Decimal("10.00")),),
        order_number=f"#{order_id}",
        shipping_address=address,
    )


def _store(service: Service, order_id: str, *facts: Fact) -> None:
    order = fold("shop1", order_id, facts)
    assert order is not None
    with service.engine.begin() as connection:
        save_projections(connection, [projection_of(order, len(facts))])
        enqueue_now(connection, [("shop1", order_id)], NOW)


def _queue_service(service: Service) -> Service:
    """Three orders: two address problems (support; one past its first level), one fraud
    hold (operations); the clock stands at NOW; the router is mounted if the app lacks it."""
    api = service.api
    if not any(getattr(route, "path", "") == QUEUE for route in api.routes):
        api.include_router(order_exceptions_api.router)
    context: WebContext = api.state.context
    context.clock = lambda: NOW
    _store(service, "7001", _snapshot("7001", NOW - timedelta(hours=5), BAD_ZIP))
    _store(service, "7002", _snapshot("7002", NOW - timedelta(hours=1), BAD_ZIP))
    fraud = HoldPlaced("7003", "order", HoldReason.FRAUD_REVIEW, NOW - timedelta(minutes=30), "risk: high")
    _store(service, "7003", _snapshot("7003", NOW - timedelta(hours=1), GOOD), fraud)
    tick(service.engine, lambda _s: DEFAULT_POLICY, lambda _s: DEFAULT_CALENDAR, NOW)
    return service


def _items(response: Any) -> list[tuple[str, str, str]]:
    assert response.status_code == 200, response.text
    return [(i["order_id"], i["key"], i["sla"]) for i in response.json()["items"]]


def test_the_queue_lists_by_owner_with_counts_per_owner(service: Service) -> None:
    _queue_service(service)
    viewer = service.token("viewer")

    everything = service.client.get(QUEUE, headers=viewer)
    support = service.client.get(QUEUE, params={"owner": "support"}, headers=viewer)

    assert everything.json()["counts_by_owner"] == {"operations": 1, "support": 2}
    assert _items(support) == [
        ("7001", "address_invalid:postal_code", "breached"),
        ("7002", "address_invalid:postal_code", "ok"),
    ]
    assert support.json()["counts_by_owner"] == {"operations": 1, "support": 2}
    first = support.json()["items"][0]
    assert (first["age_hours"], first["level_reached"], first["hold"]) == (5.0, 1, "address")


def test_the_queue_filters_by_sla_type_and_store(service: Service) -> None:
    _queue_service(service)
    viewer = service.token("viewer")

    breached = service.client.get(QUEUE, params={"sla": "breached"}, headers=viewer)
    soon = service.client.get(QUEUE, params={"sla": "due_soon", "due_soon_minutes": 200}, headers=viewer)
    fraud = service.client.get(QUEUE, params={"type": "fraud_review"}, headers=viewer)
    elsewhere = service.client.get(QUEUE, params={"store": "other"}, headers=viewer)

    assert _items(breached) == [("7001", "address_invalid:postal_code", "breached")]
    assert breached.json()["counts_by_owner"] == {"support": 1}
    assert _items(soon) == [("7002", "address_invalid:postal_code", "due_soon")]
    assert _items(fraud) == [("7003", "fraud_review:order", "ok")]
    assert _items(elsewhere) == [] and elsewhere.json()["counts_by_owner"] == {}


def test_acknowledge_and_resolve_are_recorded_with_who_did_it(service: Service) -> None:
    _queue_service(service)
    agent = service.token("support")
    path = "/api/v1/stores/shop1/orders/7001/exceptions/address_invalid:postal_code"

    acknowledged = service.client.post(f"{path}/acknowledge", headers=agent)
    noted = service.client.post(f"{path}/note", json={"text": "called the buyer"}, headers=agent)
    assigned = service.client.post(f"{path}/assign", json={"assignee": "ann"}, headers=agent)
    resolved = service.client.post(f"{path}/resolve", json={"resolution": "buyer confirmed"}, headers=agent)

    assert acknowledged.status_code == 200, acknowledged.text
    assert (acknowledged.json()["acknowledged_by"], acknowledged.json()["acknowledged_at"]) == (
        "test-support",
        "2027-03-01T15:00:00Z",
    )
    assert noted.json()["notes"] == [
        {"at": "2027-03-01T15:00:00Z", "by": "test-support", "text": "called the buyer"}
    ]
    assert assigned.json()["assignee"] == "ann"
    body = resolved.json()
    assert (body["state"], body["resolution"], body["resolved_by"]) == (
        "resolved",
        "buyer confirmed",
        "test-support",
    )
    with service.engine.connect() as connection:
        history = [(e.action, e.actor) for e in records.list_events(connection, "shop1", "7001")]
    assert history[-4:] == [
        ("acknowledged", "test-support"),
        ("noted", "test-support"),
        ("assigned", "test-support"),
        ("resolved", "test-support"),
    ]
    queue = service.client.get(QUEUE, params={"owner": "support"}, headers=agent)
    assert [i["order_id"] for i in queue.json()["items"]] == ["7002"]


def test_a_viewer_may_read_but_not_act_and_a_refused_action_changes_nothing(service: Service) -> None:
    _queue_service(service)
    path = "/api/v1/stores/shop1/orders/7003/exceptions/fraud_review:order"

    refused = service.client.post(f"{path}/resolve", json={}, headers=service.token("viewer"))
    anonymous = service.client.get(QUEUE)

    assert (refused.status_code, anonymous.status_code) == (403, 401)
    with service.engine.connect() as connection:
        row = records.get_exception(connection, "shop1", "7003", "fraud_review:order")
        actions = [e.action for e in records.list_events(connection, "shop1", "7003")]
    assert row is not None and row.state == "open"
    assert actions == ["opened"]


def test_acting_on_a_resolved_or_unknown_exception_is_refused(service: Service) -> None:
    _queue_service(service)
    ops = service.token("operations")
    path = "/api/v1/stores/shop1/orders/7003/exceptions"

    first = service.client.post(f"{path}/fraud_review:order/resolve", json={}, headers=ops)
    again = service.client.post(f"{path}/fraud_review:order/acknowledge", headers=ops)
    unknown = service.client.post(f"{path}/nothing:here/acknowledge", headers=ops)

    assert (first.status_code, again.status_code, unknown.status_code) == (200, 409, 404)
    assert first.json()["resolution"] == "resolved by hand"


def test_tick_command_evaluates_due_orders_at_the_given_moment(service: Service, tmp_path: Path) -> None:
    _store(service, "7001", _snapshot("7001", NOW - timedelta(hours=5), BAD_ZIP))
    cli = typer.Typer()
    cli.command()(tick_command)
    (tmp_path / "cli").mkdir()
    config = write_config(tmp_path / "cli", service.runtime.config.database_url)

    result = CliRunner().invoke(cli, ["--now", "2027-03-01T15:00:00+00:00", "--config", str(config)])

    assert result.exit_code == 0, result.output
    assert "orders=1 opened=1 escalated=1 resolved=0" in result.output


def test_an_informational_exception_has_no_sla_and_sits_after_the_problems(service: Service) -> None:
    _queue_service(service)
    opened = NOW - timedelta(days=2)  # its one level fell due when it opened
    split = Finding(
        ExceptionType.SPLIT_SHIPMENT, "split_shipment:order", opened, "operations", "2 parcels", None,
        (EscalationDue(1, opened, "operations"),),
    )  # fmt: skip
    with service.engine.begin() as connection:
        records.open_exception(connection, "shop1", "7004", split, level_reached=1)
    viewer = service.token("viewer")

    everything = service.client.get(QUEUE, headers=viewer)
    notices = service.client.get(QUEUE, params={"kind": "informational"}, headers=viewer)
    problems = service.client.get(QUEUE, params={"kind": "problem"}, headers=viewer)
    breached = service.client.get(QUEUE, params={"sla": "breached"}, headers=viewer)

    assert [(i["order_id"], i["kind"], i["sla"]) for i in everything.json()["items"]] == [
        ("7001", "problem", "breached"),
        ("7002", "problem", "ok"),
        ("7003", "problem", "ok"),
        ("7004", "informational", "none"),
    ]
    assert _items(notices) == [("7004", "split_shipment:order", "none")]
    assert [item[0] for item in _items(problems)] == ["7001", "7002", "7003"]
    assert _items(breached) == [("7001", "address_invalid:postal_code", "breached")]
