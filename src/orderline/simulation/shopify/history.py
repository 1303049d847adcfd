"""generate_order_history: one order's life on Shopify, as the webhooks it produces.

orders/create (pending, authorized or paid), then by chance: fulfillment-order holds
(one or two reasons) and their release, payment capture, cancellation (only before
anything ships, with a refund if money was taken), a pre-shipment refund of a line
that cannot be sourced, split shipments with carrier progress (shipping.py), and
partial or full refunds after delivery, with or without restock.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from decimal import Decimal

from orderline.simulation.shopify import catalog
from orderline.simulation.shopify.bodies import (
    hold,
    hold_released_body,
    order_body,
    placed_on_hold_body,
    refund_body,
)
from orderline.simulation.shopify.shipping import ship_everything
from orderline.simulation.shopify.state import Buyer, IdSource, SimLine, SimOrder
from orderline.simulation.shopify.story import DAY, HOUR, MINUTE, Story
from orderline.simulation.shopify.webhook import ShopifyWebhook

HOLD_REASONS = (
    "awaiting_payment",
    "high_risk_of_fraud",
    "incorrect_address",
    "inventory_out_of_stock",
    "other",
    "unknown_delivery_date",
)


def generate_order_history(rng: random.Random, *, order_id: int, start: datetime) -> list[ShopifyWebhook]:
    """Every webhook Shopify sends about one order, in trigger order, deterministic for `rng`'s state."""
    start = (start if start.tzinfo is not None else start.replace(tzinfo=UTC)).replace(microsecond=0)
    ids = IdSource(rng)
    story = Story(rng, _new_order(rng, ids, order_id, start), ids)
    _create(story)
    if _hold_cycles(story) or _settle_payment(story) or _cancel(story):
        return story.webhooks
    _refund_unsourceable_line(story)
    ship_everything(story)
    _refund_after_delivery(story)
    return story.webhooks


def _new_order(rng: random.Random, ids: IdSource, order_id: int, start: datetime) -> SimOrder:
    count = rng.choices((1, 2, 3), weights=(50, 35, 15))[0]
    lines = [
        SimLine(
            ids.next(),
            ids.next(),
            product,
            rng.choice(product.variants),
            rng.choices((1, 2, 3), weights=(70, 20, 10))[0],
        )
        for product in rng.sample(catalog.PRODUCTS, count)
    ]
    buyer = _buyer(rng, ids)
    domestic = buyer.destination.country_code == "US"
    status = rng.choices(("paid", "pending", "authorized"), weights=(70, 15, 15))[0]
    return SimOrder(
        order_id=order_id,
        number=1001 + order_id % 900_000,
        token=f"{rng.getrandbits(128):032x}",
        created_at=start,
        tz=start.tzinfo or UTC,
        buyer=buyer,
        lines=lines,
        shipping=_shipping(rng, domestic),
        gateway="manual" if status == "pending" else rng.choice(catalog.GATEWAYS[:2]),
        tags=tuple(rng.sample(catalog.TAGS, rng.choices((0, 1, 2), weights=(60, 30, 10))[0])),
        financial_status=status,
        fulfillment_order_id=ids.next(),
    )


def _buyer(rng: random.Random, ids: IdSource) -> Buyer:
    first, last = rng.choice(catalog.FIRST_NAMES), rng.choice(catalog.LAST_NAMES)
    domestic = rng.random() < catalog.DOMESTIC_SHARE
    places = catalog.DESTINATIONS[:5] if domestic else catalog.DESTINATIONS[5:]
    return Buyer(
        customer_id=ids.next(),
        first_name=first,
        last_name=last,
        email=f"{first}.{last}{rng.randint(1, 99)}@example.com".lower(),
        phone=f"+1 502-555-{rng.randint(100, 9999):04d}",
        street=f"{rng.randint(1, 999)} {rng.choice(catalog.STREETS)}",
        destination=rng.choice(places),
        address_id=ids.next(),
    )


def _shipping(rng: random.Random, domestic: bool) -> tuple[str, Decimal]:
    title, price = rng.choice(catalog.SHIPPING_RATES) if domestic else catalog.INTERNATIONAL_SHIPPING
    return title, Decimal(price)


def _create(story: Story) -> None:
    order = story.order
    body = order_body(order)
    topics = ["orders/create"] + (["orders/paid"] if order.financial_status == "paid" else [])
    story.emit(order.created_at, [(topic, body) for topic in topics])


