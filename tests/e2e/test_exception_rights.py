"""Who may act on an exception: its owner team (a role acts for the team of its name) or
admin; another team's token is refused 403 and nothing changes. The CLI acts as admin.
(The hold released with a resolved exception: tests/integration/test_exception_rights.py.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from orderline.persistence import exception_records as records

from .conftest import Service
from .test_exceptions_api import _queue_service

FRAUD = "/api/v1/stores/shop1/orders/7003/exceptions/fraud_review:order"  # owned by operations
ADDRESS = "/api/v1/stores/shop1/orders/7001/exceptions/address_invalid:postal_code"  # owned by support
ACTIONS: list[tuple[str, dict[str, str] | None]] = [
    ("acknowledge", None),
    ("assign", {"assignee": "ann"}),
    ("note", {"text": "looks fine"}),
    ("resolve", {"resolution": "not fraud"}),
]


def _state(service: Service, order_id: str, key: str) -> tuple[str, str | None, str | None, list[str]]:
    with service.engine.connect() as connection:
        row = records.get_exception(connection, "shop1", order_id, key)
        actions = [e.action for e in records.list_events(connection, "shop1", order_id)]
    assert row is not None
    return row.state, row.acknowledged_by, row.assignee, actions


def _order(service: Service, order_id: str) -> Any:
    response = service.client.get(f"/api/v1/stores/shop1/orders/{order_id}", headers=service.token("viewer"))
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize(("action", "body"), ACTIONS, ids=[a for a, _ in ACTIONS])
def test_support_cannot_act_on_an_operations_exception_and_nothing_changes(
    service: Service, action: str, body: dict[str, str] | None
) -> None:
    _queue_service(service)
    before = _state(service, "7003", "fraud_review:order")

    refused = service.client.post(f"{FRAUD}/{action}", json=body, headers=service.token("support"))

    assert refused.status_code == 403, refused.text
    assert "owned by operations" in refused.json()["detail"]
    assert _state(service, "7003", "fraud_review:order") == before == ("open", None, None, ["opened"])
    assert _order(service, "7003")["status"] == "on_hold"


def test_operations_acts_on_its_own_exceptions_only(service: Service) -> None:
    _queue_service(service)
    ops = service.token("operations")

    theirs = service.client.post(f"{ADDRESS}/resolve", json={"resolution": "x"}, headers=ops)
    own = service.client.post(f"{FRAUD}/resolve", json={"resolution": "not fraud"}, headers=ops)

    assert (theirs.status_code, own.status_code) == (403, 200), theirs.text + own.text
    assert "owned by support" in theirs.json()["detail"]
    assert (own.json()["state"], own.json()["resolved_by"]) == ("resolved", "test-operations")
    assert _state(service, "7001", "address_invalid:postal_code")[0] == "open"


def test_admin_acts_on_any_team_exception(service: Service) -> None:
    _queue_service(service)
    admin = service.token("admin")

    fraud = service.client.post(f"{FRAUD}/acknowledge", headers=admin)
    address = service.client.post(f"{ADDRESS}/resolve", json={"resolution": "buyer confirmed"}, headers=admin)

    assert (fraud.status_code, address.status_code) == (200, 200), fraud.text + address.text
    assert fraud.json()["acknowledged_by"] == "test-admin"
    assert (address.json()["state"], address.json()["resolved_by"]) == ("resolved", "test-admin")


def test_the_cli_acts_as_admin_on_any_team_exception(service: Service, tmp_path: Path) -> None:
    from orderline.cli import app

    _queue_service(service)
    config = tmp_path / "orderline.yaml"  # written by the service fixture

    resolved = CliRunner().invoke(
        app,
        ["exceptions", "resolve", "shop1", "7003", "fraud_review:order", "--resolution", "not fraud",
         "--by", "dana", "--config", str(config)],
    )  # fmt: skip

    assert resolved.exit_code == 0, resolved.output
    assert _state(service, "7003", "fraud_review:order")[0] == "resolved"
