"""The API's description and its answers agree, on both databases: /openapi.json lists the
values of every state of an order and names the schema of each of its parts, the order
API answers the stored order as it is kept, and a state filter refuses a value that
is not one with the values that are."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from orderline.domain.facts import (
    Address,
    DeliveryEvent,
    Fact,
    HoldPlaced,
    LineItem,
    LineQuantity,
    OrderSnapshot,
    RefundRecorded,
    ShipmentRecorded,
)
from orderline.domain.fold import fold
from orderline.domain.order import Order, order_to_dict
from orderline.domain.vocabulary import (
    AnomalyKind,
    DeliveryStatus,
    FulfillmentStatus,
    HoldReason,
    OrderStatus,
    PaymentStatus,
    ShipmentState,
)
from orderline.persistence.projections import save_projections
from orderline.services.order_rows import projection_of

from .conftest import Service
from .problems import PROBLEM_JSON, problem

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
ORDER = "/api/v1/stores/shop1/orders/8001"


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def _openapi(service: Service) -> dict[str, Any]:
    response = service.client.get("/openapi.json")
    assert response.status_code == 200
    schema: dict[str, Any] = response.json()
    return schema


def _component(openapi: dict[str, Any], ref: str) -> dict[str, Any]:
    prefix = "#/components/schemas/"
    assert ref.startswith(prefix), ref
    component: dict[str, Any] = openapi["components"]["schemas"][ref.removeprefix(prefix)]
    return component


def _property(openapi: dict[str, Any], schema: str, name: str) -> dict[str, Any]:
    """A property of a component, its `$ref` followed (nullable: the non-null branch)."""
    found: dict[str, Any] = openapi["components"]["schemas"][schema]["properties"][name]
    branches = [b for b in found.get("anyOf", [found]) if b.get("type") != "null"]
    assert len(branches) == 1, found
    branch = branches[0]
    return _component(openapi, branch["$ref"]) if "$ref" in branch else branch


def _enum_values(openapi: dict[str, Any], schema: str, name: str) -> list[str]:
    values: list[str] = _property(openapi, schema, name)["enum"]
    return values


def _values(enum: type[StrEnum]) -> list[str]:
    return [member.value for member in enum]


def _item_schema(openapi: dict[str, Any], schema: str, name: str) -> str:
    """The component name of an array property's items; fails for free objects."""
    array = openapi["components"]["schemas"][schema]["properties"][name]
    assert array["type"] == "array", array
    ref: str = array["items"]["$ref"]
    component = _component(openapi, ref)
    assert component["type"] == "object" and component["properties"], component
    return ref.rsplit("/", 1)[1]


def _order_schema(openapi: dict[str, Any]) -> str:
    answer = openapi["paths"]["/api/v1/stores/{store_id}/orders/{platform_order_id}"]["get"]["responses"][
        "200"
    ]
    ref: str = answer["content"]["application/json"]["schema"]["$ref"]
    return ref.rsplit("/", 1)[1]


def test_openapi_lists_the_values_of_the_order_states(service: Service) -> None:
    # Given the running API; when its description is fetched
    openapi = _openapi(service)
    order = _order_schema(openapi)

    # then every state of the order, its shipments, holds and anomalies lists exactly its values
    assert order == "OrderDetail"
    assert _enum_values(openapi, order, "status") == _values(OrderStatus)
    assert _enum_values(openapi, order, "payment_status") == _values(PaymentStatus)
    assert _enum_values(openapi, order, "fulfillment_status") == _values(FulfillmentStatus)
    assert _enum_values(openapi, "Shipment", "delivery_status") == _values(DeliveryStatus)
    assert _enum_values(openapi, "Shipment", "state") == _values(ShipmentState)
    assert _enum_values(openapi, "Hold", "reason") == _values(HoldReason)
    assert _enum_values(openapi, "Anomaly", "kind") == _values(AnomalyKind)
    assert _enum_values(openapi, "OrderSummary", "status") == _values(OrderStatus)


def test_openapi_names_the_schema_of_each_part_of_an_order(service: Service) -> None:
    openapi = _openapi(service)

    parts = {
        name: _item_schema(openapi, "OrderDetail", name)
        for name in ("lines", "shipments", "holds", "refunds", "anomalies", "timeline")
    }

    assert parts == {
        "lines": "OrderLine",
        "shipments": "Shipment",
        "holds": "Hold",
        "refunds": "Refund",
        "anomalies": "Anomaly",
        "timeline": "TimelineEntry",
    }
    assert _item_schema(openapi, "Shipment", "lines") == "LineQuantity"
    assert _property(openapi, "OrderDetail", "shipping_address")["title"] == "Address"


