"""Webhook subscription health read live from the fake platforms over real HTTP: every fault
injected into the fakes is found by the webhook audit with exactly the injected counts;
`orderline webhooks repair --dry-run` changes nothing; `repair` heals them all and the next
audit is clean; a store whose API cannot be reached is a finding and the others still report.

Shopify is FakeAdminServer (GraphQL), WooCommerce FakeWooWebhooks behind a LoopbackServer,
BigCommerce FakeBigCommerce behind its server; the audit runs on both databases.
"""

from __future__ import annotations

import json
import socket
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from orderline.bootstrap import build_runtime, build_web_context
from orderline.cli.main import app
from orderline.config import load_config
from orderline.connectors.shopify.subscriptions import NEEDED_TOPICS as SHOPIFY_TOPICS
from orderline.connectors.shopify.subscriptions import enum_topic
from orderline.persistence import tokens
from orderline.persistence.database import make_engine, migrate
from orderline.simulation.bigcommerce import FakeBigCommerce, FakeBigCommerceServer
from orderline.simulation.loopback import LoopbackServer
from orderline.simulation.shopify.fake_admin import FakeAdminApi, FakeAdminServer, ShopSpec
from orderline.simulation.subscription_book import SubscriptionBook
from orderline.simulation.woocommerce.webhooks_api import FakeWooWebhooks
from orderline.web.app import create_app

runner = CliRunner()
PUBLIC = "https://orderline.example.com"
ELSEWHERE = "https://old-host.example.com/hooks"
WOO_TOPICS = ("order.created", "order.deleted", "order.restored", "order.updated")
BC_SCOPES = ("store/order/*", "store/shipment/*")
NOW = "2026-11-02T09:00"
FAULT_KINDS = {
    "deleted": "subscription_missing",
    "disabled": "subscription_disabled",
    "paused": "subscription_paused",
    "inactive": "subscription_inactive",
    "wrong_address": "subscription_wrong_address",
}


def address(platform: str, store_id: str) -> str:
    return f"{PUBLIC}/webhooks/{platform}/{store_id}"


@dataclass
class World:
    shopify: FakeAdminApi
    woo: FakeWooWebhooks
    bigcommerce: FakeBigCommerce
    config: Path

    @property
    def books(self) -> tuple[SubscriptionBook, ...]:
        return (self.shopify.subscriptions.book, self.woo.book, self.bigcommerce.hooks.book)

    def injected(self) -> dict[str, int]:
        """The faults injected, as the audit's finding kinds."""
        total: Counter[str] = Counter()
        for book in self.books:
            total.update(book.faults)
        return {FAULT_KINDS[fault]: count for fault, count in total.items()}

    def snapshot(self) -> list[list[tuple[int, str, str, str]]]:
        return [
            [(e.subscription_id, e.topic, e.address, e.state) for e in book.listed()] for book in self.books
        ]

    def cli(self, *args: str) -> Any:
        return runner.invoke(app, [*args, "--config", str(self.config)])


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _write_config(path: Path, database_url: str, shopify: str, woo: str, bigcommerce: str) -> None:
    path.write_text(
        f"database_url: '{database_url}'\n"
        f"public_url: {PUBLIC}\n"
        "stores:\n"
        "  - {id: shop1, platform: shopify, shop_domain: subs.myshopify.com,\n"
        f"     webhook_secrets: [shop-secret], api_token: shpat_fake, api_base_url: '{shopify}'}}\n"
        "  - {id: woo1, platform: woocommerce, site_url: 'https://woo.example.com',\n"
        "     webhook_secrets: [woo-secret], api_key: ck_fake, api_token: cs_fake,\n"
        f"     api_base_url: '{woo}'}}\n"
        "  - {id: bc1, platform: bigcommerce, store_hash: bcsub1, webhook_secrets: [bc-secret],\n"
        f"     api_token: fake-api-token, api_base_url: '{bigcommerce}'}}\n"
        "  - {id: woo2, platform: woocommerce, site_url: 'https://down.example.com',\n"
        "     webhook_secrets: [woo2-secret], api_key: ck_2, api_token: cs_2,\n"
        f"     api_base_url: 'http://127.0.0.1:{_closed_port()}'}}\n"
        "  - {id: shop2, platform: shopify, shop_domain: nocreds.myshopify.com, webhook_secrets: [s2]}\n"
    )


