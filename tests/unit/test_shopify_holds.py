"""fulfillment_orders/placed_on_hold and /hold_released -> HoldPlaced / HoldsReleased."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from orderline.connectors.base import Delivery, MappedDelivery, PayloadError
from orderline.connectors.shopify import ShopifyConnector
from orderline.domain.facts import HoldPlaced, HoldsReleased
from orderline.domain.vocabulary import HoldReason

FIXTURES = Path(__file__).parents[1] / "fixtures" / "platforms" / "shopify"
PLACED = "fulfillment_orders/placed_on_hold"
RELEASED = "fulfillment_orders/hold_released"
RECEIVED = datetime(2025, 3, 1, 12, 0, 5, tzinfo=UTC)
TRIGGERED = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)

connector = ShopifyConnector()


class FakeResolver:
    """Knows the orders of some fulfillment orders; records what it was asked."""

    def __init__(self, known: dict[str, str] | None = None) -> None:
        self.known = known or {}
        self.asked: list[tuple[str, str]] = []

    def order_for_fulfillment_order(self, store_id: str, fulfillment_order_id: str) -> str | None:
        self.asked.append((store_id, fulfillment_order_id))
        return self.known.get(fulfillment_order_id)


def rest_fulfillment_order(status: str, reasons: list[str]) -> dict[str, Any]:
    """The REST FulfillmentOrder fixture, as a hold payload's fulfillment_order."""
    fo: dict[str, Any] = json.loads(
        (FIXTURES / "fulfillment_order_open.shopify_python_api.json").read_text()
    )["fulfillment_order"]
    holds = [{"reason": reason, "reason_notes": f"note for {reason}"} for reason in reasons]
    return {**fo, "status": status, "fulfillment_holds": holds}


def hold(reason: str, hold_id: int = 1) -> dict[str, Any]:
    return {
        "id": f"gid://shopify/FulfillmentHold/{hold_id}",
        "reason": reason,
        "reason_notes": f"note for {reason}",
        "held_by_requesting_app": False,
        "handle": f"hold-{hold_id}",
        "held_by_app": {"id": "gid://shopify/App/12345"},
    }


def deliver(
    topic: str, body: Any, resolver: FakeResolver | None = None, triggered_at: datetime | None = TRIGGERED
) -> MappedDelivery:
    delivery = Delivery("store-1", topic, body, RECEIVED, triggered_at)
    return connector.map_delivery(delivery, resolver or FakeResolver())


def test_rest_fulfillment_order_hold_uses_the_payload_order_id() -> None:
    resolver = FakeResolver()
    body = {"fulfillment_order": rest_fulfillment_order("on_hold", ["high_risk_of_fraud"])}

    mapped = deliver(PLACED, body, resolver)

    assert mapped == MappedDelivery(
        order_id="2772506476707",
        facts=(
            HoldPlaced(
                order_id="2772506476707",
                hold_group="2558888935587",
                reason=HoldReason.FRAUD_REVIEW,
                placed_at=TRIGGERED,
                note="note for high_risk_of_fraud",
                platform_reason="high_risk_of_fraud",
            ),
        ),
    )
    assert resolver.asked == []


@pytest.mark.parametrize(
    ("platform_reason", "reason"),
    [
        ("AWAITING_PAYMENT", HoldReason.PAYMENT),
        ("awaiting_payment", HoldReason.PAYMENT),
        ("HIGH_RISK_OF_FRAUD", HoldReason.FRAUD_REVIEW),
        ("high_risk_of_fraud", HoldReason.FRAUD_REVIEW),
        ("INCORRECT_ADDRESS", HoldReason.ADDRESS),
        ("incorrect_address", HoldReason.ADDRESS),
        ("INVENTORY_OUT_OF_STOCK", HoldReason.BACKORDER),
        ("inventory_out_of_stock", HoldReason.BACKORDER),
        ("OTHER", HoldReason.OTHER),
        ("other", HoldReason.OTHER),
        ("AWAITING_RETURN_ITEMS", HoldReason.OTHER),
        ("unknown_delivery_date", HoldReason.OTHER),
        ("ONLINE_STORE_POST_PURCHASE_CROSS_SELL", HoldReason.OTHER),
    ],
)
def test_hold_reason_maps_to_canonical_reason_and_keeps_platform_reason(
    platform_reason: str, reason: HoldReason
) -> None:
    body = {"fulfillment_order": rest_fulfillment_order("on_hold", [platform_reason])}

    placed = deliver(PLACED, body).facts[0]

    assert isinstance(placed, HoldPlaced)
    assert (placed.reason, placed.platform_reason) == (reason, platform_reason)


