"""Exception rates of the week's orders: any exception, problems only, per order type and
per exception type, informational types flagged; cancelled orders count."""

from __future__ import annotations

from orderline.domain.scorecard.figures import Dimension, Kpi, RateRow
from tests.unit.scorecard_records import W20, at, card, order

NOW = at(2026, 5, 25)
ORDERS = [
    order("a", at(2026, 5, 11, 9), exceptions=("address_invalid",)),
    order("b", at(2026, 5, 12, 9), types=("multi_item",), exceptions=("split_shipment",)),
    order(
        "c",
        at(2026, 5, 13, 9),
        types=("multi_item", "high_value"),
        exceptions=("split_shipment", "fulfillment_delayed"),
        cancelled=True,
    ),
    order("d", at(2026, 5, 14, 9), types=("high_value",)),
    order("e", at(2026, 5, 15, 9), refunded=True),
    # The week before: not counted.
    order("old", at(2026, 5, 10, 23, 59), exceptions=("address_invalid",)),
]


def test_rates_per_order_type_and_per_exception_type() -> None:
    result = card(W20, ORDERS, now=NOW)

    assert result.exception_rates == (
        RateRow(Dimension.ALL, "all", orders=5, with_exception=2),
        RateRow(Dimension.ORDER_TYPE, "high_value", orders=2, with_exception=1),
        RateRow(Dimension.ORDER_TYPE, "multi_item", orders=2, with_exception=1),
        RateRow(Dimension.ORDER_TYPE, "standard", orders=2, with_exception=1),
        RateRow(Dimension.EXCEPTION_TYPE, "address_invalid", orders=5, with_exception=1),
        RateRow(Dimension.EXCEPTION_TYPE, "fulfillment_delayed", orders=5, with_exception=1),
        RateRow(Dimension.EXCEPTION_TYPE, "split_shipment", orders=5, with_exception=2, informational=True),
    )
    assert result.exception_rates[0].rate_pct == 40.0


def test_headline_rates_any_exception_and_problems_only() -> None:
    values = {figure.kpi: figure.value for figure in card(W20, ORDERS, now=NOW).headline}

    # a, b and c had an exception; b's was informational only.
    assert values[Kpi.EXCEPTION_RATE_PCT] == 60.0
    assert values[Kpi.PROBLEM_EXCEPTION_RATE_PCT] == 40.0


def test_with_no_informational_types_every_exception_is_a_problem() -> None:
    result = card(W20, ORDERS, now=NOW, informational=frozenset())
    values = {figure.kpi: figure.value for figure in result.headline}

    assert values[Kpi.PROBLEM_EXCEPTION_RATE_PCT] == 60.0
    assert all(not row.informational for row in result.exception_rates)


def test_rates_of_a_week_without_orders_are_none() -> None:
    result = card(W20, [], now=NOW)

    assert result.exception_rates == (RateRow(Dimension.ALL, "all", 0, 0),)
    assert result.exception_rates[0].rate_pct is None
