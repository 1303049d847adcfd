"""Thin BigCommerce deliveries mapped by fetching the order from a fake store."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from orderline.connectors.base import Delivery, MappedDelivery, PayloadError
from orderline.connectors.bigcommerce import ApiSettings, BigCommerceClient, BigCommerceConnector, FetchFailed
from orderline.domain.facts import Fact, HoldPlaced, HoldsReleased, LineQuantity, RefundRecorded
from orderline.domain.fold import fold
from orderline.domain.order import Order
from orderline.domain.vocabulary import HoldReason, OrderStatus, PaymentStatus, ShipmentState
from orderline.simulation.bigcommerce import BigCommerceSimulator, BigCommerceWebhook, FakeBigCommerce

START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


class NoResolver:
    def order_for_fulfillment_order(self, store_id: str, fulfillment_order_id: str) -> str | None:
        return None


class Store:
    """A simulated store, and the connector reading it through httpx.MockTransport."""

    def __init__(self, seed: int = 1) -> None:
        self.fake = FakeBigCommerce("abc123")
        self.sim = BigCommerceSimulator(
            random.Random(seed), "abc123", api=self.fake, start=START, duplicate_chance=0
        )
        client = BigCommerceClient(
            ApiSettings("abc123", self.fake.api_token),
            http=httpx.MockTransport(self.fake.handler),
            sleep=no_sleep,
        )
        self.connector = BigCommerceConnector({"s1": client})

    def map(self, webhook: BigCommerceWebhook) -> MappedDelivery:
        return self.map_body(json.loads(webhook.body))

    def map_body(self, body: dict[str, Any]) -> MappedDelivery:
        delivery = Delivery("s1", str(body.get("scope")), body, received_at=START)
        return self.connector.map_delivery(delivery, NoResolver())

    def learn(self, *webhooks: BigCommerceWebhook) -> list[Fact]:
        return [fact for webhook in webhooks for fact in self.map(webhook).facts]


def no_sleep(seconds: float) -> None:
    pass


def folded(order_id: int, facts: list[Fact]) -> Order:
    order = fold("s1", str(order_id), facts)
    assert order is not None
    return order


def hook(scope: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "scope": scope,
        "store_id": "1",
        "data": data,
        "hash": "h",
        "created_at": int(START.timestamp()),
        "producer": "stores/abc123",
    }


def test_archived_and_foreign_scopes_are_ignored_without_a_fetch() -> None:
    store = Store()

    archived = store.map_body(hook("store/order/archived", {"type": "order", "id": 101}))
    cart = store.map_body(hook("store/cart/created", {"type": "cart", "id": "c-1"}))

    assert archived.ignored == "order archived: archiving hides an order and changes nothing about it"
    assert cart.ignored == "scope store/cart/created carries no order"
    assert (archived.facts, cart.facts, store.fake.requests) == ((), (), [])


def test_an_order_that_answers_404_is_ignored_as_gone() -> None:
    store = Store()

    mapped = store.map_body(hook("store/order/updated", {"type": "order", "id": 404404}))

    assert (mapped.order_id, mapped.facts) == ("404404", ())
    assert mapped.ignored == "order 404404 gone (HTTP 404)"


def test_an_api_that_keeps_failing_raises_fetch_failed() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503)

    client = BigCommerceClient(ApiSettings("abc123", "t"), http=httpx.MockTransport(down), sleep=no_sleep)
    delivery = Delivery(
        "s1", "store/order/updated", hook("store/order/updated", {"type": "order", "id": 1}), START
    )

    with pytest.raises(FetchFailed, match="gave up after 5 attempts: HTTP 503"):
        BigCommerceConnector({"s1": client}).map_delivery(delivery, NoResolver())


def test_a_store_without_an_api_client_raises_fetch_failed() -> None:
    delivery = Delivery(
        "s9", "store/order/updated", hook("store/order/updated", {"type": "order", "id": 1}), START
    )

    with pytest.raises(FetchFailed, match="no BigCommerce API client for store s9"):
        BigCommerceConnector({}).map_delivery(delivery, NoResolver())


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"data": {}}, "webhook body: scope is missing"),
        (
            hook("store/shipment/created", {"type": "shipment", "id": 3}),
            r"data: orderId must be a numeric id",
        ),
        (hook("store/order/updated", {"type": "order"}), r"data: id must be a numeric id, got None"),
    ],
)
def test_unmappable_bodies_raise_payload_error(body: dict[str, Any], message: str) -> None:
    with pytest.raises(PayloadError, match=message):
        Store().map_body(body)


def test_every_order_scope_and_the_channel_variant_read_the_same_order() -> None:
    store = Store()
    order_id, created = store.sim.place_order(line_count=1)
    expected = store.map(created[0]).facts

    for scope in (
        "store/order/statusUpdated",
        "store/order/message/created",
        "store/channel/3/order/updated",
    ):
        assert store.map_body(hook(scope, {"type": "order", "id": order_id})).facts == expected
    transaction = {"order_id": order_id, "transaction_id": 9, "transaction_type": "purchase"}
    assert store.map_body(hook("store/order/transaction/created", transaction)).facts == expected


def test_a_refund_is_recorded_with_its_v3_id_lines_and_time() -> None:
    store = Store()
    order_id, _ = store.sim.place_order(line_count=2)
    row = store.sim.order(order_id).products[0]

    hooks = store.sim.refund(order_id, [(row.id, 1)], reason="damaged")
    refunds = [fact for fact in store.learn(hooks[0]) if isinstance(fact, RefundRecorded)]

    refund = store.sim.order(order_id).refunds[0]
    assert refunds == [
        RefundRecorded(
            order_id=str(order_id),
            refund_id=str(refund.id),
            created_at=refund.created,
            amount=row.price,
            lines=(LineQuantity(str(row.id), 1),),
            note="damaged",
        )
    ]
    order = folded(order_id, store.learn(hooks[0]))
    assert (order.status, order.payment_status) == (
        OrderStatus.READY_TO_FULFILL,
        PaymentStatus.PARTIALLY_REFUNDED,
    )


def order_json(refunded: str, modified: str) -> dict[str, Any]:
    return {
        "id": 7,
        "status_id": 11,
        "payment_status": "partially refunded",
        "total_inc_tax": "20.0000",
        "refunded_amount": refunded,
        "date_created": "Mon, 02 Nov 2026 08:00:00 +0000",
        "date_modified": modified,
        "currency_code": "USD",
    }


def map_routes(routes: dict[str, httpx.Response]) -> list[Fact]:
    def answer(request: httpx.Request) -> httpx.Response:
        return routes.get(request.url.path.removeprefix("/stores/abc123"), httpx.Response(204))

    client = BigCommerceClient(ApiSettings("abc123", "t"), http=httpx.MockTransport(answer), sleep=no_sleep)
    delivery = Delivery(
        "s1", "store/order/updated", hook("store/order/updated", {"type": "order", "id": 7}), START
    )
    return list(BigCommerceConnector({"s1": client}).map_delivery(delivery, NoResolver()).facts)


def refunds_of(facts: list[Fact]) -> list[tuple[str, Decimal, datetime, str | None]]:
    return [(f.refund_id, f.amount, f.created_at, f.note) for f in facts if isinstance(f, RefundRecorded)]


MODIFIED = "Tue, 03 Nov 2026 10:00:00 +0000"
MODIFIED_AT = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)
UNITEMIZED = "part of refunded_amount not itemized by the V3 refunds API"


@pytest.mark.parametrize(
    "v3", [httpx.Response(200, json={"data": [], "meta": {}}), httpx.Response(404, json=[{"status": 404}])]
)
def test_refunded_amount_without_v3_refunds_is_one_unitemized_refund(v3: httpx.Response) -> None:
    facts = map_routes(
        {
            "/v2/orders/7": httpx.Response(200, json=order_json("5.0000", MODIFIED)),
            "/v3/orders/7/payment_actions/refunds": v3,
        }
    )

    assert refunds_of(facts) == [("7:unitemized", Decimal("5.0000"), MODIFIED_AT, UNITEMIZED)]


def test_the_part_v3_does_not_itemize_is_added_to_the_listed_refunds() -> None:
    listed = {
        "id": 31,
        "created": "2026-11-03T09:00:00+00:00",
        "total_amount": 3,
        "reason": "late",
        "items": [],
    }
    facts = map_routes(
        {
            "/v2/orders/7": httpx.Response(200, json=order_json("5.0000", MODIFIED)),
            "/v3/orders/7/payment_actions/refunds": httpx.Response(200, json={"data": [listed]}),
        }
    )

    assert refunds_of(facts) == [
        ("31", Decimal("3"), datetime(2026, 11, 3, 9, 0, tzinfo=UTC), "late"),
        ("7:unitemized", Decimal("2.0000"), MODIFIED_AT, UNITEMIZED),
    ]


def test_a_growing_unitemized_refund_replaces_the_earlier_reading() -> None:
    empty = httpx.Response(200, json={"data": []})
    first = map_routes(
        {
            "/v2/orders/7": httpx.Response(200, json=order_json("5.0000", MODIFIED)),
            "/v3/orders/7/payment_actions/refunds": empty,
        }
    )
    second = map_routes(
        {
            "/v2/orders/7": httpx.Response(200, json=order_json("8.0000", "Wed, 04 Nov 2026 10:00:00 +0000")),
            "/v3/orders/7/payment_actions/refunds": empty,
        }
    )

    order = folded(7, first + second)

    assert [(r.refund_id, r.amount) for r in order.refunds] == [("7:unitemized", Decimal("8.0000"))]
    assert order.payment_status is PaymentStatus.PARTIALLY_REFUNDED


def test_a_corrected_tracking_number_wins_whichever_delivery_is_read_first() -> None:
    store = Store()
    order_id, _ = store.sim.place_order(line_count=1)
    shipped = store.sim.ship(order_id)
    before = store.learn(shipped[0])  # read before the correction
    shipment_id = store.sim.order(order_id).shipments[0].id
    corrected = store.sim.correct_tracking(order_id, shipment_id)
    after = store.learn(shipped[0], corrected[0])  # the created hook re-read after it

    for facts in (before + after, after):
        (shipment,) = folded(order_id, facts).shipments
        assert shipment.tracking_numbers == (store.sim.order(order_id).shipments[0].tracking_number,)
        assert shipment.updated_at == datetime.fromtimestamp(corrected[0].timestamp, UTC)
        assert shipment.created_at == store.sim.order(order_id).shipments[0].date_created


def test_a_deleted_shipment_is_recorded_as_cancelled() -> None:
    store = Store()
    order_id, _ = store.sim.place_order(line_count=1)
    shipped = store.sim.ship(order_id)
    facts = store.learn(*shipped)
    shipment = store.sim.order(order_id).shipments.pop()
    deleted_at = START + timedelta(days=5)
    body = hook("store/shipment/deleted", {"type": "shipment", "id": shipment.id, "orderId": order_id})

    facts += store.map_body({**body, "created_at": int(deleted_at.timestamp())}).facts

    order = folded(order_id, facts)
    assert [(s.shipment_id, s.state, s.updated_at) for s in order.shipments] == [
        (str(shipment.id), ShipmentState.CANCELLED, deleted_at)
    ]
    assert order.status is OrderStatus.READY_TO_FULFILL


def test_manual_verification_holds_and_its_end_releases() -> None:
    store = Store()
    order_id, _ = store.sim.place_order(line_count=1)
    held = store.learn(*store.sim.set_status(order_id, 12))
    held_at = store.sim.order(order_id).date_modified

    # statusUpdated and updated both read the order: the same fact twice.
    assert {f for f in held if isinstance(f, HoldPlaced)} == {
        HoldPlaced(
            str(order_id),
            "bc-status",
            HoldReason.FRAUD_REVIEW,
            held_at,
            note="Manual Verification Required (status_id=12)",
            platform_reason="status_id=12",
        )
    }
    assert folded(order_id, held).status is OrderStatus.ON_HOLD

    released = held + store.learn(*store.sim.set_status(order_id, 11))

    assert [f.remaining_reasons for f in released if isinstance(f, HoldsReleased)][-1] == frozenset()
    order = folded(order_id, released)
    assert (order.status, order.holds) == (OrderStatus.READY_TO_FULFILL, ())


def test_a_dispute_after_verification_swaps_the_hold_reason() -> None:
    store = Store()
    order_id, _ = store.sim.place_order(line_count=1)
    facts = store.learn(*store.sim.set_status(order_id, 12)) + store.learn(
        *store.sim.set_status(order_id, 13)
    )

    order = folded(order_id, facts)

    assert [(h.hold_group, h.reason) for h in order.holds] == [("bc-status", HoldReason.OTHER)]
    assert order.holds[0].note == "Disputed (status_id=13): the buyer opened a payment dispute (PayPal)"


def test_refunds_are_only_fetched_once_money_went_back() -> None:
    store = Store()
    order_id, created = store.sim.place_order(line_count=1)
    store.map(created[0])
    assert not any("payment_actions" in r for r in store.fake.requests)

    store.map(store.sim.refund_everything(order_id, "test")[0])

    assert store.fake.requests[-1] == f"GET /stores/abc123/v3/orders/{order_id}/payment_actions/refunds"