def test_thin_webhook_payload_with_two_holds_places_both_once() -> None:
    """Shopify's sample placed_on_hold payload: gid ids, no order id, created hold repeated."""
    body = {
        "fulfillment_order": {
            "id": "gid://shopify/FulfillmentOrder/1",
            "status": "on_hold",
            "fulfillment_holds": [hold("other", 1), hold("inventory_out_of_stock", 2)],
        },
        "remaining_fulfillment_order": {"id": "gid://shopify/FulfillmentOrder/2", "status": "open"},
        "held_fulfillment_order_line_items": [
            {"id": "gid://shopify/FulfillmentOrderLineItem/3", "quantity": 4}
        ],
        "created_fulfillment_hold": hold("other", 1),
    }
    resolver = FakeResolver({"1": "820982911946154508"})

    mapped = deliver(PLACED, body, resolver)

    assert resolver.asked == [("store-1", "1")]
    assert mapped.order_id == "820982911946154508"
    assert [
        (f.hold_group, f.reason, f.platform_reason) for f in mapped.facts if isinstance(f, HoldPlaced)
    ] == [
        ("1", HoldReason.OTHER, "other"),
        ("1", HoldReason.BACKORDER, "inventory_out_of_stock"),
    ]


def test_created_hold_counts_even_when_already_released() -> None:
    body = {
        "fulfillment_order": {
            "id": "gid://shopify/FulfillmentOrder/1",
            "status": "open",
            "fulfillment_holds": [],
        },
        "created_fulfillment_hold": hold("incorrect_address"),
        "order_id": 42,
    }

    mapped = deliver(PLACED, body)

    assert [(f.order_id, f.reason) for f in mapped.facts if isinstance(f, HoldPlaced)] == [
        ("42", HoldReason.ADDRESS)
    ]


def test_hold_without_readable_reason_is_recorded_as_other() -> None:
    body = {"fulfillment_order": {"id": 7, "status": "on_hold", "order_id": "gid://shopify/Order/42"}}

    mapped = deliver(PLACED, body)

    assert mapped.facts == (
        HoldPlaced(order_id="42", hold_group="7", reason=HoldReason.OTHER, placed_at=TRIGGERED),
    )


def test_placed_at_falls_back_to_received_at() -> None:
    body = {"fulfillment_order": rest_fulfillment_order("on_hold", ["other"])}

    placed = deliver(PLACED, body, triggered_at=None).facts[0]

    assert isinstance(placed, HoldPlaced)
    assert placed.placed_at == RECEIVED


def test_release_of_every_hold() -> None:
    body = {"fulfillment_order": {"id": "gid://shopify/FulfillmentOrder/1", "status": "open"}}

    mapped = deliver(RELEASED, body, FakeResolver({"1": "820982911946154508"}))

    assert mapped == MappedDelivery(
        order_id="820982911946154508",
        facts=(HoldsReleased(order_id="820982911946154508", hold_group="1", released_at=TRIGGERED),),
    )


def test_release_keeps_the_reasons_still_listed() -> None:
    body = {"fulfillment_order": rest_fulfillment_order("on_hold", ["INVENTORY_OUT_OF_STOCK"])}

    released = deliver(RELEASED, body).facts[0]

    assert released == HoldsReleased(
        order_id="2772506476707",
        hold_group="2558888935587",
        released_at=TRIGGERED,
        remaining_reasons=frozenset({HoldReason.BACKORDER}),
    )


@pytest.mark.parametrize("topic", [PLACED, RELEASED])
def test_unknown_order_maps_nothing_so_the_caller_retries(topic: str) -> None:
    body = {"fulfillment_order": {"id": "gid://shopify/FulfillmentOrder/99", "status": "on_hold"}}
    resolver = FakeResolver()

    mapped = deliver(topic, body, resolver)

    assert mapped == MappedDelivery(order_id=None, facts=())
    assert resolver.asked == [("store-1", "99")]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "fulfillment_orders/placed_on_hold body: fulfillment_order: expected a JSON object, got null"),
        (
            {"fulfillment_order": {"id": "gid://shopify/Order/1"}},
            "fulfillment_orders/placed_on_hold: fulfillment_order.id: "
            "expected a numeric id or gid://shopify/FulfillmentOrder/N, got 'gid://shopify/Order/1'",
        ),
        (
            {"fulfillment_order": {"id": 1, "order_id": "abc"}},
            "fulfillment_orders/placed_on_hold: fulfillment order 1: order_id: "
            "expected a numeric id or gid://shopify/Order/N, got 'abc'",
        ),
        (
            {"fulfillment_order": {"id": 1, "order_id": 2, "fulfillment_holds": [{"reason": 5}]}},
            "fulfillment order 1: hold: reason must be a string, got int",
        ),
    ],
)
def test_broken_hold_payload_is_a_precise_payload_error(body: dict[str, Any], message: str) -> None:
    with pytest.raises(PayloadError, match=re.escape(message)):
        deliver(PLACED, body)
