"""Auto-resolution round trip for every hold reason, through real webhooks (issue 4,
acceptance 3), on both databases.

Each case posts signed Shopify webhooks to the app, processes them, runs the scheduler
(with the processor's `record_facts`, as `orderline tick` does) at the processor's clock
plus a little, and reads the order API after each step: status, owner, holds, exceptions.

| hold reason      | what holds the order                             | what releases it             |
|------------------|--------------------------------------------------|------------------------------|
| payment          | payment_failed finding (pending > 24 h) -> Orderline hold | orders/paid         |
| fraud_review     | fulfillment_orders/placed_on_hold HIGH_RISK_OF_FRAUD      | hold_released       |
| address          | address_invalid finding (no street) -> Orderline hold     | corrected orders/updated |
| backorder        | placed_on_hold INVENTORY_OUT_OF_STOCK             | hold_released                |
| customer_request | no connector reports it, no detector opens it: a fact Orderline records | its release |
| other            | placed_on_hold OTHER (no detector: a hold without an exception) | hold_released   |

fraud_review and backorder exceptions come from the platform's holds, so they add no
Orderline hold of their own. Platform holds for payment (AWAITING_PAYMENT) and address
(INCORRECT_ADDRESS) are covered too: no detector reads them (the payment and address
detectors read the payment status and the address), so they hold and release the status
without an exception. No platform signal maps to `customer_request` (WooCommerce's manual
hold reads as `other` on purpose), so its case records the hold the way Orderline records
its own facts and checks that the fold holds and releases the status with its owner.
"""

from __future__ import annotations

import itertools
import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from orderline.domain.facts import HoldPlaced, HoldsReleased
from orderline.domain.order_exceptions import DEFAULT_CALENDAR, DEFAULT_POLICY
from orderline.domain.vocabulary import HoldReason
from orderline.services import scheduler
from orderline.simulation.shopify.webhook import ShopifyWebhook
from tests.e2e.conftest import SECRET, SHOP, Service

ORDER_ID, FO_ID = 4242, 9001
ORDER_PATH = f"/api/v1/stores/shop1/orders/{ORDER_ID}"
_ids = itertools.count(1)

Headline = tuple[str, str, list[tuple[str, str]]]


def _order_body(
    placed: datetime, updated: datetime, financial: str = "paid", street: str = "1 Market St"
) -> Any:
    return {
        "id": ORDER_ID,
        "name": f"#{ORDER_ID}",
        "email": "buyer@example.com",
        "created_at": placed.isoformat(),
        "updated_at": updated.isoformat(),
        "financial_status": financial,
        "currency": "USD",
        "total_price": "10.00",
        "line_items": [{"id": 1, "title": "Mug", "quantity": 1, "price": "10.00"}],
        "shipping_address": {
            "name": "Ada Buyer",
            "address1": street,
            "city": "San Francisco",
            "zip": "94107",
            "country_code": "US",
        },
    }


def _hold_body(reason: str | None) -> Any:
    holds = [] if reason is None else [{"reason": reason, "reason_notes": f"{reason.lower()} note"}]
    fulfillment_order = {"id": FO_ID, "order_id": ORDER_ID, "status": "on_hold" if holds else "open"}
    body: dict[str, Any] = {"fulfillment_order": {**fulfillment_order, "fulfillment_holds": holds}}
    if holds:
        body["created_fulfillment_hold"] = holds[0]
    return body


def _post(service: Service, topic: str, payload: Any, at: datetime) -> None:
    body = json.dumps(payload).encode()
    n = next(_ids)
    hook = ShopifyWebhook(topic, body, webhook_id=f"w-{n}", event_id=f"e-{n}", triggered_at=at)
    response = service.client.post("/webhooks/shopify", content=body, headers=hook.headers(SECRET, SHOP))
    assert response.status_code == 200, response.text


def _step(service: Service, minutes: int) -> dict[str, Any]:
    """Process what arrived, tick a little after the processor's clock, read the order."""
    service.process()
    now = service.runtime.clock() + timedelta(minutes=minutes)
    record = service.runtime.processor.record_facts
    scheduler.tick(
        service.engine, lambda _s: DEFAULT_POLICY, lambda _s: DEFAULT_CALENDAR, now, record_facts=record
    )
    response = service.client.get(ORDER_PATH, headers=service.token())
    assert response.status_code == 200, response.text
    order: dict[str, Any] = response.json()
    return order


def _headline(order: dict[str, Any]) -> Headline:
    return order["status"], order["owner"], [(h["hold_group"], h["reason"]) for h in order["holds"]]


def _exceptions(order: dict[str, Any], kind: str) -> list[tuple[str, str, str | None]]:
    return [(e["state"], e["owner"], e["resolution"]) for e in order["exceptions"] if e["type"] == kind]


