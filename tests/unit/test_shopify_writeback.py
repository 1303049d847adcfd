"""Orderline's holds written to Shopify fulfillment orders, against the fake's GraphQL
(`simulation.shopify.fulfillment_holds`) through `httpx.MockTransport`."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from orderline.connectors.base import Delivery
from orderline.connectors.shopify.connector import map_api_order
from orderline.connectors.shopify.graphql import AdminApiSettings
from orderline.connectors.shopify.holds import map_hold_delivery
from orderline.connectors.shopify.writeback import ShopifyHoldWriter, hold_handle, writer_settings
from orderline.domain.facts import HoldPlaced, HoldsReleased
from orderline.domain.platform_writes import PlatformWrite, WriteAction, WriteOutcome, marked_key
from orderline.domain.vocabulary import HoldReason
from orderline.simulation.shopify.fulfillment_holds import FakeFulfillmentHolds, FakeHold

GROUP = "orderline:address_invalid:postal_code"
PLACE = PlatformWrite("shop1", "7001", WriteAction.PLACE_HOLD, GROUP, HoldReason.ADDRESS, "postal code 1234")
RELEASE = PlatformWrite("shop1", "7001", WriteAction.RELEASE_HOLD, GROUP, HoldReason.ADDRESS)
AT = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
MERCHANTS_FRAUD_HOLD = FakeHold("gid://shopify/FulfillmentHold/99", "HIGH_RISK_OF_FRAUD", "", "", False)


class Sleeps:
    def __init__(self) -> None:
        self.seconds: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


def writer(fake: FakeFulfillmentHolds, sleep: Sleeps | None = None) -> ShopifyHoldWriter:
    settings = writer_settings(
        AdminApiSettings("acme.myshopify.com", "shpat_fake", api_base_url="http://fake")
    )
    return ShopifyHoldWriter(settings, http=httpx.MockTransport(fake.handle), sleep=sleep or Sleeps())


def shop() -> FakeFulfillmentHolds:
    fake = FakeFulfillmentHolds()
    fake.add_order(7001, 501, 502)
    return fake


class NoResolver:
    def order_for_fulfillment_order(self, store_id: str, fulfillment_order_id: str) -> str | None:
        return "7001"


def mapped(topic: str, body: dict[str, object]) -> list[object]:
    delivery = Delivery("shop1", topic, body, AT)
    return list(map_hold_delivery(delivery, body, NoResolver()).facts)


def test_placing_holds_every_open_fulfillment_order_with_orderlines_handle_and_marker() -> None:
    fake = shop()

    result = writer(fake).write(PLACE, {})

    assert result.outcome is WriteOutcome.DONE
    for fo_id in (501, 502):
        (hold,) = fake.holds_on(fo_id)
        assert (hold.reason, hold.handle) == ("INCORRECT_ADDRESS", hold_handle(GROUP))
        assert marked_key(hold.reason_notes) == "address_invalid:postal_code"
    assert sorted(result.remote["groups"]) == ["501", "502"]


def test_placing_again_after_a_lost_answer_does_not_hold_twice() -> None:
    fake = shop()
    writer(fake).write(PLACE, {})

    again = writer(fake).write(PLACE, {})

    assert again.outcome is WriteOutcome.DONE
    assert fake.mutations == ["hold", "hold"]  # one per fulfillment order, none the second time
    assert [len(fake.holds_on(fo)) for fo in (501, 502)] == [1, 1]


def test_releasing_takes_only_orderlines_hold_and_leaves_the_merchants() -> None:
    fake = shop()
    writer(fake).write(PLACE, {})
    fake.fulfillment_orders[501].holds.append(MERCHANTS_FRAUD_HOLD)

    result = writer(fake).write(RELEASE, {})

    assert result.outcome is WriteOutcome.DONE
    assert [h.reason for h in fake.holds_on(501)] == ["HIGH_RISK_OF_FRAUD"]
    assert fake.holds_on(502) == []
    assert writer(fake).write(RELEASE, {}).detail == "no Orderline hold left to release"


def test_a_server_error_is_temporary_and_changes_nothing() -> None:
    fake = shop()
    fake.down = True

    result = writer(fake).write(PLACE, {})

    assert result.outcome is WriteOutcome.TEMPORARY
    assert "HTTP 500" in result.detail
    assert fake.mutations == []


def test_a_429_is_waited_out_as_retry_after_says() -> None:
    fake = shop()
    fake.throttle_next, fake.retry_after_s = 1, "7"
    sleeps = Sleeps()

    result = writer(fake, sleeps).write(PLACE, {})

    assert result.outcome is WriteOutcome.DONE
    assert sleeps.seconds == [7.0]


def test_an_unknown_order_is_refused_for_good() -> None:
    fake = shop()
    unknown = PlatformWrite("shop1", "9999", WriteAction.PLACE_HOLD, GROUP, HoldReason.ADDRESS)

    assert writer(fake).write(unknown, {}).outcome is WriteOutcome.PERMANENT


def test_the_echo_of_orderlines_hold_maps_to_no_fact() -> None:
    fake = shop()
    writer(fake).write(PLACE, {})
    topic, body = fake.webhooks[0]

    assert topic == "fulfillment_orders/placed_on_hold"
    assert mapped(topic, body) == []


def test_a_merchants_own_hold_beside_orderlines_is_still_a_platform_hold() -> None:
    body = {
        "fulfillment_order": {
            "id": "gid://shopify/FulfillmentOrder/501",
            "status": "on_hold",
            "fulfillment_holds": [
                {
                    "reason": "incorrect_address",
                    "reason_notes": "Orderline hold k1",
                    "handle": hold_handle("k1"),
                },
                {"reason": "high_risk_of_fraud", "reason_notes": "checking the card"},
            ],
        }
    }

    (fact,) = mapped("fulfillment_orders/placed_on_hold", body)

    assert isinstance(fact, HoldPlaced)
    assert (fact.hold_group, fact.reason) == ("501", HoldReason.FRAUD_REVIEW)


def test_a_release_keeps_orderlines_reason_while_its_hold_remains() -> None:
    fake = shop()
    writer(fake).write(PLACE, {})
    fake.fulfillment_orders[501].holds.append(MERCHANTS_FRAUD_HOLD)
    fake.fulfillment_orders[501].holds.pop()  # the merchant releases their own hold again
    body = fake._webhook("fulfillment_orders/hold_released", fake.fulfillment_orders[501])

    (fact,) = mapped("fulfillment_orders/hold_released", body)

    assert isinstance(fact, HoldsReleased)
    assert fact.remaining_reasons == frozenset({HoldReason.ADDRESS})


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_a_throttled_mutation_waits_until_the_cost_bucket_holds_it() -> None:
    clock = FakeTime()
    fake = FakeFulfillmentHolds(bucket_size=12.0, restore_rate=2.0, clock=clock)
    fake.add_order(7001, 501, 502)
    settings = writer_settings(
        AdminApiSettings("acme.myshopify.com", "shpat_fake", api_base_url="http://fake")
    )
    shopify = ShopifyHoldWriter(settings, http=httpx.MockTransport(fake.handle), sleep=clock.sleep)

    result = shopify.write(PLACE, {})

    # query 2 + hold 10 empty the bucket; the second hold waits 10 points / 2 per second
    assert result.outcome is WriteOutcome.DONE
    assert clock.sleeps == [5.0]
    assert fake.mutations == ["hold", "hold"]


def test_a_bulk_read_leaves_orderlines_own_hold_out() -> None:
    node = {
        "id": "gid://shopify/Order/7001",
        "legacyResourceId": "7001",
        "name": "#7001",
        "createdAt": "2027-03-01T09:00:00Z",
        "updatedAt": "2027-03-01T09:05:00Z",
        "displayFinancialStatus": "PAID",
        "displayFulfillmentStatus": "ON_HOLD",
        "currencyCode": "USD",
        "totalPriceSet": {"shopMoney": {"amount": "20.00", "currencyCode": "USD"}},
        "lineItems": {"nodes": []},
        "fulfillments": [],
        "refunds": [],
        "fulfillmentOrders": {
            "nodes": [
                {
                    "id": "gid://shopify/FulfillmentOrder/501",
                    "status": "ON_HOLD",
                    "updatedAt": "2027-03-01T09:05:00Z",
                    "fulfillmentHolds": [
                        {"reason": "INCORRECT_ADDRESS", "reasonNotes": "Orderline hold k1: postal code"},
                        {"reason": "HIGH_RISK_OF_FRAUD", "reasonNotes": "checking the card"},
                    ],
                }
            ]
        },
    }

    holds = [f for f in map_api_order("shop1", node).facts if isinstance(f, HoldPlaced)]

    assert [(h.hold_group, h.reason) for h in holds] == [("501", HoldReason.FRAUD_REVIEW)]
