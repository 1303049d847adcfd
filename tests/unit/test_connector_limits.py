"""Impossible values in correctly signed bodies: every connector refuses them while mapping,
with a short PayloadError naming the field and the value, instead of failing later (an
OverflowError in the store, a KeyError in the fold). Bodies are the published samples
(tests/fixtures/platforms) with one field changed."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from orderline.connectors.base import Delivery, MappedDelivery, PayloadError
from orderline.connectors.bigcommerce import BigCommerceConnector
from orderline.connectors.limits import MAX_QUANTITY, echo
from orderline.connectors.shopify import ShopifyConnector
from orderline.domain.facts import LineItem, OrderSnapshot

from .platform_bodies import (
    RECEIVED,
    SHOPIFY_BODIES,
    STORE,
    WOO_BODIES,
    Json,
    NoResolver,
    bc_hook,
    bc_resources,
    map_bigcommerce,
    map_shopify,
    map_woo,
    shopify_hold,
    woo_connector,
)

Path = tuple[str | int, ...]


def with_value(body: Json, path: Path, value: Json) -> Json:
    """A deep copy of `body` with the node at `path` replaced by `value`."""
    edited = copy.deepcopy(body)
    target = edited
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return edited


def map_edited(platform: str, document: str, path: Path, value: Json) -> MappedDelivery:
    """Map a valid body of `platform` after one change. `document` is the Shopify topic,
    the WooCommerce body's name, or for BigCommerce "hook" or the fetched resource."""
    if platform == "shopify":
        return map_shopify(document, with_value(SHOPIFY_BODIES[document](), path, value))
    if platform == "woocommerce":
        return map_woo(with_value(WOO_BODIES[document](), path, value))
    hook, resources = bc_hook(), bc_resources()
    if document == "hook":
        hook = with_value(hook, path, value)
    else:
        resources[document] = with_value(resources[document], path, value)
    return map_bigcommerce(hook, resources)


def refusal(platform: str, document: str, path: Path, value: Json) -> str:
    with pytest.raises(PayloadError) as refused:
        map_edited(platform, document, path, value)
    return str(refused.value)


def snapshot_of(mapped: MappedDelivery) -> OrderSnapshot:
    snapshot = mapped.facts[0]
    assert isinstance(snapshot, OrderSnapshot)
    return snapshot


YEAR_9999 = "9999-12-31T23:59:59-01:00"
YEAR_1 = "0001-01-01T00:00:00+01:00"
TRACKING_ITEM: Path = ("meta_data", -1, "value", 0)
FULFILLMENT_ITEMS: Path = ("fulfillments", 0, "meta_data", -2, "value", 0)
FIVE_THOUSAND_DIGITS = "9" * 5000