def _subscribe_everything(world: World) -> None:
    for topic in SHOPIFY_TOPICS:
        world.shopify.subscriptions.book.add(enum_topic(topic), address("shopify", "shop1"))
    for topic in WOO_TOPICS:
        world.woo.book.add(topic, address("woocommerce", "woo1"), secret="woo-secret")
    for scope in BC_SCOPES:
        world.bigcommerce.hooks.book.add(scope, address("bigcommerce", "bc1"))


def inject_faults(world: World) -> None:
    """Shopify deleted two subscriptions (8 failed tries over 4 h) and one delivers elsewhere;
    WooCommerce disabled one, an admin paused one, one delivers elsewhere, one was deleted;
    BigCommerce deactivated one hook and the other was deleted."""
    shopify = world.shopify.subscriptions.book
    shopify.delete("ORDERS_CREATE")
    shopify.delete("REFUNDS_CREATE")
    shopify.set_address("ORDERS_UPDATED", ELSEWHERE)
    world.woo.book.set_state("order.updated", "disabled")
    world.woo.book.set_state("order.deleted", "paused")
    world.woo.book.set_address("order.created", ELSEWHERE)
    world.woo.book.delete("order.restored")
    world.bigcommerce.hooks.book.set_state("store/order/*", "inactive")
    world.bigcommerce.hooks.book.delete("store/shipment/*")


@pytest.fixture
def fakes(
    tmp_path: Path,
) -> Iterator[tuple[FakeAdminServer, FakeWooWebhooks, LoopbackServer, FakeBigCommerceServer]]:
    woo = FakeWooWebhooks()
    with (
        FakeAdminServer(ShopSpec(order_count=0)) as shopify,
        LoopbackServer(woo.handler) as woo_server,
        FakeBigCommerceServer(FakeBigCommerce("bcsub1")) as bigcommerce,
    ):
        yield shopify, woo, woo_server, bigcommerce


def _world(fakes: Any, tmp_path: Path, database_url: str) -> World:
    shopify, woo, woo_server, bigcommerce = fakes
    config = tmp_path / "orderline.yaml"
    _write_config(config, database_url, shopify.url, woo_server.url, bigcommerce.base_url)
    world = World(shopify.api, woo, bigcommerce.api, config)
    _subscribe_everything(world)
    return world


@pytest.fixture
def world(fakes: Any, tmp_path: Path) -> World:
    """The fakes and the configuration; no database (the webhooks commands need none)."""
    return _world(fakes, tmp_path, f"sqlite:///{tmp_path / 'unused.db'}")


@pytest.fixture
def audited(fakes: Any, tmp_path: Path, database_url: str) -> World:
    """The same, with a migrated database for the audit."""
    migrate(make_engine(database_url))
    return _world(fakes, tmp_path, database_url)


def subscription_counts(report: dict[str, Any]) -> dict[str, int]:
    return {kind: n for kind, n in report["counts"].items() if kind.startswith("subscription") and n}


