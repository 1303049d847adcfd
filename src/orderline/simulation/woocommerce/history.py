"""generate_order_history: one order's life on a WooCommerce store, save by save.

Checkout by card (pending, then processing once paid; sometimes failed first), by bank
transfer or cheque (on-hold awaiting payment, then processing, or cancelled unpaid), or
cash on delivery (processing, paid when completed). Then by chance: stock reduction
that backorders some units (line meta `Backordered`), manual holds (on-hold after
payment) and their release, cancellation (refunded in full, which WooCommerce turns
into `refunded`), the merchant deleting the backorder meta when stock arrives, a
refund of a unit that cannot be sourced, shipping with Shipment Tracking items and
completion, and partial or full refunds after completion.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, time
from decimal import Decimal

from orderline.simulation.woocommerce import catalog
from orderline.simulation.woocommerce.state import Buyer, IdSource, SimLine, SimOrder, SimRefund, SimTracking
from orderline.simulation.woocommerce.story import DAY, HOUR, MINUTE, Story
from orderline.simulation.woocommerce.webhook import WooWebhook

UNDER_WAY_SHARE = 0.2


def generate_order_history(
    rng: random.Random, *, order_id: int, start: datetime, site_url: str
) -> list[WooWebhook]:
    """Every save WooCommerce would deliver for one order, in save order (deterministic for
    `rng`'s state). Nothing is coalesced or lost here; `coalesce` does that. One story in
    five is still under way: it ends at a random save (on hold, backordered, ...)."""
    start = (start if start.tzinfo is not None else start.replace(tzinfo=UTC)).astimezone(UTC)
    ids = IdSource(rng, order_id)
    story = Story(rng, _new_order(rng, ids, order_id, start.replace(microsecond=0)), ids, site_url)
    _tell(story)
    if story.chance(UNDER_WAY_SHARE):
        return story.webhooks[: rng.randint(1, len(story.webhooks))]
    return story.webhooks


def _tell(story: Story) -> None:
    if not _checkout(story) or _hold_cycles(story) or _cancel(story, 0.05):
        return
    _restock_backorders(story)
    _refund_unsourceable_unit(story)
    _ship(story)
    _refund_after_completion(story)


def _new_order(rng: random.Random, ids: IdSource, order_id: int, start: datetime) -> SimOrder:
    count = rng.choices((1, 2, 3, 4), weights=(45, 30, 17, 8))[0]
    lines = [
        SimLine(ids.next(), product, rng.choices((1, 2, 3), weights=(70, 22, 8))[0])
        for product in rng.sample(catalog.PRODUCTS, count)
    ]
    first, last = rng.choice(catalog.FIRST_NAMES), rng.choice(catalog.LAST_NAMES)
    buyer = Buyer(
        customer_id=rng.choice((0, rng.randint(2, 900))),
        first_name=first,
        last_name=last,
        email=f"{first}.{last}{rng.randint(1, 99)}@example.com".lower(),
        phone=f"+1 503-555-{rng.randint(100, 9999):04d}",
        street=f"{rng.randint(1, 400)} {rng.choice(catalog.STREETS)}",
        place=rng.choice(catalog.PLACES),
    )
    return SimOrder(
        order_id=order_id,
        order_key=f"wc_order_{ids.hex(13)}",
        created_at=start,
        site_tz=rng.choice(catalog.SITE_TIMEZONES),
        buyer=buyer,
        gateway=rng.choices(catalog.GATEWAYS, weights=catalog.GATEWAY_WEIGHTS)[0],
        lines=lines,
        shipping=rng.choice(catalog.SHIPPING_METHODS),
        shipping_line_id=ids.next(),
        tax_line_id=ids.next(),
    )


def _checkout(story: Story) -> bool:
    """Place the order and settle its payment; False when the story ends unpaid."""
    order = story.order
    kind = order.gateway.kind
    order.status = {"card": "pending", "offline": "on-hold", "cod": "processing"}[kind]
    if kind != "card":
        _reduce_stock(story)  # WooCommerce reduces stock on on-hold and processing
    story.emit()
    if kind == "card":
        return _card_payment(story)
    if kind == "offline":
        return _offline_payment(story)
    return True


def _card_payment(story: Story) -> bool:
    if story.chance(0.07):
        story.set_status("failed", 20, 2 * MINUTE)
        if not story.chance(0.5):
            if story.chance(0.6):
                story.set_status("cancelled", DAY, 3 * DAY)
            return False
    _pay(story, 5, 30 * MINUTE)
    return True


def _offline_payment(story: Story) -> bool:
    if story.chance(0.2):
        story.set_status("cancelled", 3 * DAY, 7 * DAY)
        return False
    _pay(story, 4 * HOUR, 3 * DAY)
    return True


def _pay(story: Story, low_s: int, high_s: int) -> None:
    order = story.order
    order.paid_at = story.tick(low_s, high_s)
    order.transaction_id = "" if order.gateway.kind == "offline" else f"txn_{story.ids.hex(24)}"
    if order.status in ("pending", "failed"):
        _reduce_stock(story)
    order.status = "processing"
    story.emit()


def _reduce_stock(story: Story) -> None:
    """Some units ordered beyond stock: WooCommerce writes `Backordered` on the line."""
    for line in story.order.lines:
        if story.chance(0.12):
            line.backordered = story.rng.randint(1, line.quantity)


def _hold_cycles(story: Story) -> bool:
    """Zero to two manual holds and their release; True when cancelled while held."""
    for probability in (0.25, 0.1):
        if not story.chance(probability):
            return False
        story.set_status("on-hold", 10 * MINUTE, DAY)
        if story.chance(0.15):
            return _cancel(story, 1.0)
        story.set_status("processing", HOUR, 3 * DAY)
    return False


def _cancel(story: Story, probability: float) -> bool:
    """Cancel a paid order before it ships; usually refunded in full afterwards, which
    moves it to `refunded` (WooCommerce's "order fully refunded" status)."""
    if not story.chance(probability):
        return False
    story.set_status("cancelled", 30 * MINUTE, DAY)
    if story.chance(0.7):
        _refund(story, story.order.total - story.order.refunded, "Order cancelled", HOUR, 2 * DAY)
    return True


def _restock_backorders(story: Story) -> None:
    """Stock arrives; some merchants then delete the `Backordered` meta, most never do."""
    backordered = [line for line in story.order.lines if line.backordered]
    if not backordered or not story.chance(0.5):
        return
    story.tick(DAY, 5 * DAY)
    for line in backordered:
        line.backordered = 0
    story.emit()


def _refund_unsourceable_unit(story: Story) -> None:
    order = story.order
    if sum(line.quantity for line in order.lines) < 2 or not story.chance(0.08):
        return
    line = story.rng.choice(order.lines)
    _refund(story, order.unit_refund(line), "Out of stock", HOUR, DAY)


def _ship(story: Story) -> None:
    """One or two tracked parcels, then completion (sometimes with no tracking at all)."""
    parcels = 0 if story.chance(0.1) else story.rng.choices((1, 2), weights=(75, 25))[0]
    for parcel in range(1, parcels + 1):
        at = story.tick(4 * HOUR, 2 * DAY)
        _add_tracking(story, at)
        if parcel == parcels and story.chance(0.6):
            _complete(story, at)  # the tracking and the status in one save
            story.emit()
            return
        story.emit()
    _complete(story, story.tick(10 * MINUTE, DAY))
    story.emit()


def _add_tracking(story: Story, at: datetime) -> None:
    order = story.order
    provider, prefix = story.rng.choice(catalog.CARRIERS)
    # The plugin's date picker stores midnight of the shipping day, site time.
    day = at.astimezone(order.site_tz).date()
    shipped_on = datetime.combine(day, time(0), order.site_tz).astimezone(UTC)
    number = f"{prefix}{story.rng.randrange(10**9, 10**10)}"
    order.tracking.append(SimTracking(story.ids.hex(32), provider, number, shipped_on))


def _complete(story: Story, at: datetime) -> None:
    order = story.order
    order.status = "completed"
    order.completed_at = at
    if order.paid_at is None:  # cash on delivery: WooCommerce sets date_paid on completion
        order.paid_at = at


def _refund_after_completion(story: Story) -> None:
    order = story.order
    roll = story.rng.random()
    if roll < 0.04:
        _refund(story, order.total - order.refunded, "Returned in full", DAY, 10 * DAY)
    elif roll < 0.19:
        line = story.rng.choice(order.lines)
        _refund(story, order.unit_refund(line), story.rng.choice(catalog.REFUND_REASONS), DAY, 10 * DAY)
    elif roll < 0.24:
        _refund(story, Decimal("5.00"), "Goodwill credit for the late parcel", DAY, 10 * DAY)


def _refund(story: Story, amount: Decimal, reason: str, low_s: int, high_s: int) -> None:
    """A refund of at most what is left; refunding everything moves the order to
    `refunded` (WooCommerce's `wc_order_fully_refunded`)."""
    order = story.order
    amount = min(amount, order.total - order.refunded)
    if amount <= 0:
        return
    story.tick(low_s, high_s)
    order.refunds.insert(0, SimRefund(story.ids.next(), reason, amount))  # Woo lists newest first
    if order.refunded >= order.total:
        order.status = "refunded"
    story.emit()
