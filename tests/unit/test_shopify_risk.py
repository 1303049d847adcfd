"""orders/risk_assessment_changed: a high risk verdict holds the order for fraud review."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from orderline.connectors.base import Delivery, PayloadError
from orderline.connectors.shopify import ShopifyConnector
from orderline.domain.facts import HoldPlaced, HoldsReleased
from orderline.domain.vocabulary import HoldReason

AT = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


class NoResolver:
    def order_for_fulfillment_order(self, store_id: str, fulfillment_order_id: str) -> str | None:
        return None


def _map(body: dict[str, object]) -> object:
    delivery = Delivery("s1", "orders/risk_assessment_changed", body, AT, AT)
    return ShopifyConnector().map_delivery(delivery, NoResolver())


def test_high_risk_places_a_fraud_review_hold_on_the_order() -> None:
    mapped = _map({"risk_level": "HIGH", "order_id": 450789469, "provider_title": None})

    assert mapped.order_id == "450789469"  # type: ignore[attr-defined]
    assert mapped.facts == (  # type: ignore[attr-defined]
        HoldPlaced(
            "450789469",
            "shopify-risk",
            HoldReason.FRAUD_REVIEW,
            AT,
            "Shopify assessed the order's risk as high",
            "risk_level=high",
        ),
    )


@pytest.mark.parametrize("level", ["medium", "low", "none", "pending"])
def test_a_lower_verdict_releases_the_risk_hold(level: str) -> None:
    mapped = _map({"risk_level": level, "admin_graphql_api_order_id": "gid://shopify/Order/77"})

    assert mapped.facts == (HoldsReleased("77", "shopify-risk", AT),)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"order_id": 1}, "risk_level is missing"),
        ({"risk_level": "high"}, "neither order_id nor admin_graphql_api_order_id names the order"),
    ],
)
def test_an_unreadable_assessment_is_a_payload_error(body: dict[str, object], message: str) -> None:
    with pytest.raises(PayloadError, match=message):
        _map(body)


def test_the_risk_hold_opens_a_fraud_review_owned_by_operations() -> None:
    from decimal import Decimal

    from orderline.domain.facts import LineItem, OrderSnapshot
    from orderline.domain.fold import fold
    from orderline.domain.order_exceptions import DEFAULT_POLICY, detect_all
    from orderline.domain.vocabulary import ExceptionType, OrderStatus, PaymentStatus

    snapshot = OrderSnapshot(
        "77", AT, AT, PaymentStatus.PAID, (LineItem("1", "Mug", 1, Decimal("5")),), total_price=Decimal("5")
    )
    high = _map({"risk_level": "high", "order_id": 77}).facts  # type: ignore[attr-defined]

    order = fold("s1", "77", [snapshot, *high])

    assert order is not None
    assert (order.status, order.owner) == (OrderStatus.ON_HOLD, "operations")
    findings = detect_all(order, DEFAULT_POLICY, AT)
    assert [(f.type, f.owner) for f in findings] == [(ExceptionType.FRAUD_REVIEW, "operations")]
