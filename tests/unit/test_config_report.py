"""`check_config`: the report behind `orderline check-config`."""

from __future__ import annotations

from pathlib import Path

import pytest

from orderline.config import ConfigProblem, OrderlineConfig, check_config

VALID = """\
database_url: postgresql://orderline:${DB_PASSWORD}@db.internal/orderline
stores:
  - id: acme-us
    platform: shopify
    shop_domain: acme-us.myshopify.com
    webhook_secrets: [s1]
  - id: acme-ca
    platform: shopify
    shop_domain: acme-ca.myshopify.com
    webhook_secrets: [s2]
  - id: acme-b2b
    platform: bigcommerce
    store_hash: abc123
    webhook_secrets: [s3]
teams: [warehouse]
ownership:
  holds: {backorder: warehouse}
"""


def test_a_valid_file_reports_ok_with_a_summary(tmp_path: Path) -> None:
    path = tmp_path / "orderline.yaml"
    path.write_text(VALID, encoding="utf-8")

    report = check_config(path, env={"DB_PASSWORD": "hunter2"})
    lines = report.render().splitlines()

    assert report.ok
    assert report.problems == []
    assert lines[:8] == [
        f"{path}: configuration is valid",
        "database: postgresql://orderline:***@db.internal/orderline",
        "server: 127.0.0.1:8080 (request bodies up to 1048576 bytes)",
        "stores: 3",
        "  shopify      acme-us (acme-us.myshopify.com), acme-ca (acme-ca.myshopify.com)",
        "  bigcommerce  acme-b2b (abc123)",
        "messaging: off (no messaging: section)",
        "teams: operations, support, warehouse",
    ]
    assert lines[8] == "owners:"
    assert "  status     on_hold              (owner of the hold reason)" in lines
    assert (
        "  hold       backorder            warehouse   1d -> operations, 3d -> operations (as backorder)"
        in lines
    )
    assert "  exception  state_drift          operations  4h -> operations, 1d -> operations" in lines
    assert len(lines) == 9 + 9 + 6 + 9
    assert "hunter2" not in report.render()


def test_a_broken_file_reports_every_problem_and_no_config(tmp_path: Path) -> None:
    path = tmp_path / "orderline.yaml"
    path.write_text("server:\n  port: 0\nteam: [x]\n", encoding="utf-8")

    report = check_config(path, env={})

    assert not report.ok
    assert report.config is None
    assert report.problems == [
        ConfigProblem(str(path), "server.port", "must be greater than or equal to 1"),
        ConfigProblem(str(path), "team", "unknown key; did you mean 'teams'?"),
    ]
    assert report.render() == (
        f"{path}: server.port: must be greater than or equal to 1\n"
        f"{path}: team: unknown key; did you mean 'teams'?\n"
        "2 problems found"
    )


def test_no_file_reports_the_built_in_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)

    report = check_config(env={})

    assert report.ok
    assert report.config == OrderlineConfig()
    assert report.render().splitlines()[:4] == [
        "built-in defaults (no orderline.yaml found): configuration is valid",
        "database: sqlite:///orderline.db",
        "server: 127.0.0.1:8080 (request bodies up to 1048576 bytes)",
        "stores: none",
    ]
