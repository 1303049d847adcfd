"""Order types: rules on an order's fields, every condition of a rule must hold, an order
may have several types and one matching none is standard."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from orderline.domain.scorecard.order_types import DEFAULT_ORDER_TYPES, OrderTypeRule, classify
from orderline.domain.scorecard.records import OrderTraits


def traits(
    *,
    lines: int = 1,
    units: int = 1,
    total: str = "20.00",
    currency: str = "EUR",
    country: str | None = "DE",
    skus: tuple[str, ...] = ("MUG-1",),
    titles: tuple[str, ...] = ("Blue mug",),
) -> OrderTraits:
    return OrderTraits(lines, units, Decimal(total), currency, country, skus, titles)


def test_an_order_matching_no_default_rule_is_standard() -> None:
    assert classify(traits(), DEFAULT_ORDER_TYPES) == frozenset({"standard"})


def test_an_order_may_have_several_default_types() -> None:
    order = traits(lines=2, units=3, total="250.00", titles=("Blue mug", "Tea SUBSCRIPTION, monthly"))

    assert classify(order, DEFAULT_ORDER_TYPES) == frozenset({"multi_item", "high_value", "subscription"})


def test_a_pre_order_is_told_by_its_title_or_by_its_sku() -> None:
    by_title = traits(titles=("Lamp (Pre-Order)",))
    by_title_without_hyphen = traits(titles=("PREORDER lamp",))
    by_sku = traits(skus=("pre-lamp-2",), titles=("Lamp",))

    for order in (by_title, by_title_without_hyphen, by_sku):
        assert classify(order, DEFAULT_ORDER_TYPES) == frozenset({"pre_order"})
    assert classify(traits(skus=("LAMP-PRE",)), DEFAULT_ORDER_TYPES) == frozenset({"standard"})


def test_thresholds_are_inclusive() -> None:
    assert classify(traits(total="249.99"), DEFAULT_ORDER_TYPES) == frozenset({"standard"})
    assert classify(traits(total="250"), DEFAULT_ORDER_TYPES) == frozenset({"high_value"})
    lines = OrderTypeRule("many_lines", lines_at_least=3)
    assert classify(traits(lines=3), [lines]) == frozenset({"many_lines"})
    assert classify(traits(lines=2), [lines]) == frozenset({"standard"})


def test_every_condition_of_a_rule_must_hold() -> None:
    big_eur = OrderTypeRule("big_eur", units_at_least=5, currencies=frozenset({"eur"}))

    assert classify(traits(units=5, currency="EUR"), [big_eur]) == frozenset({"big_eur"})
    assert classify(traits(units=5, currency="USD"), [big_eur]) == frozenset({"standard"})
    assert classify(traits(units=4, currency="EUR"), [big_eur]) == frozenset({"standard"})


def test_international_is_a_known_ship_country_outside_home() -> None:
    international = OrderTypeRule("international", not_ship_countries=frozenset({"DE", "AT"}))

    assert classify(traits(country="fr"), [international]) == frozenset({"international"})
    assert classify(traits(country="DE"), [international]) == frozenset({"standard"})
    # An order with no shipping address (a download) is not international.
    assert classify(traits(country=None), [international]) == frozenset({"standard"})


def test_ship_countries_lists_where_it_must_go() -> None:
    nordic = OrderTypeRule("nordic", ship_countries=frozenset({"SE", "NO"}))

    assert classify(traits(country="se"), [nordic]) == frozenset({"nordic"})
    assert classify(traits(country="DK"), [nordic]) == frozenset({"standard"})
    assert classify(traits(country=None), [nordic]) == frozenset({"standard"})


def test_a_rule_with_no_condition_is_refused() -> None:
    with pytest.raises(ValueError, match="has no condition"):
        OrderTypeRule("anything")
    with pytest.raises(ValueError, match="has no condition"):
        OrderTypeRule("empty_lists", currencies=frozenset(), title_words=())


def test_impossible_thresholds_and_blank_names_are_refused() -> None:
    with pytest.raises(ValueError, match="units_at_least must be at least 1, got 0"):
        OrderTypeRule("bulk", units_at_least=0)
    with pytest.raises(ValueError, match="total_at_least must not be negative"):
        OrderTypeRule("cheap", total_at_least=Decimal("-1"))
    with pytest.raises(ValueError, match="name"):
        OrderTypeRule(" ", units_at_least=2)


def test_the_docs_name_every_default_type() -> None:
    page = (Path(__file__).resolve().parents[2] / "docs" / "scorecard.md").read_text(encoding="utf-8")
    section = page.split("The defaults:")[1].split("\n\n")[1]
    documented = [line.split("`")[1] for line in section.splitlines()[2:]]

    assert documented == list(dict.fromkeys(rule.name for rule in DEFAULT_ORDER_TYPES))