@pytest.mark.parametrize(
    ("platform", "document", "path", "value", "message"),
    [
        # 1. A date that overflows when converted to UTC.
        pytest.param(
            "shopify",
            "orders/updated",
            ("updated_at",),
            YEAR_9999,
            f"order 450789469: updated_at: '{YEAR_9999}' is outside 1970-2100",
            id="shopify-updated_at-9999",
        ),
        # 2. A negative line quantity (crashed the fold's over-shipment check).
        pytest.param(
            "shopify",
            "orders/updated",
            ("line_items", 0, "quantity"),
            -1,
            "order 450789469: line_items[0]: quantity must be from 0 to 1000000, got -1",
            id="shopify-quantity-negative",
        ),
        pytest.param(
            "woocommerce",
            "processing",
            ("line_items", 0, "quantity"),
            -1,
            "order 727: line_items[0]: quantity must be from 0 to 1000000, got -1",
            id="woo-quantity-negative",
        ),
        # 3. WooCommerce dates in year 9999 (or 1) with an offset, in every date field.
        pytest.param(
            "woocommerce",
            "processing",
            ("date_created_gmt",),
            YEAR_9999,
            f"order 727: date_created_gmt: '{YEAR_9999}' is outside 1970-2100",
            id="woo-date_created_gmt-9999",
        ),
        pytest.param(
            "woocommerce",
            "processing",
            ("date_modified_gmt",),
            YEAR_1,
            f"order 727: date_modified_gmt: '{YEAR_1}' is outside 1970-2100",
            id="woo-date_modified_gmt-year-1",
        ),
        pytest.param(
            "woocommerce",
            "processing",
            ("date_paid_gmt",),
            "9999-06-01T00:00:00",
            "order 727: date_paid_gmt: '9999-06-01T00:00:00' is outside 1970-2100",
            id="woo-date_paid_gmt-9999",
        ),
        pytest.param(
            "woocommerce",
            "processing",
            ("date_completed_gmt",),
            YEAR_9999,
            "order 727: date_completed_gmt: '9999-12-31T23:59:59-01:00' is outside",
            id="woo-date_completed_gmt-9999",
        ),
        pytest.param(
            "woocommerce",
            "processing",
            (*TRACKING_ITEM, "date_shipped"),
            "9999-12-31",
            "order 727: tracking item 0: date_shipped: '9999-12-31' is outside 1970-2100",
            id="woo-tracking-date_shipped-date",
        ),
        pytest.param(
            "woocommerce",
            "processing",
            (*TRACKING_ITEM, "date_shipped"),
            "99999999999",
            "order 727: tracking item 0: date_shipped: 99999999999 is outside 1970-2100",
            id="woo-tracking-date_shipped-timestamp",
        ),
        pytest.param(
            "woocommerce",
            "processing",
            (*TRACKING_ITEM, "date_shipped"),
            "99999999999999999999",
            "date_shipped: 99999999999999999999 is out of range for a Unix timestamp",
            id="woo-tracking-date_shipped-huge-timestamp",
        ),
        pytest.param(
            "woocommerce",
            "processing",
            ("fulfillments", 0, "date_updated"),
            YEAR_9999,
            f"fulfillment 12: date_updated: '{YEAR_9999}' is outside 1970-2100",
            id="woo-fulfillment-date_updated-9999",
        ),
        # 4. A superscript digit: "²".isdigit() is True, int("²") raises.
        pytest.param(
            "woocommerce",
            "processing",
            ("line_items", 0, "id"),
            "²",
            "order 727: line_items[0]: id must be a numeric id, got '²'",
            id="woo-line-id-superscript",
        ),
        pytest.param(
            "woocommerce",
            "processing",
            ("id",),
            "٣",
            "order.updated body: id must be a numeric id, got '٣'",
            id="woo-order-id-arabic-digit",
        ),
        pytest.param(
            "woocommerce",
            "processing",
            (*FULFILLMENT_ITEMS, "qty"),
            -1,
            "fulfillment 12: _items[0]: qty must be from 0 to 1000000, got -1",
            id="woo-fulfillment-qty-negative",
        ),
        pytest.param(
            "woocommerce",
            "processing",
            ("line_items", 0, "meta_data", -1, "value"),
            "1000001",
            "order 727: line_items[0]: meta 'Backordered' must be from 0 to 1000000, got 1000001",
            id="woo-backordered-absurd",
        ),
        pytest.param(
            "woocommerce",
            "processing",
            ("total",),
            "1e999",
            "order 727: total: '1e999' is not a plausible amount",
            id="woo-total-absurd",
        ),
        pytest.param(
            "woocommerce",
            "processing",
            (*TRACKING_ITEM, "tracking_id"),
            "x" * 300,
            "order 727: tracking item 0: tracking_id must be an id of at most 200 printable ASCII characters",
            id="woo-tracking-id-too-long",
        ),
        # 5. BigCommerce thin body ids: a superscript digit, 5,000 digits.
        pytest.param(
            "bigcommerce",
            "hook",
            ("data", "id"),
            "²",
            "store/order/statusUpdated body: data: id must be a numeric id, got '²'",
            id="bc-data-id-superscript",
        ),
        pytest.param(
            "bigcommerce",
            "hook",
            ("data", "id"),
            FIVE_THOUSAND_DIGITS,
            "data: id must be a numeric id of at most 20 digits, got "
            "'9999999999999999999999999999999999999999'… (5000 characters)",
            id="bc-data-id-5000-digits",
        ),
        pytest.param(
            "bigcommerce",
            "hook",
            ("created_at",),
            10**11,
            "store/order/statusUpdated body: created_at: 100000000000 is outside 1970-2100",
            id="bc-created_at-year-5138",
        ),
        pytest.param(
            "bigcommerce",
            "order",
            ("date_modified",),
            "Fri, 31 Dec 9999 23:59:59 -0100",
            "order 225: date_modified: 'Fri, 31 Dec 9999 23:59:59 -0100' is outside 1970-2100",
            id="bc-date_modified-9999",
        ),
        pytest.param(
            "bigcommerce",
            "products",
            (0, "quantity"),
            MAX_QUANTITY + 1,
            "order 225: product row 188: quantity must be from 0 to 1000000, got 1000001",
            id="bc-product-quantity-absurd",
        ),
        pytest.param(
            "bigcommerce",
            "products",
            (0, "id"),
            "²",
            "order 225: product row: id must be a numeric id, got '²'",
            id="bc-product-id-superscript",
        ),
        pytest.param(
            "bigcommerce",
            "shipments",
            (0, "items", 0, "quantity"),
            -1,
            "order 225: shipment 6: items: quantity must be from 0 to 1000000, got -1",
            id="bc-shipment-quantity-negative",
        ),
        pytest.param(
            "bigcommerce",
            "refunds",
            ("data", 0, "created"),
            YEAR_9999,
            f"order 225: refund 3: created: '{YEAR_9999}' is outside 1970-2100",
            id="bc-refund-created-9999",
        ),
        pytest.param(
            "bigcommerce",
            "order",
            ("total_inc_tax",),
            "1234567890123456.00",
            "order 225: total_inc_tax: '1234567890123456.00' is not a plausible amount",
            id="bc-total-16-digits",
        ),
        # The other Shopify readers: fulfillments, refunds, holds, risk, GraphQL import.
        pytest.param(
            "shopify",
            "fulfillments/update",
            ("created_at",),
            YEAR_1,
            f"fulfillment 255858046: created_at: '{YEAR_1}' is outside 1970-2100",
            id="shopify-fulfillment-created_at-year-1",
        ),
        pytest.param(
            "shopify",
            "fulfillments/update",
            ("line_items", 0, "quantity"),
            -1,
            "fulfillment 255858046: line_items[0]: quantity must be from 0 to 1000000, got -1",
            id="shopify-fulfillment-quantity-negative",
        ),
        pytest.param(
            "shopify",
            "refunds/create",
            ("refund_line_items", 0, "quantity"),
            MAX_QUANTITY + 1,
            "refund 509562969: refund_line_items[0]: quantity must be from 0 to 1000000, got 1000001",
            id="shopify-refund-quantity-absurd",
        ),
        pytest.param(
            "shopify",
            "refunds/create",
            ("created_at",),
            "2100-01-02T00:00:00Z",
            "refund 509562969: created_at: '2100-01-02T00:00:00Z' is outside 1970-2100",
            id="shopify-refund-created_at-2100",
        ),
        pytest.param(
            "shopify",
            "fulfillment_orders/placed_on_hold",
            ("fulfillment_order", "id"),
            "gid://shopify/FulfillmentOrder/²",
            "expected a numeric id or gid://shopify/FulfillmentOrder/N, got 'gid://shopify/FulfillmentOrder/²'",
            id="shopify-hold-gid-superscript",
        ),
        pytest.param(
            "shopify",
            "orders/risk_assessment_changed",
            ("created_at",),
            YEAR_9999,
            f"orders/risk_assessment_changed body: created_at: '{YEAR_9999}' is outside 1970-2100",
            id="shopify-risk-created_at-9999",
        ),
        pytest.param(
            "shopify",
            "import/order",
            ("lineItems", "edges", 0, "node", "quantity"),
            -1,
            "order 5531567751: line item 11: quantity must be from 0 to 1000000, got -1",
            id="shopify-graphql-quantity-negative",
        ),
        pytest.param(
            "shopify",
            "import/order",
            ("updatedAt",),
            YEAR_9999,
            f"order 5531567751: updatedAt: '{YEAR_9999}' is outside 1970-2100",
            id="shopify-graphql-updatedAt-9999",
        ),
        pytest.param(
            "shopify",
            "orders/updated",
            ("total_price",),
            "NaN",
            "order 450789469: total_price: 'NaN' is not a finite amount",
            id="shopify-total-nan",
        ),
        pytest.param(
            "shopify",
            "orders/updated",
            ("id",),
            10**20,
            "order: id must be a numeric id of at most 20 digits, got 100000000000000000000",
            id="shopify-id-21-digits",
        ),
    ],
)
def test_an_impossible_value_is_refused_naming_the_field_and_value(
    platform: str, document: str, path: Path, value: Json, message: str
) -> None:
    refused = refusal(platform, document, path, value)

    assert message in refused
    assert len(refused) <= 200