def _hold_cycles(story: Story) -> bool:
    """Zero, one or two hold-and-release cycles on the fulfillment order; True if cancelled while held."""
    for chance in (0.3, 0.15):
        if story.rng.random() >= chance:
            return False
        reasons = _hold_reasons(story)
        handles = [f"orderline-sim-{reason}" for reason in reasons]
        holds = [
            hold(story.ids.next(), reason, handle) for reason, handle in zip(reasons, handles, strict=True)
        ]
        story.emit(
            story.later(MINUTE, 30 * MINUTE),
            [("fulfillment_orders/placed_on_hold", placed_on_hold_body(story.order, holds))],
        )
        if "high_risk_of_fraud" in reasons and story.rng.random() < 0.3:
            _cancel_now(story, "fraud")
            return True
        story.emit(
            story.later(10 * MINUTE, 2 * DAY),
            [("fulfillment_orders/hold_released", hold_released_body(story.order))],
        )
    return False


def _hold_reasons(story: Story) -> list[str]:
    candidates = [
        r for r in HOLD_REASONS if r != "awaiting_payment" or story.order.financial_status == "pending"
    ]
    count = 2 if story.rng.random() < 0.25 else 1
    return story.rng.sample(candidates, count)


def _settle_payment(story: Story) -> bool:
    """Pending payments clear and authorizations are captured, by chance.

    True when the story ends here: the payment never arrived, and the order is then
    cancelled or left pending (for the stale-order check)."""
    order = story.order
    if order.financial_status == "pending" and story.rng.random() < 0.75:
        order.financial_status = "paid"
        story.change_order(story.later(HOUR, 3 * DAY), ("orders/paid",))
    elif order.financial_status == "authorized" and story.rng.random() < 0.8:
        order.financial_status = "paid"
        story.change_order(story.later(10 * MINUTE, DAY), ("orders/paid",))
    if order.financial_status == "pending":
        if story.rng.random() < 0.6:
            _cancel_now(story, story.rng.choice(("declined", "customer", "other")))
        return True
    return False


def _cancel(story: Story) -> bool:
    if story.rng.random() >= 0.07:
        return False
    _cancel_now(story, story.rng.choice(catalog.CANCEL_REASONS))
    return True


def _cancel_now(story: Story, reason: str) -> None:
    """Cancel before anything shipped: refund what was taken (restocking), void an authorization."""
    order = story.order
    at = story.later(30 * MINUTE, DAY)
    order.cancelled_at, order.cancel_reason = at, reason
    if order.financial_status in ("paid", "partially_refunded"):
        remaining = [
            (line, line.quantity - line.refunded, "cancel")
            for line in order.lines
            if line.quantity > line.refunded
        ]
        refund = story.refund(at, remaining, order.total_price - order.refunded_amount, "Order cancelled")
        order.cancelled_at = refund.created_at
        story.change_order(
            refund.created_at, ("orders/cancelled",), before=[("refunds/create", refund_body(order, refund))]
        )
        return
    order.financial_status = "voided"
    story.change_order(at, ("orders/cancelled",))


def _refund_unsourceable_line(story: Story) -> None:
    """A unit that cannot be sourced is refunded before shipping (restock type `cancel`)."""
    order = story.order
    units = sum(line.quantity for line in order.lines)
    if order.financial_status != "paid" or units < 2 or story.rng.random() >= 0.08:
        return
    line = story.rng.choice(order.lines)
    quantity = story.rng.randint(1, min(line.quantity, units - 1))
    amount = order.line_refund_amount(line, quantity)
    story.emit_refund(
        story.refund(story.later(HOUR, DAY), [(line, quantity, "cancel")], amount, "Item out of stock")
    )


def _refund_after_delivery(story: Story) -> None:
    order = story.order
    delivered = any(f.shipment_status == "delivered" for f in order.fulfillments)
    if not delivered or order.financial_status not in ("paid", "partially_refunded"):
        return
    roll = story.rng.random()
    refundable = [line for line in order.lines if line.quantity > line.refunded]
    at = story.later(DAY, 10 * DAY)
    if roll < 0.05 and refundable:
        lines = [(line, line.quantity - line.refunded, "return") for line in refundable]
        refund = story.refund(at, lines, order.total_price - order.refunded_amount, "Full refund")
    elif roll < 0.25 and refundable:
        line = story.rng.choice(refundable)
        quantity = story.rng.randint(1, line.quantity - line.refunded)
        restock_type = "return" if story.rng.random() < 0.6 else "no_restock"
        refund = story.refund(
            at,
            [(line, quantity, restock_type)],
            order.line_refund_amount(line, quantity),
            story.rng.choice(catalog.REFUND_NOTES),
        )
    elif roll < 0.30:
        refund = story.refund(at, [], Decimal("5.00"), "Goodwill credit for the late parcel")
    else:
        return
    story.emit_refund(refund)
