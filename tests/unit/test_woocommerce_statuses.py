"""Every WooCommerce status, core and plugin (through a store's status_map), to the
folded canonical order; unmapped statuses; manual and backorder holds; a completion the
status later withdraws."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from orderline.connectors.base import Delivery, PayloadError
from orderline.connectors.woocommerce import WooCommerceConnector, WooStoreSettings
from orderline.domain.facts import Fact, ShipmentRecorded
from orderline.domain.fold import fold
from orderline.domain.order import Order
from orderline.domain.vocabulary import (
    AnomalyKind,
    DeliveryStatus,
    FulfillmentStatus,
    HoldReason,
    OrderStatus,
    PaymentStatus,
    ShipmentState,
)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "platforms" / "woocommerce"
PAID = "2017-03-22T19:28:08"
PLUGIN_STATUSES = {"shipped": "shipped", "partial-shipped": "partially_shipped", "delivered": "delivered"}

S, P, F = OrderStatus, PaymentStatus, FulfillmentStatus


class NoResolver:
    def order_for_fulfillment_order(self, store_id: str, fulfillment_order_id: str) -> str | None:
        raise AssertionError("WooCommerce bodies carry their own order")


RECEIVED = datetime(2017, 3, 23, 10, 1, tzinfo=UTC)
"""When the deliveries arrive; the mapping does not read it."""


def order_body(
    status: str, *, paid: str | None = PAID, modified: str = "2017-03-23T10:00:00", **extra: Any
) -> Any:
    """The processing fixture (order 727) moved to `status` at `modified`."""
    body = json.loads((FIXTURES / "order_processing.wc_v3.sample.json").read_text())
    body.update(status=status, date_paid_gmt=paid, date_modified_gmt=modified)
    if status == "completed":
        body["date_completed_gmt"] = modified
    return {**body, **extra}


def facts_of(body: Any, settings: WooStoreSettings | None = None) -> list[Fact]:
    connector = WooCommerceConnector({"store-1": settings or WooStoreSettings(status_map=PLUGIN_STATUSES)})
    return list(
        connector.map_delivery(Delivery("store-1", "order.updated", body, RECEIVED), NoResolver()).facts
    )


def folded(*bodies: Any, settings: WooStoreSettings | None = None) -> Order:
    order = fold("store-1", "727", [fact for body in bodies for fact in facts_of(body, settings)])
    assert order is not None
    return order


class Row(NamedTuple):
    woo_status: str
    paid: str | None
    status: OrderStatus
    payment: PaymentStatus
    fulfillment: FulfillmentStatus
    holds: tuple[tuple[str, HoldReason], ...] = ()


STATUS_TABLE = [
    Row("pending", None, S.PENDING_PAYMENT, P.PENDING, F.UNFULFILLED),
    Row("processing", PAID, S.READY_TO_FULFILL, P.PAID, F.UNFULFILLED),
    # Cash on delivery: processing before any money; Woo counts processing as paid.
    Row("processing", None, S.READY_TO_FULFILL, P.PAID, F.UNFULFILLED),
    # BACS / cheque "awaiting payment confirmation": the payment axis shows it.
    Row("on-hold", None, S.PENDING_PAYMENT, P.PENDING, F.UNFULFILLED),
    # Held after payment: a manual hold (reason unknown -> other).
    Row("on-hold", PAID, S.ON_HOLD, P.PAID, F.UNFULFILLED, (("woo-status", HoldReason.OTHER),)),
    Row("completed", PAID, S.SHIPPED, P.PAID, F.FULFILLED),
    Row("completed", None, S.SHIPPED, P.PAID, F.FULFILLED),
    Row("cancelled", None, S.CANCELLED, P.VOIDED, F.UNFULFILLED),
    Row("cancelled", PAID, S.CANCELLED, P.PAID, F.UNFULFILLED),
    Row("refunded", PAID, S.REFUNDED, P.REFUNDED, F.UNFULFILLED),
    Row("failed", None, S.PENDING_PAYMENT, P.FAILED, F.UNFULFILLED),
    # Local pickup (WC 11.3+): packed and waiting at the pickup point.
    Row("ready-for-pickup", PAID, S.SHIPPED, P.PAID, F.FULFILLED),
    Row("ready-for-pickup", None, S.SHIPPED, P.PENDING, F.FULFILLED),
    # Plugin statuses through the store's status_map.
    Row("shipped", PAID, S.SHIPPED, P.PAID, F.FULFILLED),
    Row("wc-shipped", PAID, S.SHIPPED, P.PAID, F.FULFILLED),
    Row("delivered", PAID, S.DELIVERED, P.PAID, F.FULFILLED),
    # No per-item quantities: the order cannot show which units left (see shipments.py).
    Row("partial-shipped", PAID, S.READY_TO_FULFILL, P.PAID, F.UNFULFILLED),
]


@pytest.mark.parametrize(
    "row", STATUS_TABLE, ids=lambda row: f"{row.woo_status}-{'paid' if row.paid else 'unpaid'}"
)
def test_every_status_folds_to_its_canonical_state(row: Row) -> None:
    order = folded(order_body(row.woo_status, paid=row.paid))

    assert (order.status, order.payment_status, order.fulfillment_status) == (
        row.status,
        row.payment,
        row.fulfillment,
    )
    assert tuple((hold.hold_group, hold.reason) for hold in order.holds) == row.holds
    assert order.anomalies == ()
    assert order.platform_status == row.woo_status.removeprefix("wc-")


def test_the_cancelled_status_dates_the_cancellation_by_the_snapshot() -> None:
    order = folded(order_body("cancelled", paid=None))

    assert order.cancelled_at == datetime(2017, 3, 23, 10, 0, tzinfo=UTC)


def test_a_delivered_plugin_status_marks_the_shipment_delivered() -> None:
    order = folded(order_body("delivered"))

    assert [(s.shipment_id, s.delivery_status, s.delivered_at) for s in order.shipments] == [
        ("woo-completed", DeliveryStatus.DELIVERED, datetime(2017, 3, 23, 10, 0, tzinfo=UTC))
    ]


def test_ready_for_pickup_waits_out_for_delivery_and_completion_is_the_pickup() -> None:
    pickup_line = [{"id": 317, "method_title": "Pickup", "method_id": "pickup_location", "total": "0.00"}]
    ready = order_body("ready-for-pickup", shipping_lines=pickup_line)
    picked_up = order_body("completed", modified="2017-03-24T09:00:00", shipping_lines=pickup_line)

    waiting = folded(ready)
    done = folded(ready, picked_up)

    assert [s.delivery_status for s in waiting.shipments] == [DeliveryStatus.OUT_FOR_DELIVERY]
    assert (done.status, [s.delivery_status for s in done.shipments]) == (
        S.DELIVERED,
        [DeliveryStatus.DELIVERED],
    )


def test_a_completed_order_shipped_by_carrier_is_not_delivered() -> None:
    assert folded(order_body("completed")).status is S.SHIPPED


def test_partial_shipped_lists_the_tracked_parcel_without_units() -> None:
    tracking = {
        "id": 1,
        "key": "_wc_shipment_tracking_items",
        "value": [
            {
                "tracking_provider": "ups",
                "tracking_number": "1Z1",
                "date_shipped": 1490227200,
                "tracking_id": "t1",
            }
        ],
    }
    body = order_body("partial-shipped")
    body["meta_data"].append(tracking)

    order = folded(body)

    assert [(s.shipment_id, s.lines, s.tracking_numbers) for s in order.shipments] == [
        ("tracking-t1", (), ("1Z1",))
    ]
    assert order.status is S.READY_TO_FULFILL


def test_an_unknown_status_is_shown_as_an_unmapped_status_anomaly() -> None:
    """Least assuming: paid because date_paid says so, nothing shipped, no hold."""
    order = folded(order_body("awaiting-shipment"))

    assert (order.status, order.payment_status, order.fulfillment_status) == (
        S.READY_TO_FULFILL,
        P.PAID,
        F.UNFULFILLED,
    )
    assert [(a.kind, a.detail) for a in order.anomalies] == [
        (
            AnomalyKind.UNMAPPED_STATUS,
            "Platform status 'awaiting-shipment' has no canonical mapping; add it to the store's status_map",
        )
    ]
    assert order.platform_status == "awaiting-shipment"
    assert (order.shipments, order.holds) == ((), ())


def test_an_unknown_status_without_payment_reads_pending() -> None:
    order = folded(order_body("quote-requested", paid=None))

    assert (order.status, order.payment_status) == (S.PENDING_PAYMENT, P.PENDING)
    assert [a.kind for a in order.anomalies] == [AnomalyKind.UNMAPPED_STATUS]


def test_a_plugin_status_is_unmapped_for_a_store_without_it_in_its_map() -> None:
    order = folded(order_body("shipped"), settings=WooStoreSettings())

    assert order.status is S.READY_TO_FULFILL
    assert [a.kind for a in order.anomalies] == [AnomalyKind.UNMAPPED_STATUS]


def test_a_plugin_hold_status_holds_even_an_unpaid_order() -> None:
    settings = WooStoreSettings(status_map={"awaiting-stock": "on_hold"})

    order = folded(order_body("awaiting-stock", paid=None), settings=settings)

    assert (order.status, order.payment_status) == (S.ON_HOLD, P.PENDING)
    assert [(h.hold_group, h.reason, h.owner) for h in order.holds] == [
        ("woo-status", HoldReason.OTHER, "operations")
    ]


def test_the_status_map_may_reread_a_core_status() -> None:
    settings = WooStoreSettings(status_map={"completed": "delivered"})

    assert folded(order_body("completed"), settings=settings).status is S.DELIVERED


def test_a_manual_hold_is_released_by_the_next_snapshot_that_is_not_on_hold() -> None:
    held = order_body("on-hold", modified="2017-03-23T10:00:00")
    released = order_body("processing", modified="2017-03-24T10:00:00")

    assert folded(held).status is S.ON_HOLD
    assert folded(held, released).holds == ()
    assert folded(released, held).status is S.READY_TO_FULFILL  # arrival order does not matter


def backordered(status: str, count: str | None, *, key: str = "Backordered", **changes: Any) -> Any:
    body = order_body(status, **changes)
    if count is not None:
        body["line_items"][0]["meta_data"].append(
            {"id": 2100, "key": key, "value": count, "display_key": key}
        )
    return body


def test_a_backordered_line_holds_the_paid_order() -> None:
    order = folded(backordered("processing", "2"))

    assert order.status is S.ON_HOLD
    assert [(h.hold_group, h.reason, h.owner, h.note) for h in order.holds] == [
        ("woo-backorder", HoldReason.BACKORDER, "operations", "2 unit(s) backordered (line 315: 2)")
    ]


def test_the_backorder_hold_ends_when_the_meta_is_removed() -> None:
    later = backordered("processing", None, modified="2017-03-25T10:00:00")

    order = folded(backordered("processing", "2"), later)

    assert (order.status, order.holds) == (S.READY_TO_FULFILL, ())


def test_the_backorder_hold_ends_when_the_order_is_completed_although_the_meta_stays() -> None:
    later = backordered("completed", "2", modified="2017-03-25T10:00:00")

    order = folded(backordered("processing", "2"), later)

    assert (order.status, order.holds) == (S.SHIPPED, ())


def test_an_unpaid_order_with_a_backordered_line_waits_for_payment_not_stock() -> None:
    order = folded(backordered("on-hold", "1", paid=None))

    assert (order.status, order.holds) == (S.PENDING_PAYMENT, ())


def test_the_backorder_meta_key_is_the_stores_translation() -> None:
    settings = WooStoreSettings(backorder_meta_key="Nachbestellt")

    german = folded(backordered("processing", "1", key="Nachbestellt"), settings=settings)
    english = folded(backordered("processing", "1"), settings=settings)

    assert [h.reason for h in german.holds] == [HoldReason.BACKORDER]
    assert english.holds == ()


def test_a_backordered_quantity_that_is_not_a_whole_number_is_a_payload_error() -> None:
    with pytest.raises(
        PayloadError, match=r"order 727: line_items\[0\]: meta 'Backordered' must be a whole quantity"
    ):
        facts_of(backordered("processing", "1.5"))


def test_a_completion_withdrawn_by_a_full_refund_ships_nothing() -> None:
    completed = order_body("completed", modified="2017-03-23T10:00:00")
    refunded = order_body(
        "refunded",
        modified="2017-03-30T10:00:00",
        date_completed_gmt="2017-03-23T10:00:00",
        refunds=[{"id": 900, "reason": "Returned", "total": "-29.35"}],
    )

    order = folded(completed, refunded)

    assert (order.status, order.payment_status, order.fulfillment_status) == (
        S.REFUNDED,
        P.REFUNDED,
        F.UNFULFILLED,
    )
    assert [(s.shipment_id, s.state) for s in order.shipments] == [("woo-completed", ShipmentState.CANCELLED)]
    assert folded(refunded, completed) == order


def test_a_completion_reverted_to_processing_is_ready_to_fulfill_again() -> None:
    completed = order_body("completed", modified="2017-03-23T10:00:00")
    reverted = order_body(
        "processing", modified="2017-03-23T11:00:00", date_completed_gmt="2017-03-23T10:00:00"
    )

    order = folded(completed, reverted)

    assert order.status is S.READY_TO_FULFILL
    assert [(s.shipment_id, s.state) for s in order.shipments] == [("woo-completed", ShipmentState.CANCELLED)]


def test_every_snapshot_after_completion_restates_the_same_shipment() -> None:
    completed = order_body("completed", modified="2017-03-23T10:00:00")
    refunded_later = order_body(
        "completed",
        modified="2017-03-27T10:00:00",
        date_completed_gmt="2017-03-23T10:00:00",
        refunds=[{"id": 900, "reason": "", "total": "-3.00"}],
    )

    first = [f for f in facts_of(completed) if isinstance(f, ShipmentRecorded)]
    second = [f for f in facts_of(refunded_later) if isinstance(f, ShipmentRecorded)]

    assert first == second


@pytest.mark.parametrize(
    ("status_map", "message"),
    [
        (
            {"returned": "returned"},
            r"status_map\['returned'\]: 'returned' is not a status a WooCommerce order",
        ),
        ({"shipped": "sent"}, r"status_map\['shipped'\]: 'sent' is not a status"),
    ],
)
def test_a_status_map_target_the_connector_cannot_show_is_refused(
    status_map: dict[str, str], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        WooStoreSettings(status_map=status_map)


def test_status_map_keys_are_normalised() -> None:
    settings = WooStoreSettings(status_map={"WC-Shipped": "shipped"})

    assert dict(settings.statuses) == {"shipped": OrderStatus.SHIPPED}