@pytest.mark.parametrize(
    ("platform", "document", "path", "value", "message"),
    [
        pytest.param(
            "shopify",
            "orders/updated",
            ("line_items", 0),
            "IPod",
            "order 450789469: line_items[0]: expected a JSON object, got str",
            id="shopify-line-is-a-string",
        ),
        pytest.param(
            "shopify",
            "orders/updated",
            ("line_items", 0, "quantity"),
            1.0,
            "order 450789469: line_items[0]: quantity must be an integer, got 1.0",
            id="shopify-quantity-float",
        ),
        pytest.param(
            "shopify",
            "orders/updated",
            ("line_items", 0, "quantity"),
            True,
            "order 450789469: line_items[0]: quantity must be an integer, got True",
            id="shopify-quantity-bool",
        ),
        pytest.param(
            "shopify",
            "orders/updated",
            ("id",),
            True,
            "order: id must be a numeric id, got True",
            id="shopify-id-bool",
        ),
        pytest.param(
            "shopify",
            "orders/updated",
            ("name",),
            1001,
            "order 450789469: name must be a string, got int",
            id="shopify-name-int",
        ),
        pytest.param(
            "shopify",
            "fulfillments/update",
            ("tracking_numbers", 0),
            ["1Z"],
            "fulfillment 255858046: tracking_numbers[0] must be a string, got list",
            id="shopify-tracking-number-list",
        ),
        pytest.param(
            "shopify",
            "import/order",
            ("lineItems", "edges"),
            5,
            "order 5531567751: lineItems.edges must be a list, got int",
            id="shopify-graphql-edges-int",
        ),
        pytest.param(
            "shopify",
            "import/order",
            ("refunds", 0, "refundLineItems", "nodes", 0, "restockType"),
            ["RETURN"],
            "refund 88: restockType must be a string, got list",
            id="shopify-graphql-restockType-list",
        ),
        pytest.param(
            "woocommerce",
            "processing",
            ("billing",),
            [],
            "order 727: billing: expected a JSON object, got list",
            id="woo-billing-list",
        ),
        pytest.param(
            "woocommerce",
            "processing",
            ("line_items", 1, "quantity"),
            None,
            "order 727: line_items[1]: quantity must be an integer, got None",
            id="woo-quantity-null",
        ),
        pytest.param(
            "bigcommerce",
            "hook",
            ("data",),
            [250],
            "store/order/statusUpdated body: data: expected a JSON object, got list",
            id="bc-data-list",
        ),
        pytest.param(
            "bigcommerce",
            "shipments",
            (0, "items"),
            "188",
            "order 225: shipment 6: items: expected a list, got str",
            id="bc-shipment-items-string",
        ),
    ],
)
def test_a_wrong_json_type_is_a_payload_error(
    platform: str, document: str, path: Path, value: Json, message: str
) -> None:
    assert message in refusal(platform, document, path, value)


