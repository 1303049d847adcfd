"""Broken configuration files: every problem is named by file, key path and what is wrong."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from orderline.config import ConfigError, ConfigProblem, parse_config

SHOPIFY_STORE = """
  - id: acme-us
    platform: shopify
    shop_domain: acme-us.myshopify.com
    webhook_secrets: [s3cret]
"""


def problem_lines(text: str, env: Mapping[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, env=env or {})
    return str(caught.value).splitlines()


BROKEN_CONFIGS = [
    pytest.param(
        "stores:\n  - id: acme-us\n    platform: shopify\n    webhook_secrets: [s]\n",
        ["orderline.yaml: stores[0].shop_domain: required for a shopify store"],
        id="missing-platform-identity",
    ),
    pytest.param(
        "stores:\n  - id: eu\n    platform: woocommerce\n    site_url: https://shop.example\n"
        "    store_hash: abc123\n    webhook_secrets: [s]\n",
        [
            "orderline.yaml: stores[0].store_hash: not used by a woocommerce store "
            "(only bigcommerce stores have a store_hash)"
        ],
        id="identity-key-of-another-platform",
    ),
    pytest.param(
        "stores:\n  - id: acme\n    platform: magento\n    webhook_secrets: [s]\n",
        [
            "orderline.yaml: stores[0].platform: unknown platform 'magento'; "
            "expected one of: shopify, woocommerce, bigcommerce"
        ],
        id="unknown-platform",
    ),
    pytest.param(
        "stores:\n  - id: acme\n    platform: shopfiy\n    shop_domain: acme.myshopify.com\n"
        "    webhook_secrets: [s]\n",
        ["orderline.yaml: stores[0].platform: unknown platform 'shopfiy'; did you mean 'shopify'?"],
        id="misspelt-platform",
    ),
    pytest.param(
        "stores:" + SHOPIFY_STORE + "    timezone: Mars/Olympus_Mons\n",
        [
            "orderline.yaml: stores[0].timezone: unknown time zone 'Mars/Olympus_Mons'; "
            "use an IANA name such as America/New_York"
        ],
        id="bad-timezone",
    ),
    pytest.param(
        "stores:" + SHOPIFY_STORE + "    timezone: Europe/Berln\n",
        [
            "orderline.yaml: stores[0].timezone: unknown time zone 'Europe/Berln'; "
            "did you mean 'Europe/Berlin'?"
        ],
        id="misspelt-timezone",
    ),
    pytest.param(
        "stores:" + SHOPIFY_STORE + SHOPIFY_STORE,
        ["orderline.yaml: stores[1].id: duplicate store id 'acme-us' (already used by stores[0])"],
        id="duplicate-store-id",
    ),
    pytest.param(
        "stores:" + SHOPIFY_STORE + "  - id: b2b\n    platform: bigcommerce\n    store_hash: abc123\n"
        "    webhook_secrets: []\n",
        ["orderline.yaml: stores[1].webhook_secrets: must list at least one secret"],
        id="empty-secrets",
    ),
    pytest.param(
        "stores:\n  - id: acme\n    platform: shopify\n    shop_domain: acme.myshopify.com\n"
        "    webhook_secrets: ['']\n",
        ["orderline.yaml: stores[0].webhook_secrets[0]: must not be empty"],
        id="empty-secret-string",
    ),
    pytest.param(
        "databse_url: sqlite:///x.db\n",
        ["orderline.yaml: databse_url: unknown key; did you mean 'database_url'?"],
        id="unknown-key-with-suggestion",
    ),
    pytest.param(
        "server:\n  colour: blue\n",
        [
            "orderline.yaml: server.colour: unknown key; expected one of: "
            "host, port, max_body_bytes, max_backlog_age_s, dead_letter_max_age_days, dead_letter_max_count"
        ],
        id="unknown-key-without-suggestion",
    ),
    pytest.param(
        "stores:\n  - id: acme\n    platform: shopify\n    shop_domain: acme.myshopify.com\n"
        "    webhook_secrets: ['${ACME_SECRET}']\n",
        ["orderline.yaml: stores[0].webhook_secrets[0]: environment variable ACME_SECRET is not set"],
        id="unset-env-var",
    ),
    pytest.param(
        "server:\n  host: '${not a name}'\n",
        ["orderline.yaml: server.host: malformed ${...} reference; write ${NAME} or ${NAME:-default}"],
        id="malformed-reference",
    ),
    pytest.param(
        "teams: [warehouse]\nownership:\n  holds:\n    backorder: packing\n",
        [
            "orderline.yaml: ownership.holds.backorder: team 'packing' is not declared under teams; "
            "declared: operations, support, warehouse"
        ],
        id="team-not-declared",
    ),
    pytest.param(
        "teams: [warehouse]\nownership:\n  exceptions:\n    backorder: warehous\n",
        [
            "orderline.yaml: ownership.exceptions.backorder: team 'warehous' is not declared under teams; "
            "did you mean 'warehouse'?"
        ],
        id="team-misspelt",
    ),
    pytest.param(
        "ownership:\n  statuses:\n    on_hold: support\n",
        [
            "orderline.yaml: ownership.statuses.on_hold: on_hold is owned by the hold reason; "
            "set owners under ownership.holds instead"
        ],
        id="on-hold-owner-set",
    ),
    pytest.param(
        "ownership:\n  statuses:\n    shiped: support\n",
        ["orderline.yaml: ownership.statuses.shiped: unknown order status 'shiped'; did you mean 'shipped'?"],
        id="unknown-status-key",
    ),
    pytest.param(
        "teams: [Warehouse Team]\n",
        [
            "orderline.yaml: teams[0]: 'Warehouse Team' is not a valid team name: use lowercase letters, "
            "digits, '-' and '_', starting with a letter or digit"
        ],
        id="team-name-not-a-slug",
    ),
    pytest.param(
        "server:\n  port: 8080\n host: 0.0.0.0\n",
        [
            "orderline.yaml: invalid YAML at line 3, column 2: expected <block end>, but found "
            "'<block mapping start>'"
        ],
        id="bad-yaml-syntax",
    ),
    pytest.param(
        "server:\n  port: 8080\n  port: 9090\n",
        ["orderline.yaml: duplicate key 'port' at line 3, column 3"],
        id="duplicate-yaml-key",
    ),
    pytest.param(
        "- stores\n",
        ["orderline.yaml: must be a mapping of settings (key: value lines)"],
        id="not-a-mapping",
    ),
    pytest.param(
        "server:\n  port: 70000\n",
        ["orderline.yaml: server.port: must be less than or equal to 65535"],
        id="port-out-of-range",
    ),
    pytest.param(
        "database_url: postgres://orderline:pw@db/orderline\n",
        ["orderline.yaml: database_url: write postgresql:// (SQLAlchemy does not accept postgres://)"],
        id="postgres-scheme",
    ),
    pytest.param(
        "stores:\n  - id: acme\n    platform: shopify\n    shop_domain: https://acme.myshopify.com/\n"
        "    webhook_secrets: [s]\n",
        [
            "orderline.yaml: stores[0].shop_domain: write the bare domain, e.g. acme.myshopify.com, "
            "without https:// or a path"
        ],
        id="shop-domain-with-scheme",
    ),
    pytest.param(
        "stores:\n  - id: Acme\n    platform: bigcommerce\n    store_hash: abc123\n    webhook_secrets: [s]\n"
        "    status_map:\n      awaiting: shiped\n",
        [
            "orderline.yaml: stores[0].id: 'Acme' is not a valid store id: use lowercase letters, digits, "
            "'-' and '_', starting with a letter or digit",
            "orderline.yaml: stores[0].status_map.awaiting: unknown order status 'shiped'; "
            "did you mean 'shipped'?",
        ],
        id="bad-store-id-and-status-map",
    ),
]


@pytest.mark.parametrize(("text", "expected"), BROKEN_CONFIGS)
def test_broken_config_reports_exact_problem_lines(text: str, expected: list[str]) -> None:
    assert problem_lines(text) == expected


def test_every_problem_in_a_file_is_reported_together_in_file_order() -> None:
    text = """\
