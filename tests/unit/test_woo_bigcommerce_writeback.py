"""Orderline's holds written to WooCommerce (on-hold, meta and a note) and BigCommerce
(the hold status and a staff note), against the simulation's fakes through
`httpx.MockTransport`; and their echoes mapped to nothing."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from orderline.connectors.bigcommerce.client import BigCommerceClient
from orderline.connectors.bigcommerce.mapping import fetch_order, map_fetched_order
from orderline.connectors.bigcommerce.rest import ApiSettings, RestApi, RetryPolicy
from orderline.connectors.bigcommerce.statuses import HOLD_GROUP
from orderline.connectors.bigcommerce.writeback import BigCommerceHoldWriter
from orderline.connectors.woocommerce.client import WooApiSettings, WooCommerceClient
from orderline.connectors.woocommerce.holds import STATUS_HOLD_GROUP
from orderline.connectors.woocommerce.order_view import read_order_view
from orderline.connectors.woocommerce.orders import map_order
from orderline.connectors.woocommerce.settings import WooStoreSettings
from orderline.connectors.woocommerce.writeback import ORDERLINE_META, WRITE_RETRY, WooHoldWriter
from orderline.domain.facts import Fact, HoldPlaced, HoldsReleased
from orderline.domain.platform_writes import PlatformWrite, WriteAction, WriteOutcome, marked_key
from orderline.domain.vocabulary import HoldReason
from orderline.simulation.bigcommerce.api import FakeBigCommerce
from orderline.simulation.bigcommerce.simulator import BigCommerceSimulator
from orderline.simulation.woocommerce.rest_orders import FakeWooOrders

FIXTURE = Path(__file__).parents[1] / "fixtures/platforms/woocommerce/order_processing.wc_v3.sample.json"
GROUP = "orderline:address_invalid:postal_code"


def writes(order_id: str) -> tuple[PlatformWrite, PlatformWrite]:
    place = PlatformWrite(
        "s1", order_id, WriteAction.PLACE_HOLD, GROUP, HoldReason.ADDRESS, "postal code 1234"
    )
    return place, PlatformWrite("s1", order_id, WriteAction.RELEASE_HOLD, GROUP, HoldReason.ADDRESS)


# --- WooCommerce -------------------------------------------------------------------------


def woo_shop() -> FakeWooOrders:
    fake = FakeWooOrders()
    fake.add_order(json.loads(FIXTURE.read_text()))
    return fake


def woo_writer(fake: FakeWooOrders, sleeps: list[float] | None = None) -> WooHoldWriter:
    settings = WooApiSettings("https://shop.example", "ck_fake", "cs_fake", retry=WRITE_RETRY)
    sleep = (sleeps if sleeps is not None else []).append
    return WooHoldWriter(WooCommerceClient(settings, http=httpx.MockTransport(fake.handle), sleep=sleep))


def woo_facts(fake: FakeWooOrders) -> list[Fact]:
    return map_order(read_order_view(fake.orders[727], WooStoreSettings()))


def status_group(facts: list[Fact]) -> list[Fact]:
    return [
        f for f in facts if isinstance(f, HoldPlaced | HoldsReleased) and f.hold_group == STATUS_HOLD_GROUP
    ]


def test_woocommerce_placing_sets_on_hold_with_orderlines_meta_and_a_note() -> None:
    fake = woo_shop()
    place, _ = writes("727")

    result = woo_writer(fake).write(place, {})

    order = fake.orders[727]
    assert result.outcome is WriteOutcome.DONE
    assert order["status"] == "on-hold"
    assert [m["value"] for m in order["meta_data"] if m["key"] == ORDERLINE_META] == [
        "address_invalid:postal_code"
    ]
    (note,) = fake.notes[727]
    assert (marked_key(note["note"]), note["customer_note"]) == ("address_invalid:postal_code", False)
    assert dict(result.remote) == {
        "groups": [STATUS_HOLD_GROUP],
        "previous_status": "processing",
        "written_at": "2017-03-22T19:28:09+00:00",  # the fixture's last save, one second on
    }


def test_woocommerce_echo_of_orderlines_on_hold_is_no_hold_and_no_release() -> None:
    fake = woo_shop()
    woo_writer(fake).write(writes("727")[0], {})

    assert status_group(woo_facts(fake)) == []


def test_woocommerce_placing_twice_writes_once_and_release_restores_the_status() -> None:
    fake = woo_shop()
    place, release = writes("727")
    placed = woo_writer(fake).write(place, {})
    woo_writer(fake).write(place, {})

    result = woo_writer(fake).write(release, placed.remote)

    assert [r for r in fake.requests if r.startswith("PUT")] == ["PUT /wp-json/wc/v3/orders/727"] * 2
    assert result.detail == "order 727 set processing"
    assert fake.orders[727]["status"] == "processing"
    assert [marked_key(n["note"]) for n in fake.notes[727]] == ["address_invalid:postal_code", None]
    assert [f.__class__ for f in status_group(woo_facts(fake))] == [HoldsReleased]


def test_woocommerce_merchant_moving_the_order_off_on_hold_is_a_release_of_the_status_group() -> None:
    fake = woo_shop()
    woo_writer(fake).write(writes("727")[0], {})
    fake.orders[727]["status"] = "processing"  # the merchant, in wp-admin

    (fact,) = status_group(woo_facts(fake))

    assert isinstance(fact, HoldsReleased)


def test_woocommerce_a_429_is_waited_out_and_a_500_is_temporary() -> None:
    fake, sleeps = woo_shop(), []
    fake.throttle_next, fake.retry_after_s = 1, "5"
    assert woo_writer(fake, sleeps).write(writes("727")[0], {}).outcome is WriteOutcome.DONE
    assert sleeps == [5.0]

    fake.down = True
    failed = woo_writer(fake).write(writes("727")[1], {})
    assert (failed.outcome, "HTTP 500" in failed.detail) == (WriteOutcome.TEMPORARY, True)


def test_woocommerce_an_unknown_order_is_refused_for_good() -> None:
    assert woo_writer(woo_shop()).write(writes("9")[0], {}).outcome is WriteOutcome.PERMANENT


# --- BigCommerce -------------------------------------------------------------------------


def bc_store() -> tuple[FakeBigCommerce, int]:
    fake = FakeBigCommerce("abc123")
    sim = BigCommerceSimulator(random.Random(3), "abc123", api=fake, start=datetime(2027, 3, 1, tzinfo=UTC))
    order_id, _ = sim.place_order(status_id=11, payment_status="captured", line_count=1)
    return fake, order_id


def bc_writer(fake: FakeBigCommerce, sleeps: list[float] | None = None) -> BigCommerceHoldWriter:
    settings = ApiSettings("abc123", fake.api_token, retry=RetryPolicy(max_attempts=2, base_delay_s=0.5))
    http = httpx.Client(transport=httpx.MockTransport(fake.handler))
    api = RestApi(settings, http, (sleeps if sleeps is not None else []).append, lambda: 0.0)
    return BigCommerceHoldWriter(api, close=http.close)


def bc_facts(fake: FakeBigCommerce, order_id: int) -> list[Any]:
    with BigCommerceClient(
        ApiSettings("abc123", fake.api_token), http=httpx.MockTransport(fake.handler)
    ) as client:
        fetched = fetch_order(client, order_id)
    assert fetched is not None
    return [f for f in map_fetched_order(fetched) if isinstance(f, HoldPlaced | HoldsReleased)]


def test_bigcommerce_placing_sets_the_hold_status_with_a_staff_note_in_one_request() -> None:
    fake, order_id = bc_store()

    result = bc_writer(fake).write(writes(str(order_id))[0], {})

    order = fake.state.orders[order_id]
    assert result.outcome is WriteOutcome.DONE
    assert (order.status_id, marked_key(order.staff_notes)) == (12, "address_invalid:postal_code")
    assert fake.requests == [
        f"GET /stores/abc123/v2/orders/{order_id}",
        f"PUT /stores/abc123/v2/orders/{order_id}",
    ]
    assert dict(result.remote) == {
        "groups": [HOLD_GROUP],
        "previous_status_id": 11,
        "written_at": (order.date_modified).isoformat(),
    }
    assert bc_facts(fake, order_id) == []  # the echo: Orderline's own hold, no fraud-review hold


def test_bigcommerce_release_restores_the_status_and_takes_the_marker_out() -> None:
    fake, order_id = bc_store()
    place, release = writes(str(order_id))
    placed = bc_writer(fake).write(place, {})
    bc_writer(fake).write(place, {})

    result = bc_writer(fake).write(release, placed.remote)

    order = fake.state.orders[order_id]
    assert result.detail == f"order {order_id} set to status 11"
    assert (order.status_id, marked_key(order.staff_notes)) == (11, None)
    assert order.staff_notes == "Orderline released hold address_invalid:postal_code"
    assert len(fake.order_writes.writes) == 2  # the second placement found its work done
    (released,) = bc_facts(fake, order_id)
    assert isinstance(released, HoldsReleased) and released.remaining_reasons == frozenset()


def test_bigcommerce_a_merchant_status_change_releases_the_status_group() -> None:
    fake, order_id = bc_store()
    bc_writer(fake).write(writes(str(order_id))[0], {})
    fake.state.set_status(order_id, 11, None, fake.state.orders[order_id].date_modified)

    (released,) = bc_facts(fake, order_id)

    assert isinstance(released, HoldsReleased)


def test_bigcommerce_a_failing_write_is_temporary_and_an_unknown_order_permanent() -> None:
    fake, order_id = bc_store()
    fake.order_writes.fail_next = 5

    failed = bc_writer(fake).write(writes(str(order_id))[0], {})

    assert failed.outcome is WriteOutcome.TEMPORARY
    assert fake.state.orders[order_id].status_id == 11
    assert bc_writer(fake).write(writes("999999")[0], {}).outcome is WriteOutcome.PERMANENT


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_bigcommerce_writes_wait_for_the_request_quota_instead_of_meeting_a_429() -> None:
    clock = FakeTime()
    fake = FakeBigCommerce("abc123", quota=1, window_s=30.0, clock=clock)
    sim = BigCommerceSimulator(random.Random(3), "abc123", api=fake, start=datetime(2027, 3, 1, tzinfo=UTC))
    order_id, _ = sim.place_order(status_id=11, payment_status="captured", line_count=1)
    statuses: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        response = fake.handler(request)
        statuses.append(response.status_code)
        return response

    settings = ApiSettings("abc123", fake.api_token, retry=RetryPolicy(max_attempts=2, base_delay_s=0.5))
    api = RestApi(settings, httpx.Client(transport=httpx.MockTransport(handler)), clock.sleep, clock)
    result = BigCommerceHoldWriter(api).write(writes(str(order_id))[0], {})

    assert result.outcome is WriteOutcome.DONE
    assert statuses == [200, 200]  # GET, then the PUT once the window reset: never a 429
    assert len(clock.sleeps) == 1 and 29.0 <= clock.sleeps[0] <= 31.0