@pytest.mark.parametrize("body", [None, "order", [1, 2], 3.5, True])
def test_a_body_that_is_not_an_object_is_a_payload_error_on_every_platform(body: Json) -> None:
    for topic in SHOPIFY_BODIES:
        with pytest.raises(PayloadError, match="expected a JSON object"):
            map_shopify(topic, body)
    with pytest.raises(PayloadError, match=r"order\.updated body: expected a JSON object"):
        map_woo(body)
    with pytest.raises(PayloadError, match="webhook body: expected a JSON object"):
        map_bigcommerce(body)


# --- boundaries ----------------------------------------------------------------------------

ACCEPTED_MOMENTS = [
    ("1970-01-01T00:00:00+00:00", datetime(1970, 1, 1, tzinfo=UTC)),
    ("2099-12-31T23:59:59+00:00", datetime(2099, 12, 31, 23, 59, 59, tzinfo=UTC)),
    ("1970-01-01T01:00:00+01:00", datetime(1970, 1, 1, tzinfo=UTC)),
]
REFUSED_MOMENTS = [
    "2100-01-02T00:00:00+00:00",
    "2100-01-01T00:00:00+00:00",  # the end of the range is excluded
    "1969-12-31T23:59:59+00:00",
    "1970-01-01T00:30:00+01:00",  # 1969 in UTC: the range is checked after conversion
    "2099-12-31T23:30:00-01:00",  # 2100 in UTC
]


