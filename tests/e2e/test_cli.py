"""The `orderline` command as a user runs it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from orderline.cli import app

runner = CliRunner()


@pytest.mark.parametrize(
    "command", [[], ["serve"], ["demo"], ["replay"], ["check-config"], ["token", "create"], ["db", "upgrade"]]
)
def test_every_command_has_help(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])

    assert result.exit_code == 0
    assert "Usage:" in result.output


def test_check_config_names_every_problem_with_file_and_key(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "stores:\n"
        "  - id: a\n"
        "    platform: shopify\n"
        "    webhook_secrets: []\n"
        "  - id: a\n"
        "    platform: magento\n"
        "    webhook_secrets: [x]\n"
    )

    result = runner.invoke(app, ["check-config", "--config", str(broken)])

    assert result.exit_code == 1
    assert "broken.yaml: stores[0].webhook_secrets:" in result.output
    assert "broken.yaml: stores[0]" in result.output and "shop_domain" in result.output
    assert "broken.yaml: stores[1].platform:" in result.output
    assert "duplicate" in result.output.lower()


def test_check_config_prints_the_ownership_table_for_a_good_file(tmp_path: Path) -> None:
    good = tmp_path / "orderline.yaml"
    good.write_text(
        "stores:\n  - {id: s1, platform: shopify, shop_domain: s1.myshopify.com, webhook_secrets: [x]}\n"
    )

    result = runner.invoke(app, ["check-config", "--config", str(good)])

    assert result.exit_code == 0, result.output
    assert "fraud_review" in result.output and "operations" in result.output


def test_token_create_prints_a_token_once_and_list_never_shows_it(tmp_path: Path) -> None:
    config = tmp_path / "orderline.yaml"
    config.write_text(f"database_url: sqlite:///{tmp_path / 'o.db'}\n")

    created = runner.invoke(
        app, ["token", "create", "--role", "support", "--name", "desk", "--config", str(config)]
    )
    listed = runner.invoke(app, ["token", "list", "--config", str(config)])

    token = created.stdout.strip().splitlines()[0]
    assert created.exit_code == 0 and token.startswith("olt_")
    assert listed.exit_code == 0 and "desk" in listed.stdout and token not in listed.stdout
