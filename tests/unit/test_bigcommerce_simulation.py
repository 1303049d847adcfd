"""The fake BigCommerce API and the simulator: shapes, quota, determinism, signed webhooks."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime

import httpx
import pytest

from orderline.connectors.bigcommerce import BigCommerceConnector
from orderline.simulation.bigcommerce import BigCommerceSimulator, BigCommerceWebhook, FakeBigCommerce

START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
TOKEN = {"X-Auth-Token": "fake-api-token"}


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def get(
    fake: FakeBigCommerce, path: str, headers: dict[str, str] | None = None, **query: str
) -> httpx.Response:
    transport = httpx.MockTransport(fake.handler)
    with httpx.Client(transport=transport, base_url="https://api.bigcommerce.com") as http:
        return http.get(
            f"/stores/{fake.store_hash}{path}", params=query, headers=TOKEN if headers is None else headers
        )


def simulated(seed: int = 3) -> tuple[BigCommerceSimulator, list[BigCommerceWebhook]]:
    sim = BigCommerceSimulator(random.Random(seed), "abc123", start=START)
    return sim, [webhook for batch in sim.order_history() for webhook in batch]


def test_the_token_is_required() -> None:
    fake = FakeBigCommerce("abc123")

    assert get(fake, "/v2/orders/1", headers={}).status_code == 401


def test_every_answer_carries_the_quota_headers_and_a_spent_quota_gets_429() -> None:
    clock = Clock()
    fake = FakeBigCommerce("abc123", quota=2, window_s=30.0, clock=clock)

    first, second, third = (get(fake, "/v2/orders/1") for _ in range(3))

    assert (first.status_code, second.status_code, third.status_code) == (404, 404, 429)
    assert first.headers["X-Rate-Limit-Requests-Quota"] == "2"
    assert first.headers["X-Rate-Limit-Time-Window-Ms"] == "30000"
    assert [r.headers["X-Rate-Limit-Requests-Left"] for r in (first, second, third)] == ["1", "0", "0"]
    assert third.headers["X-Rate-Limit-Time-Reset-Ms"] == "30000"
    clock.now = 30.0
    assert get(fake, "/v2/orders/1").headers["X-Rate-Limit-Requests-Left"] == "1"


def test_throttle_chance_answers_429_at_random() -> None:
    fake = FakeBigCommerce("abc123", rng=random.Random(5), throttle_chance=1.0)

    assert get(fake, "/v2/orders/1").status_code == 429


def test_an_order_reads_in_the_v2_shapes() -> None:
    sim, hooks = simulated()
    order_id = hooks[0].order_id

    order = get(sim.api, f"/v2/orders/{order_id}").json()
    products = get(sim.api, f"/v2/orders/{order_id}/products").json()

    assert order["id"] == order_id
    assert order["date_modified"].endswith("+0000")
    assert order["total_inc_tax"].count(".") == 1 and len(order["total_inc_tax"].split(".")[1]) == 4
    assert order["items_total"] == sum(row["quantity"] for row in products)
    assert set(products[0]) >= {"id", "order_id", "product_id", "name", "sku", "quantity", "price_inc_tax"}


def test_empty_collections_are_empty_204s_and_pages_are_limited() -> None:
    sim = BigCommerceSimulator(random.Random(1), "abc123", start=START)
    order_id, _ = sim.place_order(line_count=3)

    assert get(sim.api, f"/v2/orders/{order_id}/shipments").status_code == 204
    page = get(sim.api, f"/v2/orders/{order_id}/products", page="2", limit="2")
    assert [row["id"] for row in page.json()] == [sim.order(order_id).products[2].id]
    assert get(sim.api, f"/v2/orders/{order_id}/products", page="3", limit="2").status_code == 204


def test_orders_list_filters_by_min_date_modified_oldest_first() -> None:
    sim = BigCommerceSimulator(random.Random(1), "abc123", start=START)
    first, _ = sim.place_order()
    second, _ = sim.place_order()
    sim.set_status(first, 9)

    since = sim.order(second).date_modified.strftime("%a, %d %b %Y %H:%M:%S +0000")
    listed = get(sim.api, "/v2/orders", min_date_modified=since, sort="date_modified:asc").json()

    assert [order["id"] for order in listed] == [second, first]


def test_refunds_read_in_the_v3_shape() -> None:
    sim = BigCommerceSimulator(random.Random(1), "abc123", start=START)
    order_id, _ = sim.place_order(line_count=1)
    sim.refund_everything(order_id, "changed mind")

    body = get(sim.api, f"/v3/orders/{order_id}/payment_actions/refunds").json()

    (refund,) = body["data"]
    row = sim.order(order_id).products[0]
    assert refund["items"] == [
        {"item_type": "PRODUCT", "item_id": row.id, "quantity": row.quantity, "requested_amount": None}
    ]
    assert refund["total_amount"] == float(sim.order(order_id).total)
    assert datetime.fromisoformat(refund["created"]) == sim.order(order_id).date_modified


def test_histories_are_deterministic_for_a_seed() -> None:
    _, first = simulated(11)
    _, again = simulated(11)

    assert first == again


def test_actions_happen_strictly_later_and_webhooks_are_thin() -> None:
    _, hooks = simulated(4)

    stamps = [hook.timestamp for hook in hooks]
    assert stamps == sorted(stamps) and len(set(stamps)) >= 2
    for hook in hooks:
        body = json.loads(hook.body)
        assert set(body) == {"scope", "store_id", "data", "hash", "created_at", "producer"}
        assert body["producer"] == "stores/abc123"
        assert body["created_at"] == hook.timestamp


def test_duplicates_keep_their_webhook_id() -> None:
    sim = BigCommerceSimulator(random.Random(2), "abc123", start=START, duplicate_chance=1.0)

    _, hooks = sim.place_order()

    assert hooks[0] == hooks[1]


@pytest.mark.parametrize("secret", ["test-client-secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"])
def test_simulated_webhooks_verify_with_the_connector(secret: str) -> None:
    _, hooks = simulated(5)
    connector = BigCommerceConnector({}, clock=lambda: datetime.fromtimestamp(hooks[0].timestamp, UTC))
    headers = {k.lower(): v for k, v in hooks[0].headers(secret).items()}

    assert connector.verify(headers, hooks[0].body, [secret]) is True
    assert connector.verify(headers, hooks[0].body, ["another-secret"]) is False


def test_the_custom_header_style_verifies_with_the_connector() -> None:
    _, hooks = simulated(5)
    headers = {k.lower(): v for k, v in hooks[0].custom_header("hook-secret").items()}

    assert BigCommerceConnector({}).verify(headers, hooks[0].body, ["hook-secret"]) is True
