"""One timestamp format: an order whose platform wrote every moment at `-05:00` comes back
from the API and from the CLI's `--json` with every moment in UTC ending in `Z`."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from orderline.bootstrap import build_runtime, build_web_context
from orderline.cli import app as cli
from orderline.config import load_config
from orderline.persistence.database import make_engine, migrate
from orderline.web.app import create_app
from tests.e2e.conftest import SHOP, Service, shopify_signature, write_config

FIXTURES = Path(__file__).parents[1] / "fixtures" / "platforms" / "shopify"
ORDER = "/api/v1/stores/shop1/orders/450789469"
NOW = datetime(2008, 1, 11, 9, 0, tzinfo=UTC)  # the day after the fixture's order was placed
# Any text that is a date-time (prose that mentions one is not a timestamp field).
MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}\S*")


def moments_not_in_utc_z(value: Any) -> list[str]:
    """Every string in `value` that is a date-time and does not end in `Z`."""
    if isinstance(value, dict):
        return [bad for item in value.values() for bad in moments_not_in_utc_z(item)]
    if isinstance(value, list):
        return [bad for item in value for bad in moments_not_in_utc_z(item)]
    if isinstance(value, str) and MOMENT.fullmatch(value) and not value.endswith("Z"):
        return [value]
    return []


def all_moments(value: Any) -> list[str]:
    if isinstance(value, dict | list):
        items = value.values() if isinstance(value, dict) else value
        return [moment for item in items for moment in all_moments(item)]
    return [value] if isinstance(value, str) and MOMENT.fullmatch(value) else []


@pytest.fixture
def fixed_service(tmp_path: Path, database_url: str) -> Iterator[tuple[Service, Path]]:
    """The app with its clock standing at NOW (processing makes orders due then), and its
    configuration file for the CLI."""
    migrate(make_engine(database_url))
    config = write_config(tmp_path, database_url)
    runtime = build_runtime(load_config(config), clock=lambda: NOW)
    with TestClient(create_app(build_web_context(runtime))) as client:
        yield Service(client, runtime), config
    runtime.engine.dispose()


def _post(service: Service, topic: str, fixture: str, key: str) -> None:
    body = json.dumps(json.loads((FIXTURES / f"{fixture}.shopify_python_api.json").read_text())[key]).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Shop-Domain": SHOP,
        "X-Shopify-Webhook-Id": f"w-{key}",
        "X-Shopify-Triggered-At": "2008-01-10T11:00:00-05:00",
        "X-Shopify-Hmac-Sha256": shopify_signature(body),
    }
    assert service.client.post("/webhooks/shopify", content=body, headers=headers).status_code == 200


def _cli_json(*args: str) -> Any:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_an_order_sent_at_minus_five_hours_comes_back_in_utc_z_from_api_and_cli(
    fixed_service: tuple[Service, Path],
) -> None:
    # Given an order with a failed fulfilment and a refund, every moment written at -05:00,
    # processed, and evaluated by `tick` at a moment given with an offset too
    service, config = fixed_service
    _post(service, "orders/create", "order_authorized_with_failed_fulfillment", "order")
    _post(service, "refunds/create", "refund_with_restock", "refund")
    assert service.process() == 2
    tick = _cli_json("tick", "--now", "2008-01-20T04:00:00-05:00", "--json", "--config", str(config))

    # When the API and the CLI are asked for the order and its exceptions
    response = service.client.get(ORDER, headers=service.token("viewer"))
    queue = _cli_json("exceptions", "list", "--json", "--config", str(config))

    # Then every moment in every answer is UTC with `Z`, the platform's own converted
    assert response.status_code == 200, response.text
    order = response.json()
    assert tick["now"] == "2008-01-20T09:00:00Z" and tick["opened"] >= 1
    assert (order["placed_at"], order["shipments"][0]["created_at"]) == (
        "2008-01-10T16:00:00Z",
        "2014-01-22T20:58:27Z",
    )
    assert len(all_moments(order)) > 5 and len(all_moments(queue["items"])) >= 2
    assert moments_not_in_utc_z(order) == []
    assert moments_not_in_utc_z(queue) == []
    assert moments_not_in_utc_z(tick) == []
