"""Finding the configuration file, filling in ${VAR}s, and the built-in defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from orderline.config import (
    ConfigError,
    OrderlineConfig,
    ServerConfig,
    load_config,
    parse_config,
    parse_store,
)
from orderline.domain.vocabulary import OrderStatus, Platform

EXAMPLE_FILE = Path(__file__).parents[2] / "examples" / "orderline.example.yaml"
EXAMPLE_ENV = {
    "ACME_US_WEBHOOK_SECRET": "us-secret",
    "ACME_US_API_TOKEN": "us-token",
    "ACME_EU_WEBHOOK_SECRET": "eu-secret",
    "ACME_EU_API_TOKEN": "eu-token",
    "ACME_B2B_WEBHOOK_SECRET": "b2b-secret",
    "ACME_B2B_API_TOKEN": "b2b-token",
    "SMTP_PASSWORD": "smtp-password",
    "ZENDESK_TOKEN": "zendesk-token",
    "ZENDESK_WEBHOOK_SECRET": "zendesk-webhook-secret",
}


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_no_file_anywhere_gives_the_built_in_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    config = load_config(env={})

    assert config == OrderlineConfig()
    assert config.database_url == "sqlite:///orderline.db"
    assert config.server == ServerConfig(host="127.0.0.1", port=8080, max_body_bytes=1024 * 1024)
    assert config.stores == []
    assert config.teams == ["operations", "support"]


def test_orderline_yaml_in_the_working_directory_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "orderline.yaml", "server:\n  port: 9000\n")

    assert load_config(env={}).server.port == 9000


def test_orderline_config_variable_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "orderline.yaml", "server:\n  port: 9000\n")
    chosen = write(tmp_path / "chosen.yaml", "server:\n  port: 9001\n")

    assert load_config(env={"ORDERLINE_CONFIG": str(chosen)}).server.port == 9001


def test_an_explicit_path_wins_over_the_variable(tmp_path: Path) -> None:
    from_env = write(tmp_path / "env.yaml", "server:\n  port: 9001\n")
    explicit = write(tmp_path / "explicit.yaml", "server:\n  port: 9002\n")

    config = load_config(explicit, env={"ORDERLINE_CONFIG": str(from_env)})

    assert config.server.port == 9002


def test_a_missing_named_file_is_an_error_not_the_defaults(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"

    with pytest.raises(ConfigError) as by_argument:
        load_config(missing, env={})
    with pytest.raises(ConfigError) as by_variable:
        load_config(env={"ORDERLINE_CONFIG": str(missing)})

    assert str(by_argument.value) == f"{missing}: file not found"
    assert str(by_variable.value) == f"{missing}: file not found"


def test_a_directory_is_not_a_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path, env={})

    assert str(caught.value) == f"{tmp_path}: is a directory, not a file"


def test_an_empty_file_means_all_defaults() -> None:
    assert parse_config("# nothing set yet\n", env={}) == OrderlineConfig()


def test_env_variables_are_substituted_before_validation() -> None:
    text = (
        "database_url: postgresql://orderline:${DB_PASSWORD}@db/orderline\n"
        "server:\n  port: ${PORT}\n"
        "stores:\n  - id: acme\n    platform: shopify\n    shop_domain: acme.myshopify.com\n"
        "    webhook_secrets: ['${SECRET_NEW}', '${SECRET_OLD}']\n"
    )
    env = {"DB_PASSWORD": "pw", "PORT": "9000", "SECRET_NEW": "new", "SECRET_OLD": "old"}

    config = parse_config(text, env=env)

    assert config.database_url == "postgresql://orderline:pw@db/orderline"
    assert config.server.port == 9000
    assert config.stores[0].webhook_secret_values() == ("new", "old")


def test_a_default_applies_when_the_variable_is_unset_or_empty() -> None:
    text = "server:\n  host: ${HOST:-0.0.0.0}\n  port: ${PORT:-8081}\n"

    unset = parse_config(text, env={})
    empty = parse_config(text, env={"HOST": "", "PORT": ""})
    given = parse_config(text, env={"HOST": "10.0.0.1", "PORT": "8082"})

    assert (unset.server.host, unset.server.port) == ("0.0.0.0", 8081)
    assert (empty.server.host, empty.server.port) == ("0.0.0.0", 8081)
    assert (given.server.host, given.server.port) == ("10.0.0.1", 8082)


def test_a_doubled_dollar_writes_a_literal_reference_and_keys_are_not_substituted() -> None:
    text = (
        "stores:\n  - id: acme\n    platform: woocommerce\n    site_url: https://shop.example\n"
        "    webhook_secrets: ['$${NOT_A_VAR}', 'a${'] \n    status_map:\n      ${KEY}: shipped\n"
    )

    store = parse_config(text, env={"NOT_A_VAR": "x", "KEY": "y"}).stores[0]

    assert store.webhook_secret_values() == ("${NOT_A_VAR}", "a${")
    assert store.status_map == {"${KEY}": OrderStatus.SHIPPED}


def test_the_example_file_loads_without_problems() -> None:
    config = load_config(EXAMPLE_FILE, env=EXAMPLE_ENV)

    assert [(s.id, s.platform, s.identity) for s in config.stores] == [
        ("acme-us", Platform.SHOPIFY, "acme-us.myshopify.com"),
        ("acme-eu", Platform.WOOCOMMERCE, "https://shop.acme.example"),
        ("acme-b2b", Platform.BIGCOMMERCE, "abc123xyz"),
    ]
    assert config.store("acme-eu").webhook_secret_values() == ("eu-secret",)
    assert config.database_url == "sqlite:///orderline.db"
    assert config.teams == ["operations", "support", "warehouse"]
    assert config.ownership.resolve().owner_of_status(OrderStatus.READY_TO_FULFILL) == "warehouse"


def test_the_example_file_names_each_secret_it_needs() -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(EXAMPLE_FILE, env={})

    assert [(p.key_path, p.message) for p in caught.value.problems] == [
        ("stores[0].webhook_secrets[0]", "environment variable ACME_US_WEBHOOK_SECRET is not set"),
        ("stores[0].api_token", "environment variable ACME_US_API_TOKEN is not set"),
        ("stores[1].webhook_secrets[0]", "environment variable ACME_EU_WEBHOOK_SECRET is not set"),
        ("stores[1].api_token", "environment variable ACME_EU_API_TOKEN is not set"),
        ("stores[2].webhook_secrets[0]", "environment variable ACME_B2B_WEBHOOK_SECRET is not set"),
        ("stores[2].api_token", "environment variable ACME_B2B_API_TOKEN is not set"),
        ("messaging.smtp.password", "environment variable SMTP_PASSWORD is not set"),
        ("helpdesk.api_token", "environment variable ZENDESK_TOKEN is not set"),
        ("helpdesk.webhook_secret", "environment variable ZENDESK_WEBHOOK_SECRET is not set"),
    ]


def test_store_values_are_normalised_and_secrets_hidden_from_repr() -> None:
    store = parse_store(
        {
            "id": "acme",
            "platform": "shopify",
            "shop_domain": "Acme.MyShopify.com",
            "webhook_secrets": ["s3cret"],
            "api_token": "t0ken",
        }
    )

    assert store.shop_domain == "acme.myshopify.com"
    assert store.timezone == "UTC"
    assert str(store.zone) == "UTC"
    assert "s3cret" not in repr(store)
    assert "t0ken" not in repr(store)


def test_configs_built_in_code_are_checked_for_duplicate_store_ids() -> None:
    store = {"id": "acme", "platform": "bigcommerce", "store_hash": "abc", "webhook_secrets": ["s"]}

    with pytest.raises(ValueError, match=r"stores\[1\]\.id: duplicate store id 'acme'"):
        OrderlineConfig.model_validate({"stores": [store, store]})


def test_standing_teams_are_added_once_and_listed_first() -> None:
    config = parse_config("teams: [warehouse, support, warehouse]\n", env={})

    assert config.teams == ["operations", "support", "warehouse"]


def test_store_lookup_by_id_raises_for_an_unknown_store() -> None:
    with pytest.raises(KeyError):
        OrderlineConfig().store("nope")
