"""Shopify Refund bodies (refunds/create) -> RefundRecorded."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from orderline.connectors.base import Delivery, MappedDelivery, PayloadError
from orderline.connectors.shopify import ShopifyConnector
from orderline.domain.facts import LineQuantity, RefundRecorded

FIXTURES = Path(__file__).parents[1] / "fixtures" / "platforms" / "shopify"
RECEIVED = datetime(2025, 3, 1, 12, tzinfo=UTC)

connector = ShopifyConnector()


class NoResolver:
    def order_for_fulfillment_order(self, store_id: str, fulfillment_order_id: str) -> str | None:
        raise AssertionError("refund payloads carry their order id")


def fixture_refund() -> dict[str, Any]:
    refund: dict[str, Any] = json.loads(
        (FIXTURES / "refund_with_restock.shopify_python_api.json").read_text()
    )["refund"]
    return refund


def map_refund(body: Any) -> MappedDelivery:
    return connector.map_delivery(Delivery("store-1", "refunds/create", body, RECEIVED), NoResolver())


def test_fixture_refund_maps_with_restock_and_quantities() -> None:
    mapped = map_refund(fixture_refund())

    assert mapped == MappedDelivery(
        order_id="450789469",
        facts=(
            RefundRecorded(
                order_id="450789469",
                refund_id="509562969",
                created_at=datetime(2016, 6, 20, 13, 35, 6, tzinfo=timezone(timedelta(hours=-4))),
                amount=Decimal("209.00"),
                lines=(LineQuantity("703073504", 1), LineQuantity("466157049", 1)),
                restock=True,
                note="it broke during shipping",
            ),
        ),
    )


def test_amount_sums_only_successful_refund_transactions() -> None:
    base = fixture_refund()["transactions"][0]
    transactions = [
        {**base, "amount": "75.00"},
        {**base, "amount": "10.00"},
        {**base, "amount": "500.00", "status": "failure"},
        {**base, "amount": "9.99", "kind": "capture"},
    ]

    refund = map_refund({**fixture_refund(), "transactions": transactions}).facts[0]

    assert isinstance(refund, RefundRecorded)
    assert refund.amount == Decimal("85.00")


@pytest.mark.parametrize(
    ("restock_flag", "restock_type", "expected"),
    [
        (False, "no_restock", False),
        (False, "return", True),
        (False, "cancel", True),
        (False, "legacy_restock", True),
        (True, "no_restock", True),
        (None, None, False),
    ],
)
def test_restock_from_flag_or_line_restock_type(
    restock_flag: bool | None, restock_type: str | None, expected: bool
) -> None:
    body = fixture_refund()
    body["restock"] = restock_flag
    body["refund_line_items"] = [{**item, "restock_type": restock_type} for item in body["refund_line_items"]]

    refund = map_refund(body).facts[0]

    assert isinstance(refund, RefundRecorded)
    assert refund.restock is expected


def test_refund_without_lines_or_transactions_is_a_zero_amount_refund() -> None:
    body = {**fixture_refund(), "refund_line_items": [], "transactions": []}

    refund = map_refund(body).facts[0]

    assert isinstance(refund, RefundRecorded)
    assert (refund.lines, refund.amount) == ((), Decimal("0"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"id": None}, "refund: id is missing"),
        ({"order_id": "x1"}, "refund 509562969: order_id must be a numeric id, got 'x1'"),
        ({"created_at": None, "processed_at": None}, "refund 509562969: processed_at is missing"),
        (
            {"refund_line_items": [{"quantity": 1}]},
            r"refund 509562969: refund_line_items\[0\]: line_item_id is missing",
        ),
        (
            {"transactions": [{"kind": "refund", "status": "success", "amount": "lots"}]},
            r"refund 509562969: transactions\[0\]: amount 'lots' is not a decimal amount",
        ),
    ],
)
def test_broken_refund_is_a_precise_payload_error(change: dict[str, Any], message: str) -> None:
    with pytest.raises(PayloadError, match=message):
        map_refund({**fixture_refund(), **change})