@pytest.mark.parametrize(("value", "expected"), ACCEPTED_MOMENTS)
def test_dates_from_1970_to_the_end_of_2099_are_accepted(value: str, expected: datetime) -> None:
    shopify = snapshot_of(map_edited("shopify", "orders/updated", ("updated_at",), value))
    woo = snapshot_of(map_edited("woocommerce", "processing", ("date_modified_gmt",), value))
    bc_date = expected.strftime("%a, %d %b %Y %H:%M:%S +0000")
    bigcommerce = snapshot_of(map_edited("bigcommerce", "order", ("date_modified",), bc_date))

    assert shopify.updated_at == woo.updated_at == bigcommerce.updated_at == expected


@pytest.mark.parametrize("value", REFUSED_MOMENTS)
def test_dates_outside_1970_to_2100_in_utc_are_refused(value: str) -> None:
    assert f"updated_at: '{value}' is outside 1970-2100" in refusal(
        "shopify", "orders/updated", ("updated_at",), value
    )
    assert f"date_modified_gmt: '{value}' is outside 1970-2100" in refusal(
        "woocommerce", "processing", ("date_modified_gmt",), value
    )


@pytest.mark.parametrize(
    ("created_at", "is_accepted"),
    [(0, True), (4_102_444_799, True), (4_102_444_800, False), (4_102_531_200, False), (-1, False)],
)
def test_bigcommerce_hook_timestamps_share_the_date_range(created_at: int, is_accepted: bool) -> None:
    if is_accepted:
        assert map_edited("bigcommerce", "hook", ("created_at",), created_at).order_id == "225"
    else:
        assert "created_at" in refusal("bigcommerce", "hook", ("created_at",), created_at)


LINE_QUANTITY: dict[str, tuple[str, Path]] = {
    "shopify": ("orders/updated", ("line_items", 0, "quantity")),
    "woocommerce": ("processing", ("line_items", 0, "quantity")),
    "bigcommerce": ("products", (0, "quantity")),
}


@pytest.mark.parametrize("platform", LINE_QUANTITY)
@pytest.mark.parametrize("quantity", [0, 1, MAX_QUANTITY])
def test_quantities_from_0_to_a_million_are_accepted(platform: str, quantity: int) -> None:
    document, path = LINE_QUANTITY[platform]

    first_line = snapshot_of(map_edited(platform, document, path, quantity)).lines[0]

    assert first_line.quantity == quantity


@pytest.mark.parametrize("platform", LINE_QUANTITY)
@pytest.mark.parametrize("quantity", [-1, MAX_QUANTITY + 1])
def test_negative_or_absurd_quantities_are_refused(platform: str, quantity: int) -> None:
    document, path = LINE_QUANTITY[platform]

    refused = refusal(platform, document, path, quantity)

    assert f"quantity must be from 0 to 1000000, got {quantity}" in refused


def test_a_twenty_digit_id_is_accepted_and_a_twenty_one_digit_id_refused() -> None:
    twenty = "9" * 20

    line = snapshot_of(map_edited("shopify", "orders/updated", ("line_items", 0, "id"), twenty)).lines[0]

    assert line == LineItem(twenty, line.title, 1, line.unit_price, line.sku)
    assert "id must be a numeric id of at most 20 digits, got '999999999999999999999'" in refusal(
        "shopify", "orders/updated", ("line_items", 0, "id"), "9" * 21
    )