def test_openapi_lists_the_status_filter_values_of_the_order_list(service: Service) -> None:
    openapi = _openapi(service)

    parameters = openapi["paths"]["/api/v1/orders"]["get"]["parameters"]
    status = next(p for p in parameters if p["name"] == "status")
    (ref,) = [b["$ref"] for b in status["schema"]["anyOf"] if "$ref" in b]

    assert _component(openapi, ref)["enum"] == _values(OrderStatus)


def _order_with_every_part() -> tuple[Order, int]:
    address = Address(name="Ann Lee", address1="500 Howard St", city="Berlin", country_code="DE")
    facts: list[Fact] = [
        OrderSnapshot(order_id="8001", updated_at=at(0), placed_at=at(0), payment_status=PaymentStatus.PAID,
                      lines=(LineItem("L1", "Mug", 2, Decimal("10.50"), "MUG-1"), LineItem("L2", "Tea", 1)),
                      order_number="#8001", email="ann@example.com", currency="EUR",
                      total_price=Decimal("21.00"), shipping_address=address, platform_status="odd-status",
                      unmapped_status="odd-status"),
        ShipmentRecorded("8001", "s1", at(2), at(2), (LineQuantity("L1", 2),), tracking_numbers=("TN1",),
                         carrier="DHL", tracking_url="https://track.example/TN1"),
        DeliveryEvent("8001", "s1", "e1", DeliveryStatus.IN_TRANSIT, at(3)),
        RefundRecorded("8001", "r1", at(4), Decimal("10.50"), (LineQuantity("L1", 1),), restock=True),
        HoldPlaced("8001", "h1", HoldReason.BACKORDER, at(5), note="waiting for tea"),
    ]  # fmt: skip
    order = fold("shop1", "8001", facts)
    assert order is not None
    return order, len(facts)


def test_the_order_answer_is_the_stored_order_as_it_is_kept(service: Service) -> None:
    # Given an order with lines, a tracked shipment, a refund, a hold, an anomaly and an address
    order, fact_count = _order_with_every_part()
    assert order.shipments and order.refunds and order.holds and order.anomalies
    with service.engine.begin() as connection:
        save_projections(connection, [projection_of(order, fact_count)])

    # When the API is asked for it
    response = service.client.get(ORDER, headers=service.token("viewer"))

    # Then it answers the stored JSON key for key and value for value, every moment in UTC
    # with `Z`, and nothing on it yet from Orderline's side
    assert response.status_code == 200
    stored = json.loads(json.dumps(order_to_dict(order)).replace('+00:00"', 'Z"'))
    assert response.json() == {**stored, "exceptions": [], "messages": [], "handoffs": []}
    assert response.json()["placed_at"] == "2027-03-01T09:00:00Z"
    assert response.json()["shipments"][0]["created_at"] == "2027-03-01T11:00:00Z"


def test_an_unknown_order_status_is_refused_with_the_known_ones(service: Service) -> None:
    # Given a stored order that is on hold
    order, fact_count = _order_with_every_part()
    with service.engine.begin() as connection:
        save_projections(connection, [projection_of(order, fact_count)])
    viewer = service.token("viewer")

    # When the orders are listed by its status, by another one, and by one that is none
    on_hold = service.client.get("/api/v1/orders", params={"status": "on_hold"}, headers=viewer)
    shipped = service.client.get("/api/v1/orders", params={"status": "shipped"}, headers=viewer)
    unknown = service.client.get("/api/v1/orders", params={"status": "on-hold"}, headers=viewer)

    # Then the first finds it, the second nothing, and the third is refused naming the values
    assert order.status is OrderStatus.ON_HOLD
    assert [item["order_id"] for item in on_hold.json()["items"]] == ["8001"]
    assert shipped.json() == {"items": [], "next_cursor": None}
    allowed = [f"'{status}'" for status in OrderStatus]
    message = f"Input should be {', '.join(allowed[:-1])} or {allowed[-1]}"
    assert (unknown.status_code, unknown.headers["content-type"]) == (422, PROBLEM_JSON)
    assert unknown.json() == problem(
        422, f"query.status: {message}", errors=[{"field": "query.status", "message": message}]
    )