database_url: sqlite:///orderline.db
server:
  port: eighty
stores:
  - id: acme-us
    platform: shopify
    webhook_secret: [s]
  - id: acme-us
    platform: bigcommerce
    store_hash: abc123
    webhook_secrets: []
teams: [warehouse]
ownership:
  statuses:
    on_hold: support
  holds:
    backorder: packing
"""

    lines = problem_lines(text)

    assert lines == [
        "orderline.yaml: server.port: must be a whole number",
        "orderline.yaml: stores[0].webhook_secret: unknown key; did you mean 'webhook_secrets'?",
        "orderline.yaml: stores[0].shop_domain: required for a shopify store",
        "orderline.yaml: stores[0].webhook_secrets: is required",
        "orderline.yaml: stores[1].id: duplicate store id 'acme-us' (already used by stores[0])",
        "orderline.yaml: stores[1].webhook_secrets: must list at least one secret",
        "orderline.yaml: ownership.statuses.on_hold: on_hold is owned by the hold reason; "
        "set owners under ownership.holds instead",
        "orderline.yaml: ownership.holds.backorder: team 'packing' is not declared under teams; "
        "declared: operations, support, warehouse",
    ]


def test_config_error_carries_structured_problems_named_by_the_file() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config("server:\n  port: 0\n", file="conf/prod.yaml", env={})

    assert caught.value.problems == [
        ConfigProblem("conf/prod.yaml", "server.port", "must be greater than or equal to 1")
    ]


def test_an_unset_variable_is_reported_once_not_again_as_a_bad_value() -> None:
    lines = problem_lines("server:\n  port: ${ORDERLINE_PORT}\n")

    assert lines == ["orderline.yaml: server.port: environment variable ORDERLINE_PORT is not set"]


def test_secret_values_never_appear_in_problem_messages() -> None:
    env = {"DB_URL": "mysql://orderline:hunter2@db/orderline", "TOKEN_URL": "https://u:hunter2@x y"}
    text = (
        "database_url: ${DB_URL}\n"
        "stores:\n  - id: acme\n    platform: shopify\n    shop_domain: acme.myshopify.com\n"
        "    webhook_secrets: [hunter2, 12345]\n    api_base_url: hunter2\n    api_token: {value: hunter2}\n"
    )

    lines = problem_lines(text, env)

    assert lines == [
        "orderline.yaml: database_url: must be a sqlite:///path or postgresql://user:password@host/db URL",
        "orderline.yaml: stores[0].webhook_secrets[1]: must be a string "
        "(quote it if YAML reads it as a number or true/false)",
        "orderline.yaml: stores[0].api_base_url: must be an http:// or https:// URL, e.g. https://shop.example.com",
        "orderline.yaml: stores[0].api_token: must be a string "
        "(quote it if YAML reads it as a number or true/false)",
    ]
    assert not any("hunter2" in line or "12345" in line for line in lines)


def test_a_syntax_error_does_not_quote_the_offending_line() -> None:
    lines = problem_lines("api_token: hunter2: x\n")

    assert lines == ["orderline.yaml: invalid YAML at line 1, column 19: mapping values are not allowed here"]


def test_a_woocommerce_status_cannot_map_to_returned() -> None:
    text = (
        "stores:\n"
        "  - id: w1\n"
        "    platform: woocommerce\n"
        "    site_url: https://shop.example\n"
        "    webhook_secrets: [x]\n"
        "    status_map: {shipped: shipped, returned-x: returned}\n"
    )

    assert problem_lines(text) == [
        "orderline.yaml: stores[0].status_map: returned-x: a WooCommerce status cannot map to returned "
        "(the order body carries no restock data)"
    ]