def test_the_audit_finds_each_injected_fault_with_exactly_the_injected_counts(audited: World) -> None:
    inject_faults(audited)

    result = audited.cli("audit", "webhooks", "--now", NOW, "--json")

    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert audited.injected() == {
        "subscription_missing": 4,
        "subscription_disabled": 1,
        "subscription_paused": 1,
        "subscription_inactive": 1,
        "subscription_wrong_address": 2,
    }
    assert subscription_counts(report) == {**audited.injected(), "subscriptions_unreadable": 1}
    found = {
        (f["store_id"], f["topic"], f["kind"]) for f in report["findings"] if f["kind"].startswith("subscr")
    }
    assert found == {
        ("shop1", "orders/create", "subscription_missing"),
        ("shop1", "refunds/create", "subscription_missing"),
        ("shop1", "orders/updated", "subscription_wrong_address"),
        ("woo1", "order.updated", "subscription_disabled"),
        ("woo1", "order.deleted", "subscription_paused"),
        ("woo1", "order.created", "subscription_wrong_address"),
        ("woo1", "order.restored", "subscription_missing"),
        ("bc1", "store/order/*", "subscription_inactive"),
        ("bc1", "store/shipment/*", "subscription_missing"),
        ("woo2", None, "subscriptions_unreadable"),
    }
    recommendations = {(f["store_id"], f["topic"]): f["recommendation"] for f in report["findings"]}
    assert "8 failed tries over 4 hours" in recommendations[("shop1", "orders/create")]
    assert "5 consecutive failures" in recommendations[("woo1", "order.updated")]
    assert "48 hours of failed deliveries" in recommendations[("bc1", "store/order/*")]
    assert "WooCommerce's API is reachable" in recommendations[("woo2", None)]
    assert "`orderline reconcile --store woo1 --since" in recommendations[("woo1", "order.restored")]
    statuses = {c["store_id"]: (c["status"], c["reason"]) for c in report["subscriptions"]}
    assert statuses["shop2"] == ("not_checked", "no api_token (its API credentials)")
    assert statuses["woo2"][0] == "unreadable" and "ConnectError" in statuses["woo2"][1]
    assert {s: v[0] for s, v in statuses.items() if s not in ("shop2", "woo2")} == dict.fromkeys(
        ("shop1", "woo1", "bc1"), "checked"
    )


def test_dry_run_changes_nothing_repair_heals_everything_and_the_next_audit_is_clean(audited: World) -> None:
    inject_faults(audited)
    before = audited.snapshot()

    dry = {
        store: audited.cli("webhooks", "repair", "--store", store, "--dry-run", "--json")
        for store in ("shop1", "woo1", "bc1")
    }

    assert [r.exit_code for r in dry.values()] == [1, 1, 1]
    assert audited.snapshot() == before
    assert [s["kind"] for s in json.loads(dry["woo1"].stdout)["steps"]] == [
        "readdress",
        "reactivate",
        "create",
        "reactivate",
    ]
    assert all(not s["done"] for r in dry.values() for s in json.loads(r.stdout)["steps"])
    assert [r.split()[0] for r in audited.woo.requests] == ["GET"]
    assert {r.split()[0] for r in audited.bigcommerce.requests} == {"GET"}

    repaired = {
        store: audited.cli("webhooks", "repair", "--store", store) for store in ("shop1", "woo1", "bc1")
    }

    assert [r.exit_code for r in repaired.values()] == [0, 0, 0], [r.output for r in repaired.values()]
    assert "4 of 4 repaired" in repaired["woo1"].stdout
    assert "3 of 3 repaired" in repaired["shop1"].stdout
    again = json.loads(audited.cli("audit", "webhooks", "--now", NOW, "--json").stdout)
    assert subscription_counts(again) == {"subscriptions_unreadable": 1}
    restored = audited.woo.book.by_topic("order.restored")
    assert (restored.address, restored.secret, restored.state) == (
        address("woocommerce", "woo1"),
        "woo-secret",
        "active",
    )
    shipments = audited.bigcommerce.hooks.book.by_topic("store/shipment/*")
    assert audited.bigcommerce.hooks.headers_of(shipments.subscription_id) == {
        "x-orderline-webhook-secret": "bc-secret"
    }
    assert audited.shopify.subscriptions.book.by_topic("ORDERS_UPDATED").address == address(
        "shopify", "shop1"
    )
    nothing = audited.cli("webhooks", "repair", "--store", "bc1")
    assert (nothing.exit_code, nothing.stdout.strip()) == (0, "bc1: nothing to repair")


