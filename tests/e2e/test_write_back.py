"""Holds written back to Shopify, end to end against the fake, on both databases
(issue 14, acceptance 4): an invalid address holds the fulfillment order, the corrected
address releases it, the echo webhooks change nothing, a write that keeps failing is
retried later with every attempt on the timeline, the per-store switch turns it off, and
a merchant releasing the hold on Shopify releases it in Orderline."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine

from orderline.bootstrap.write_back import build_write_back
from orderline.connectors.bigcommerce.rest import ApiSettings, RestApi
from orderline.connectors.bigcommerce.writeback import BigCommerceHoldWriter
from orderline.connectors.shopify.writeback import hold_handle
from orderline.connectors.woocommerce.client import WooApiSettings, WooCommerceClient
from orderline.connectors.woocommerce.order_view import read_order_view
from orderline.connectors.woocommerce.orders import map_order
from orderline.connectors.woocommerce.settings import WooStoreSettings
from orderline.connectors.woocommerce.writeback import WooHoldWriter
from orderline.domain.facts import HoldsReleased
from orderline.domain.platform_writes import marked_key
from orderline.persistence import outbox
from orderline.persistence.platform_write_records import PLATFORM_WRITES
from orderline.simulation.bigcommerce.api import FakeBigCommerce
from orderline.simulation.bigcommerce.simulator import BigCommerceSimulator
from orderline.simulation.loopback import LoopbackServer
from orderline.simulation.shopify.fulfillment_holds import FakeFulfillmentHolds
from orderline.simulation.woocommerce.rest_orders import FakeWooOrders
from tests.e2e.write_back_world import (
    ADDRESS_GROUP,
    BAD_ZIP,
    GOOD,
    ORDER,
    STORE,
    T0,
    TERMS,
    World,
    at,
    bigcommerce_config,
    config,
    snapshot,
    woo_config,
)

HANDLE = hold_handle(ADDRESS_GROUP)
WOO_FIXTURE = Path(__file__).parents[1] / "fixtures/platforms/woocommerce/order_processing.wc_v3.sample.json"


def held_world(engine: Engine) -> World:
    """The order with an invalid address, its hold written to Shopify."""
    world = World(engine)
    world.learn(T0, snapshot(0, BAD_ZIP))
    world.tick(T0)
    world.deliver(T0)
    return world


def test_an_invalid_address_holds_the_fulfillment_order_and_the_correction_releases_it(
    engine: Engine,
) -> None:
    world = World(engine)
    world.learn(T0, snapshot(0, BAD_ZIP))

    world.tick(T0)
    queued = world.writes()
    attempted = world.deliver(T0)

    assert [(w["action"], w["hold_group"], w["state"]) for w in queued] == [
        ("place_hold", ADDRESS_GROUP, "queued")
    ]
    assert attempted == 1
    assert world.holds_on_shopify() == [("INCORRECT_ADDRESS", HANDLE)]
    assert world.headline() == ("on_hold", [(ADDRESS_GROUP, "address")])

    world.learn(at(120), snapshot(120, GOOD))
    world.tick(at(120))
    world.deliver(at(120))

    assert world.holds_on_shopify() == []
    assert world.shopify.mutations == ["hold", "release"]
    assert [(w["action"], w["state"]) for w in world.writes()] == [
        ("place_hold", "sent"),
        ("release_hold", "sent"),
    ]
    assert world.headline() == ("ready_to_fulfill", [])
    assert world.write_entries() == [
        ("platform_write_queued", "Hold address_invalid:postal_code to be placed on shopify"),
        ("platform_write_attempt", "Hold placed on shopify: held fulfillment orders 501"),
        ("platform_write_queued", "Hold address_invalid:postal_code to be released on shopify"),
        ("platform_write_attempt", "Hold released on shopify: released fulfillment orders 501"),
    ]


def test_evaluating_again_queues_no_second_write(engine: Engine) -> None:
    world = held_world(engine)

    world.learn(at(5), snapshot(5, BAD_ZIP))  # the same problem, restated
    world.tick(at(5))
    world.tick(at(60 * 30))  # past every escalation level

    assert len(world.writes()) == 1
    assert world.deliver(at(60 * 30)) == 0
    assert world.shopify.mutations == ["hold"]


def _history(world: World) -> list[dict[str, Any]]:
    """The order's timeline without the entries saying a platform delivery was received
    (an echo is received like any delivery; it must change nothing else)."""
    return [e for e in world.timeline() if e["kind"] != "delivery_received"]


def test_the_echo_webhooks_change_nothing(engine: Engine) -> None:
    world = held_world(engine)
    (placed_topic, placed_body) = world.shopify.webhooks[0]
    before = (world.order(), world.exception(), _history(world), world.writes())

    world.webhook(placed_topic, placed_body, at(1))
    world.tick(at(1))

    assert placed_topic == "fulfillment_orders/placed_on_hold"
    assert (world.order(), world.exception(), _history(world), world.writes()) == before

    world.learn(at(120), snapshot(120, GOOD))
    world.tick(at(120))
    world.deliver(at(120))
    (released_topic, released_body) = world.shopify.webhooks[-1]
    settled = (world.order(), world.exception(), _history(world), world.writes())

    world.webhook(released_topic, released_body, at(121))
    world.webhook(placed_topic, placed_body, at(122))  # a late duplicate of the first echo
    world.tick(at(122))
    world.deliver(at(122))

    assert released_topic == "fulfillment_orders/hold_released"
    after = (world.order(), world.exception(), _history(world), world.writes())
    assert after[0]["holds"] == [] and after[0]["anomalies"] == settled[0]["anomalies"]
    assert (after[0]["status"], after[1:]) == (settled[0]["status"], settled[1:])
    assert world.shopify.mutations == ["hold", "release"]
    received = [e["data"]["topic"] for e in world.timeline() if e["kind"] == "delivery_received"]
    assert received[-1] == released_topic  # the echo itself is listed as received, nothing more


def test_a_write_back_failing_three_times_is_retried_later_with_each_attempt_on_the_timeline(
    engine: Engine,
) -> None:
    world = World(engine)
    world.shopify.down = True
    world.learn(T0, snapshot(0, BAD_ZIP))
    world.tick(T0)

    moments = [T0, at(1), at(3)]  # waits of 1 and 2 minutes: the retry policy's doubling
    for moment in moments:
        assert world.deliver(moment) == 1
    world.shopify.down = False
    early = world.deliver(at(6))
    on_time = world.deliver(at(7))

    assert (early, on_time) == (0, 1)
    assert world.holds_on_shopify() == [("INCORRECT_ADDRESS", HANDLE)]
    (row,) = world.writes()
    assert (row["state"], row["attempts"], row["last_error"]) == ("sent", 4, None)
    attempts = [e for e in world.timeline() if e["kind"] == "platform_write_attempt"]
    assert [(e["at"], e["data"]["outcome"]) for e in attempts] == [
        (T0.isoformat(), "temporary"),
        (at(1).isoformat(), "temporary"),
        (at(3).isoformat(), "temporary"),
        (at(7).isoformat(), "sent"),
    ]
    assert attempts[0]["summary"].startswith("Placing the hold on shopify failed (temporary): ")
    assert "HTTP 500" in attempts[0]["summary"]
    assert attempts[2]["summary"].endswith(f"next attempt at {at(7).isoformat()}")


def test_with_write_back_off_nothing_is_queued_or_written(engine: Engine) -> None:
    switched_off = config(write_back=False)
    world = World(engine, switched_off)
    world.learn(T0, snapshot(0, BAD_ZIP))

    world.tick(T0)

    assert build_write_back(switched_off, engine, TERMS) is None
    assert world.headline() == ("on_hold", [(ADDRESS_GROUP, "address")])
    with engine.connect() as connection:
        assert outbox.rows_of_order(connection, PLATFORM_WRITES, STORE, ORDER) == []
    assert world.shopify.requests == 0


def test_a_store_without_api_credentials_does_not_write_back_by_default(engine: Engine) -> None:
    assert build_write_back(config(api_token=None), engine, TERMS) is None
    assert build_write_back(config(api_token=None, write_back=True), engine, TERMS) is not None


def test_a_merchant_releasing_the_hold_on_shopify_releases_it_in_orderline(engine: Engine) -> None:
    world = held_world(engine)
    body = world.shopify.merchant_release(501)

    world.webhook("fulfillment_orders/hold_released", body, at(30))
    world.tick(at(30))  # resolves the exception as the merchant; the order is due again at once
    exception = world.exception()
    world.tick(at(30))  # the next tick releases Orderline's hold
    world.deliver(at(30))

    assert (exception.state, exception.resolved_by) == ("resolved", f"platform:{STORE}")
    assert world.headline() == ("ready_to_fulfill", [])
    assert world.shopify.mutations == ["hold"]  # nothing written back: Shopify released it
    assert [w["action"] for w in world.writes()] == ["place_hold"]
    entries = [(e["kind"], e["summary"]) for e in world.timeline() if e["at"] == at(30).isoformat()]
    assert (
        "exception_resolved",
        f"Exception address_invalid:postal_code resolved by platform:{STORE}",
    ) in entries
    assert (
        "platform_hold_released",
        f"Hold address_invalid:postal_code released on shopify by platform:{STORE}",
    ) in entries

    world.tick(at(60 * 30))  # the same invalid address: the person's decision stands
    assert world.headline() == ("ready_to_fulfill", [])
    assert world.shopify.mutations == ["hold"]


def test_woocommerce_order_is_set_on_hold_and_back_to_processing(engine: Engine) -> None:
    woo = FakeWooOrders()
    woo.add_order(json.loads(WOO_FIXTURE.read_text()) | {"id": int(ORDER)})
    settings = WooApiSettings("https://shop.example", "ck_fake", "cs_fake")
    world = World(
        engine, woo_config(), WooHoldWriter(WooCommerceClient(settings, http=httpx.MockTransport(woo.handle)))
    )

    world.learn(T0, snapshot(0, BAD_ZIP))
    world.tick(T0)
    world.deliver(T0)
    held = (woo.orders[int(ORDER)]["status"], [marked_key(n["note"]) for n in woo.notes[int(ORDER)]])
    world.learn(at(120), snapshot(120, GOOD))
    world.tick(at(120))
    world.deliver(at(120))

    assert held == ("on-hold", ["address_invalid:postal_code"])
    assert woo.orders[int(ORDER)]["status"] == "processing"
    assert [(w["platform"], w["action"], w["state"]) for w in world.writes()] == [
        ("woocommerce", "place_hold", "sent"),
        ("woocommerce", "release_hold", "sent"),
    ]


def test_bigcommerce_order_takes_the_configured_hold_status_and_goes_back(engine: Engine) -> None:
    bc = FakeBigCommerce("abc123")
    sim = BigCommerceSimulator(random.Random(5), "abc123", api=bc, start=T0)
    placed_id, _ = sim.place_order(status_id=11, payment_status="captured", line_count=1)
    fake_order = bc.state.orders.pop(placed_id)
    fake_order.id = int(ORDER)
    bc.state.add_order(fake_order)
    http = httpx.Client(transport=httpx.MockTransport(bc.handler))
    api = RestApi(ApiSettings("abc123", bc.api_token), http, lambda _s: None, lambda: 0.0)
    world = World(engine, bigcommerce_config(), BigCommerceHoldWriter(api, 12, http.close))

    world.learn(T0, snapshot(0, BAD_ZIP))
    world.tick(T0)
    world.deliver(T0)
    held = (fake_order.status_id, marked_key(fake_order.staff_notes))
    world.learn(at(120), snapshot(120, GOOD))
    world.tick(at(120))
    world.deliver(at(120))

    assert held == (12, "address_invalid:postal_code")
    assert (fake_order.status_id, marked_key(fake_order.staff_notes)) == (11, None)
    assert [(w["platform"], w["action"], w["state"]) for w in world.writes()] == [
        ("bigcommerce", "place_hold", "sent"),
        ("bigcommerce", "release_hold", "sent"),
    ]


def test_a_merchant_moving_the_woocommerce_order_off_on_hold_releases_it_in_orderline(engine: Engine) -> None:
    woo = FakeWooOrders()
    woo.add_order(json.loads(WOO_FIXTURE.read_text()) | {"id": int(ORDER)})
    settings = WooApiSettings("https://shop.example", "ck_fake", "cs_fake")
    world = World(
        engine, woo_config(), WooHoldWriter(WooCommerceClient(settings, http=httpx.MockTransport(woo.handle)))
    )
    world.learn(T0, snapshot(0, BAD_ZIP))
    world.tick(T0)
    world.deliver(T0)
    woo.orders[int(ORDER)]["status"] = "processing"  # the merchant, in wp-admin
    moved = woo.orders[int(ORDER)] | {"date_modified_gmt": at(30).strftime("%Y-%m-%dT%H:%M:%S")}

    # What the order.updated webhook maps to; the snapshot itself is left out (the
    # fixture's address and lines are not this order's).
    platform_holds = [
        f for f in map_order(read_order_view(moved, WooStoreSettings())) if isinstance(f, HoldsReleased)
    ]
    world.learn(at(30), *platform_holds)
    world.tick(at(30))
    world.tick(at(30))
    world.deliver(at(30))

    assert (world.exception().state, world.exception().resolved_by) == ("resolved", f"platform:{STORE}")
    assert world.headline() == ("ready_to_fulfill", [])
    assert [w["action"] for w in world.writes()] == ["place_hold"]
    assert woo.orders[int(ORDER)]["status"] == "processing"


def test_a_merchant_releasing_their_own_hold_beside_orderlines_leaves_orderlines(engine: Engine) -> None:
    world = held_world(engine)
    placed = world.shopify.merchant_hold(501, "HIGH_RISK_OF_FRAUD", "checking the card")
    world.webhook("fulfillment_orders/placed_on_hold", placed, at(20))
    merchants = world.shopify.holds_on(501)[-1].id
    released = world.shopify.merchant_release(501, merchants)

    world.webhook("fulfillment_orders/hold_released", released, at(30))
    world.tick(at(30))
    world.tick(at(30))

    assert world.exception().state == "open"
    assert world.headline() == ("on_hold", [(ADDRESS_GROUP, "address")])
    assert world.holds_on_shopify() == [("INCORRECT_ADDRESS", HANDLE)]
    assert [w["action"] for w in world.writes()] == ["place_hold"]


def test_a_configured_store_writes_through_its_platform_plugin_over_http(engine: Engine) -> None:
    shopify = FakeFulfillmentHolds()
    shopify.add_order(int(ORDER), 501)
    with LoopbackServer(shopify.handle) as server:
        world = World(engine)
        world.write_back = build_write_back(config(api_base_url=server.url), engine, TERMS)
        world.learn(T0, snapshot(0, BAD_ZIP))
        world.tick(T0)
        world.deliver(T0)

    assert [(h.reason, h.handle) for h in shopify.holds_on(501)] == [("INCORRECT_ADDRESS", HANDLE)]
    assert world.shopify.requests == 0  # the world's own fake was not used


def test_a_woocommerce_save_from_before_the_write_is_not_taken_for_a_release(engine: Engine) -> None:
    # WooCommerce's clock runs an hour ahead of Orderline's: the order was last saved at
    # 10:00 by its clock, and Orderline writes its hold at 09:00 by its own.
    woo = FakeWooOrders()
    saved = at(60).strftime("%Y-%m-%dT%H:%M:%S")
    woo.add_order(json.loads(WOO_FIXTURE.read_text()) | {"id": int(ORDER), "date_modified_gmt": saved})
    settings = WooApiSettings("https://shop.example", "ck_fake", "cs_fake")
    writer = WooHoldWriter(WooCommerceClient(settings, http=httpx.MockTransport(woo.handle)))
    world = World(engine, woo_config(), writer)
    world.learn(T0, snapshot(0, BAD_ZIP))
    world.tick(T0)
    world.deliver(T0)

    world.learn(at(30), HoldsReleased(ORDER, "woo-status", at(30)))  # a save before the write, late
    world.tick(at(30))
    world.tick(at(30))
    before_write = world.exception().state

    world.learn(at(90), HoldsReleased(ORDER, "woo-status", at(90)))  # the merchant, after it
    world.tick(at(90))

    assert before_write == "open"
    assert (world.exception().state, world.exception().resolved_by) == ("resolved", f"platform:{STORE}")