def test_an_amount_of_fifteen_digits_is_accepted_and_of_sixteen_refused() -> None:
    snapshot = snapshot_of(map_edited("shopify", "orders/updated", ("total_price",), "999999999999999.99"))

    assert str(snapshot.total_price) == "999999999999999.99"
    assert "total_price: '1000000000000000' is not a plausible amount" in refusal(
        "shopify", "orders/updated", ("total_price",), "1000000000000000"
    )


# --- intake (delivery_meta) ----------------------------------------------------------------

WOO_HEADERS = {"x-wc-webhook-topic": "order.updated", "x-wc-webhook-signature": "sig"}


@pytest.mark.parametrize(
    "body", [{"id": 727, "date_modified_gmt": YEAR_9999}, {"id": 727, "date_modified_gmt": ["2017"]}]
)
def test_woo_intake_keeps_a_body_with_an_odd_date_without_a_trigger_time(body: Json) -> None:
    meta = woo_connector.delivery_meta(WOO_HEADERS, json.dumps(body).encode())

    assert meta.topic == "order.updated"
    assert meta.dedupe_key.startswith("sha256:")
    assert meta.triggered_at is None


@pytest.mark.parametrize(
    "body", [{"id": "²", "date_modified_gmt": "2017-03-22T19:28:08"}, {"id": FIVE_THOUSAND_DIGITS}]
)
def test_woo_intake_refuses_an_id_no_store_writes(body: Json) -> None:
    # Intake answers 400 and keeps a dead letter (tests/e2e/test_intake_abuse.py).
    with pytest.raises(PayloadError, match="id must be a numeric id"):
        woo_connector.delivery_meta(WOO_HEADERS, json.dumps(body).encode())


def test_woo_intake_survives_json_nested_beyond_the_parser() -> None:
    meta = woo_connector.delivery_meta(WOO_HEADERS, b"[" * 100_000)

    assert meta.dedupe_key.startswith("sha256:")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"[" * 100_000, "body is not valid JSON"),
        (
            json.dumps({"scope": "store/order/updated", "data": {"id": 1}, "created_at": 10**11}).encode(),
            "store/order/updated body: created_at: 100000000000 is outside 1970-2100",
        ),
        (
            json.dumps({"scope": "store/order/updated", "data": {"id": 1}, "created_at": 10**400}).encode(),
            "is out of range for a Unix timestamp",
        ),
    ],
)
def test_bigcommerce_intake_refuses_an_impossible_body_with_a_payload_error(
    body: bytes, message: str
) -> None:
    with pytest.raises(PayloadError, match=message):
        BigCommerceConnector({}).delivery_meta({}, body)


def test_shopify_intake_reads_an_impossible_trigger_time_as_absent() -> None:
    headers = {"x-shopify-topic": "orders/updated", "x-shopify-triggered-at": YEAR_9999}

    assert ShopifyConnector().delivery_meta(headers, b"{}").triggered_at is None


def test_a_hold_stored_with_an_impossible_trigger_time_is_dated_when_it_arrived() -> None:
    triggered = datetime.fromisoformat(YEAR_9999)
    delivery = Delivery(STORE, "fulfillment_orders/placed_on_hold", shopify_hold(), RECEIVED, triggered)

    mapped = ShopifyConnector().map_delivery(delivery, NoResolver())

    assert [fact.occurred_at for fact in mapped.facts] == [RECEIVED]


# --- echo ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("²", "'²'"),
        (None, "None"),
        ("9" * 5000, "'9999999999999999999999999999999999999999'… (5000 characters)"),
        (10**5000, "an integer of about 5001 digits"),
    ],
    ids=["superscript", "null", "long-string", "huge-int"],
)
def test_echo_repeats_a_refused_value_in_short(value: Any, expected: str) -> None:
    assert echo(value) == expected


def test_echo_cuts_deep_and_wide_structures() -> None:
    deep: Any = []
    for _ in range(10_000):
        deep = [deep]

    assert len(echo(deep)) < 40
    assert len(echo({str(i): list(range(100)) for i in range(100)})) < 80