def test_the_api_reads_subscriptions_only_when_asked(audited: World) -> None:
    inject_faults(audited)
    runtime = build_runtime(load_config(audited.config))
    with TestClient(create_app(build_web_context(runtime))) as client:
        with runtime.engine.begin() as connection:
            token = tokens.create_token(connection, name="t", role="viewer", now=runtime.clock())
        headers = {"Authorization": f"Bearer {token}"}
        calls_before = len(audited.woo.requests)
        plain = client.get("/api/v1/audit/webhooks", headers=headers).json()
        calls_between = len(audited.woo.requests)
        live = client.get("/api/v1/audit/webhooks?subscriptions=true&store=woo1", headers=headers).json()
    runtime.engine.dispose()

    assert calls_between == calls_before
    assert (plain["subscriptions"], subscription_counts(plain)) == ([], {})
    assert "subscription_missing" not in plain["counts"]
    assert subscription_counts(live) == {
        "subscription_missing": 1, "subscription_disabled": 1, "subscription_paused": 1,
        "subscription_wrong_address": 1,
    }  # fmt: skip
    [check] = live["subscriptions"]
    assert [a["kind"] for a in check["actions"]] == ["readdress", "reactivate", "create", "reactivate"]
    assert check["address"] == address("woocommerce", "woo1")


def test_no_subscriptions_makes_no_api_call(audited: World) -> None:
    inject_faults(audited)

    result = audited.cli("audit", "webhooks", "--now", NOW, "--no-subscriptions", "--json")

    report = json.loads(result.stdout)
    assert (audited.woo.requests, audited.bigcommerce.requests, audited.shopify.requests) == ([], [], 0)
    assert (report["subscriptions"], subscription_counts(report)) == ([], {})


def test_an_unreachable_store_is_a_finding_and_the_others_still_report(world: World) -> None:
    unreachable = world.cli("webhooks", "list", "--store", "woo2", "--json")
    healthy = world.cli("webhooks", "list", "--store", "woo1", "--json")
    repair = world.cli("webhooks", "repair", "--store", "woo2")

    assert unreachable.exit_code == 1
    assert json.loads(unreachable.stdout)["status"] == "unreadable"
    assert healthy.exit_code == 0, healthy.output
    listed = json.loads(healthy.stdout)
    assert [(s["topic"], s["state"]) for s in listed["subscriptions"]] == [(t, "active") for t in WOO_TOPICS]
    assert (listed["needed_topics"], listed["actions"]) == (list(WOO_TOPICS), [])
    assert repair.exit_code == 1 and "could not read subscriptions" in repair.stdout


def test_a_refused_repair_is_reported_the_others_are_done_and_it_exits_1(world: World) -> None:
    world.woo.book.delete("order.created")
    world.woo.book.set_state("order.updated", "disabled")
    world.woo.refuse_creates = True

    result = world.cli("webhooks", "repair", "--store", "woo1", "--json")

    report = json.loads(result.stdout)
    assert result.exit_code == 1
    assert [(s["kind"], s["done"]) for s in report["steps"]] == [("create", False), ("reactivate", True)]
    assert "woocommerce_rest_cannot_create" in report["steps"][0]["error"]
    assert world.woo.book.by_topic("order.updated").state == "active"
    with pytest.raises(KeyError):
        world.woo.book.by_topic("order.created")


def test_an_unknown_store_or_one_without_credentials_exits_2(world: World) -> None:
    unknown = world.cli("webhooks", "repair", "--store", "nope")
    no_credentials = world.cli("webhooks", "repair", "--store", "shop2", "--dry-run")
    listing = world.cli("webhooks", "list", "--store", "shop2")

    assert (unknown.exit_code, no_credentials.exit_code, listing.exit_code) == (2, 2, 2)
    assert "no api_token" in no_credentials.output


def test_without_public_url_nothing_is_checked_and_repair_exits_2(world: World) -> None:
    world.config.write_text(world.config.read_text().replace(f"public_url: {PUBLIC}\n", ""))

    repair = world.cli("webhooks", "repair", "--store", "woo1")

    assert repair.exit_code == 2
    assert "public_url is not set" in repair.output
    assert world.woo.requests == []
