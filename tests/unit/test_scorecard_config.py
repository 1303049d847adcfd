"""The `scorecard:` section: its defaults, its converters, and every problem it reports
by file, key path and what is wrong."""

from __future__ import annotations

from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from orderline.config import ConfigError, parse_config
from orderline.config.scorecard import DEFAULT_TARGETS, ScorecardConfig
from orderline.domain.scorecard.figures import Kpi, Target
from orderline.domain.scorecard.order_types import DEFAULT_ORDER_TYPES, OrderTypeRule
from orderline.domain.scorecard.schedule import DeliverySchedule

STORES = """
stores:
  - id: acme-de
    platform: shopify
    shop_domain: acme-de.myshopify.com
    webhook_secrets: [s]
    timezone: Europe/Berlin
  - id: acme-us
    platform: shopify
    shop_domain: acme-us.myshopify.com
    webhook_secrets: [s]
    timezone: America/New_York
"""


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, file="orderline.yaml", env={})
    return str(caught.value).splitlines()


def scorecard(text: str) -> ScorecardConfig:
    return parse_config(text, env={}).scorecard


def test_without_a_section_the_defaults_apply() -> None:
    section = scorecard("")

    assert section.order_type_rules() == DEFAULT_ORDER_TYPES
    assert section.target_map() == DEFAULT_TARGETS
    assert section.target_map()[Kpi.SHIP_FIRST_P90_HOURS] == Target(72, 120)
    assert section.zone([]) == ZoneInfo("UTC")
    assert section.delivery.is_enabled is False


def test_the_zone_is_the_sections_else_the_first_stores() -> None:
    config = parse_config(STORES, env={})
    own = parse_config(STORES + "scorecard:\n  timezone: Asia/Tokyo\n", env={})

    assert config.scorecard.zone(config.stores) == ZoneInfo("Europe/Berlin")
    assert own.scorecard.zone(own.stores) == ZoneInfo("Asia/Tokyo")


def test_order_types_replace_the_defaults() -> None:
    section = scorecard(
        "scorecard:\n  order_types:\n"
        "    - {name: international, not_ship_countries: [de, AT]}\n"
        "    - {name: big, units_at_least: 5, total_at_least: 99.5, currencies: [eur]}\n"
        "    - {name: pre_order, sku_prefixes: [PRE-], title_words: [Preorder]}\n"
    )

    assert section.order_type_rules() == (
        OrderTypeRule("international", not_ship_countries=frozenset({"DE", "AT"})),
        OrderTypeRule("big", units_at_least=5, total_at_least=Decimal("99.5"), currencies=frozenset({"EUR"})),
        OrderTypeRule("pre_order", sku_prefixes=("PRE-",), title_words=("Preorder",)),
    )


def test_an_empty_list_leaves_no_order_type_and_a_repeated_name_is_an_alternative() -> None:
    empty = scorecard("scorecard:\n  order_types: []\n")
    repeated = scorecard(
        "scorecard:\n  order_types:\n    - {name: pre_order, sku_prefixes: [PRE-]}\n"
        "    - {name: pre_order, title_words: [pre-order]}\n"
    )

    assert empty.order_type_rules() == ()
    assert [rule.name for rule in repeated.order_type_rules()] == ["pre_order", "pre_order"]


def test_targets_are_merged_over_the_defaults_and_null_drops_one() -> None:
    section = scorecard(
        "scorecard:\n  targets:\n"
        "    ship_first_p50_hours: {green: 12, amber: 12}\n"
        "    exception_rate_pct: {green: 8, amber: 15}\n"
        "    tickets_per_100_orders: null\n"
    )

    assert section.target_map() == {
        Kpi.SHIP_FIRST_P50_HOURS: Target(12, 12),
        Kpi.SHIP_FIRST_P90_HOURS: Target(72, 120),
        Kpi.EXCEPTION_RATE_PCT: Target(8, 15),
        Kpi.PROBLEM_EXCEPTION_RATE_PCT: Target(5, 10),
    }


def test_the_delivery_is_on_with_a_recipient_and_its_weekday_is_an_iso_number() -> None:
    section = scorecard(
        "scorecard:\n  delivery:\n    weekday: Sunday\n    hour: 0\n    webhook: https://hooks.example.com/x\n"
    )
    default_day = scorecard("scorecard:\n  delivery:\n    email: [ops@acme.example]\n")

    assert section.delivery.is_enabled is True
    assert section.delivery.schedule(ZoneInfo("Europe/Berlin")) == DeliverySchedule(
        7, 0, ZoneInfo("Europe/Berlin")
    )
    assert (default_day.delivery.weekday, default_day.delivery.hour) == (1, 8)
    assert default_day.delivery.email == ["ops@acme.example"]