def _base(service: Service) -> datetime:
    return service.runtime.clock().replace(microsecond=0)


@pytest.mark.parametrize(
    ("platform_reason", "reason", "owner", "exception_type"),
    [
        ("HIGH_RISK_OF_FRAUD", "fraud_review", "operations", "fraud_review"),
        ("INVENTORY_OUT_OF_STOCK", "backorder", "operations", "backorder"),
        ("INCORRECT_ADDRESS", "address", "support", None),
        ("AWAITING_PAYMENT", "payment", "support", None),
        ("OTHER", "other", "operations", None),
    ],
)
def test_a_platform_hold_and_its_release_round_trip(
    service: Service, platform_reason: str, reason: str, owner: str, exception_type: str | None
) -> None:
    base = _base(service)
    _post(service, "orders/create", _order_body(base - timedelta(hours=1), base - timedelta(hours=1)), base)
    assert _headline(_step(service, 1)) == ("ready_to_fulfill", "operations", [])

    _post(
        service,
        "fulfillment_orders/placed_on_hold",
        _hold_body(platform_reason),
        base - timedelta(minutes=30),
    )
    held = _step(service, 2)
    assert _headline(held) == ("on_hold", owner, [(str(FO_ID), reason)])
    if exception_type is not None:
        assert _exceptions(held, exception_type) == [("open", owner, None)]
    assert [e for e in held["exceptions"] if e["state"] == "open" and e["type"] != exception_type] == []

    _post(service, "fulfillment_orders/hold_released", _hold_body(None), base - timedelta(minutes=10))
    released = _step(service, 3)
    assert _headline(released) == ("ready_to_fulfill", "operations", [])
    if exception_type is not None:
        assert _exceptions(released, exception_type) == [("resolved", owner, "cause cleared")]
    assert [e for e in released["exceptions"] if e["state"] == "open"] == []


def test_payment_pending_too_long_is_held_until_orders_paid(service: Service) -> None:
    base = _base(service)
    placed = base - timedelta(hours=25)
    _post(service, "orders/create", _order_body(placed, placed, financial="pending"), placed)
    held = _step(service, 1)

    group = "orderline:payment_failed:pending"
    assert _headline(held) == ("on_hold", "support", [(group, "payment")])
    assert (held["payment_status"], _exceptions(held, "payment_failed")) == (
        "pending",
        [("open", "support", None)],
    )
    assert held["holds"][0]["placed_at"] == (placed + timedelta(hours=24)).isoformat().replace("+00:00", "Z")

    _post(
        service, "orders/paid", _order_body(placed, base - timedelta(minutes=5)), base - timedelta(minutes=5)
    )
    paid = _step(service, 2)

    assert _headline(paid) == ("ready_to_fulfill", "operations", [])
    assert _exceptions(paid, "payment_failed") == [("resolved", "support", "cause cleared")]
    kinds = [e["kind"] for e in paid["timeline"] if e["kind"].startswith("hold_")]
    assert kinds == ["hold_placed", "hold_released"]


def test_a_broken_address_is_held_by_support_until_a_corrected_address_arrives(service: Service) -> None:
    base = _base(service)
    placed = base - timedelta(hours=1)
    _post(service, "orders/create", _order_body(placed, placed, street=""), placed)
    held = _step(service, 1)

    group = "orderline:address_invalid:missing:address1"
    assert _headline(held) == ("on_hold", "support", [(group, "address")])
    assert _exceptions(held, "address_invalid") == [("open", "support", None)]

    fixed = _order_body(placed, base - timedelta(minutes=5), street="1 Market St")
    _post(service, "orders/updated", fixed, base - timedelta(minutes=5))
    released = _step(service, 2)

    assert _headline(released) == ("ready_to_fulfill", "operations", [])
    assert _exceptions(released, "address_invalid") == [("resolved", "support", "cause cleared")]


def test_a_customer_request_hold_holds_and_releases_the_status_through_the_fold(service: Service) -> None:
    base = _base(service)
    _post(service, "orders/create", _order_body(base - timedelta(hours=1), base - timedelta(hours=1)), base)
    _step(service, 1)
    record = service.runtime.processor.record_facts
    hold = HoldPlaced(
        str(ORDER_ID), "order", HoldReason.CUSTOMER_REQUEST, base - timedelta(minutes=30), "wait"
    )
    with service.engine.begin() as connection:
        record(connection, "shop1", str(ORDER_ID), [hold])

    assert _headline(_step(service, 2)) == ("on_hold", "support", [("order", "customer_request")])

    with service.engine.begin() as connection:
        record(connection, "shop1", str(ORDER_ID), [HoldsReleased(str(ORDER_ID), "order", base)])
    released = _step(service, 3)

    assert _headline(released) == ("ready_to_fulfill", "operations", [])
    assert [e for e in released["exceptions"] if e["state"] == "open"] == []
