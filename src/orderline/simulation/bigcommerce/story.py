"""order_history: one order's realistic life on BigCommerce, one action at a time.

Placed (sometimes first Incomplete, or awaiting a manual or authorize-only payment) ->
paid, declined or cancelled -> sometimes held for manual verification and released or
cancelled with a refund -> sometimes a line refunded before shipping -> shipped, often
split (3 Partially Shipped, sometimes a corrected tracking number, then 2 Shipped) ->
sometimes disputed and resolved -> often Completed.

Nothing changes an order while it sits in 12 Manual Verification or 10 Completed other
than leaving it (10 is final here): BigCommerce says "completed" and "under review" only
through the status, so an edit made while in it would move the only date Orderline has
for the delivery or the hold (see the connector's shipments and orders modules).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

from orderline.simulation.bigcommerce.webhook import BigCommerceWebhook

if TYPE_CHECKING:
    from orderline.simulation.bigcommerce.simulator import BigCommerceSimulator

Steps = Generator[list[BigCommerceWebhook], None, bool]
"""Yields the webhooks of each action; returns True when the order's story has ended."""

AWAITING_FULFILLMENT = 11

_OPENINGS: tuple[tuple[int, str], ...] = (
    (11, "captured"),
    (7, "authorized"),
    (7, "pending"),
    (1, ""),
    (0, ""),
)
_OPENING_WEIGHTS = (55, 15, 10, 5, 15)


def order_history(sim: BigCommerceSimulator) -> Generator[list[BigCommerceWebhook], None, None]:
    status_id, payment = sim.rng.choices(_OPENINGS, weights=_OPENING_WEIGHTS)[0]
    order_id, hooks = sim.place_order(status_id=status_id, payment_status=payment)
    yield hooks
    for step in (_leave_incomplete, _settle_payment, _manual_verification, _cancel_before_shipping):
        if (yield from step(sim, order_id)):
            return
    yield from _refund_unsourceable_line(sim, order_id)
    yield from _ship(sim, order_id)
    yield from _after_shipping(sim, order_id)


def _leave_incomplete(sim: BigCommerceSimulator, order_id: int) -> Steps:
    if sim.order(order_id).status_id == 0:
        paid = sim.rng.random() < 0.7
        yield sim.set_status(order_id, 11 if paid else 7, "captured" if paid else "pending")
    return False


def _settle_payment(sim: BigCommerceSimulator, order_id: int) -> Steps:
    order = sim.order(order_id)
    if order.status_id not in (1, 7):
        return False
    roll = sim.rng.random()
    if order.payment_status == "authorized":
        if roll < 0.85:
            yield sim.set_status(order_id, AWAITING_FULFILLMENT, "captured")
            return False
        yield sim.set_status(order_id, 5, "void")
        return True
    if roll < 0.7:
        yield sim.set_status(order_id, AWAITING_FULFILLMENT, "captured")
        return False
    yield sim.set_status(order_id, 6 if roll < 0.85 else 5, "declined" if roll < 0.85 else "")
    return True


def _manual_verification(sim: BigCommerceSimulator, order_id: int) -> Steps:
    if sim.rng.random() >= 0.15:
        return False
    yield sim.set_status(order_id, 12)
    if sim.rng.random() < 0.75:
        yield sim.set_status(order_id, AWAITING_FULFILLMENT)
        return False
    yield sim.refund_everything(order_id, "failed manual verification")
    yield sim.set_status(order_id, 5)
    return True


def _cancel_before_shipping(sim: BigCommerceSimulator, order_id: int) -> Steps:
    if sim.rng.random() >= 0.06:
        return False
    yield sim.refund_everything(order_id, "cancelled at the buyer's request")
    yield sim.set_status(order_id, 5)
    return True


def _refund_unsourceable_line(sim: BigCommerceSimulator, order_id: int) -> Steps:
    rows = sim.order(order_id).products
    if len(rows) < 2 or sim.rng.random() >= 0.15:
        return False
    row = sim.rng.choice(rows)
    yield sim.refund(order_id, [(row.id, row.quantity)], reason="out of stock")
    return False


def _ship(sim: BigCommerceSimulator, order_id: int) -> Steps:
    units = [(row.id, row.quantity_to_ship) for row in sim.order(order_id).products if row.quantity_to_ship]
    if sum(q for _, q in units) >= 2 and sim.rng.random() < 0.45:
        first = _split(sim, units)
        hooks = sim.ship(order_id, first)
        yield hooks
        if sim.rng.random() < 0.3:
            shipment_id = sim.order(order_id).shipments[-1].id
            yield sim.correct_tracking(order_id, shipment_id)
    yield sim.ship(order_id)
    return False


def _after_shipping(sim: BigCommerceSimulator, order_id: int) -> Steps:
    if sim.rng.random() < 0.1:
        yield sim.set_status(order_id, 13)
        yield sim.set_status(order_id, 2)
    if sim.rng.random() < 0.6:
        yield sim.set_status(order_id, 10)
    return True


def _split(sim: BigCommerceSimulator, units: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """A non-empty part of `units` that leaves something for a second shipment."""
    flat = [row_id for row_id, quantity in units for _ in range(quantity)]
    chosen = sim.rng.sample(flat, sim.rng.randint(1, len(flat) - 1))
    return [(row_id, chosen.count(row_id)) for row_id, _ in units if row_id in chosen]