BROKEN = [
    pytest.param(
        "scorecard:\n  timezone: Europe/Berln\n",
        "scorecard.timezone: unknown time zone 'Europe/Berln'; did you mean 'Europe/Berlin'?",
        id="timezone",
    ),
    pytest.param(
        "scorecard:\n  colour: red\n",
        "scorecard.colour: unknown key; expected one of: timezone, order_types, targets, delivery",
        id="unknown-key",
    ),
    pytest.param(
        "scorecard:\n  targets:\n    ship_first_p50: {green: 1, amber: 2}\n",
        "scorecard.targets.ship_first_p50: unknown KPI 'ship_first_p50'; "
        "did you mean 'ship_first_p50_hours'?",
        id="unknown-kpi",
    ),
    pytest.param(
        "scorecard:\n  targets:\n    ship_first_p50_hours: {green: 48, amber: 24}\n",
        "scorecard.targets.ship_first_p50_hours: amber (24.0) must be at least green (48.0)",
        id="amber-before-green",
    ),
    pytest.param(
        "scorecard:\n  targets:\n    tickets_per_100_orders: {green: -1, amber: 2}\n",
        "scorecard.targets.tickets_per_100_orders.green: must be greater than or equal to 0",
        id="negative-target",
    ),
    pytest.param(
        "scorecard:\n  targets:\n    tickets_per_100_orders: {green: 1}\n",
        "scorecard.targets.tickets_per_100_orders.amber: is required",
        id="target-without-amber",
    ),
    pytest.param(
        "scorecard:\n  order_types:\n    - {name: Multi Item, units_at_least: 2}\n",
        "scorecard.order_types[0].name: 'Multi Item' is not a valid order type name: use lowercase "
        "letters, digits, '-' and '_', starting with a letter or digit",
        id="type-name-not-a-slug",
    ),
    pytest.param(
        "scorecard:\n  order_types:\n    - {name: standard, units_at_least: 2}\n",
        "scorecard.order_types[0].name: 'standard' is the type of orders no rule matches; pick another name",
        id="type-named-standard",
    ),
    pytest.param(
        "scorecard:\n  order_types:\n    - {name: multi_item, units_at_least: 2}\n    - name: anything\n",
        "scorecard.order_types[1]: order type 'anything' has no condition, so it would match every order; "
        "give at least one of: units_at_least, lines_at_least, total_at_least, currencies, ship_countries, "
        "not_ship_countries, sku_prefixes, title_words",
        id="type-without-condition",
    ),
    pytest.param(
        "scorecard:\n  order_types:\n    - {name: intl, not_ship_countries: []}\n",
        "scorecard.order_types[0]: order type 'intl' has no condition, so it would match every order; "
        "give at least one of: units_at_least, lines_at_least, total_at_least, currencies, ship_countries, "
        "not_ship_countries, sku_prefixes, title_words",
        id="type-with-only-an-empty-list",
    ),
    pytest.param(
        "scorecard:\n  order_types:\n    - {name: bulk, units_at_least: 0}\n",
        "scorecard.order_types[0].units_at_least: must be greater than or equal to 1",
        id="units-below-one",
    ),
    pytest.param(
        "scorecard:\n  order_types:\n    - {name: intl, not_ship_countries: [Germany]}\n",
        "scorecard.order_types[0].not_ship_countries[0]: 'Germany' is not a country code; "
        "write it like DE or US",
        id="country-code",
    ),
    pytest.param(
        "scorecard:\n  order_types:\n    - {name: eu, currencies: [euro]}\n",
        "scorecard.order_types[0].currencies[0]: 'euro' is not a currency code; write it like EUR or USD",
        id="currency-code",
    ),
    pytest.param(
        "scorecard:\n  order_types:\n    - {name: bulk, unit_at_least: 3}\n",
        "scorecard.order_types[0].unit_at_least: unknown key; did you mean 'units_at_least'?",
        id="misspelt-condition",
    ),
    pytest.param(
        "scorecard:\n  delivery:\n    weekday: mondey\n",
        "scorecard.delivery.weekday: unknown weekday 'mondey'; did you mean 'monday'?",
        id="weekday",
    ),
    pytest.param(
        "scorecard:\n  delivery:\n    hour: 24\n",
        "scorecard.delivery.hour: must be less than or equal to 23",
        id="hour",
    ),
    pytest.param(
        "scorecard:\n  delivery:\n    email: [ops@acme.example, ops-at-acme]\n",
        "scorecard.delivery.email[1]: 'ops-at-acme' is not an e-mail address",
        id="email",
    ),
    pytest.param(
        "scorecard:\n  delivery:\n    webhook: ftp://hooks.example.com/x\n",
        "scorecard.delivery.webhook: must be an http:// or https:// URL, e.g. https://shop.example.com",
        id="webhook",
    ),
]


@pytest.mark.parametrize(("text", "expected"), BROKEN)
def test_a_bad_value_is_reported_with_its_key_path(text: str, expected: str) -> None:
    assert problems(text) == [f"orderline.yaml: {expected}"]


def test_every_problem_of_the_section_is_reported_at_once_in_file_order() -> None:
    text = (
        "scorecard:\n  timezone: Nowhere/Land\n  order_types:\n    - name: empty\n"
        "  delivery:\n    hour: -1\n    email: [nobody]\n"
    )

    assert [line.split(": ")[1] for line in problems(text)] == [
        "scorecard.timezone",
        "scorecard.order_types[0]",
        "scorecard.delivery.hour",
        "scorecard.delivery.email[0]",
    ]
