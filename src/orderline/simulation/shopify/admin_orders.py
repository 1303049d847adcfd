"""Orders as the Shopify GraphQL Admin API returns them, generated from a seed.

Compact on purpose (a benchmark shop has 100,000 of them): each order's story (lines,
payment, holds, split shipments with carrier progress, refunds, cancellation) is drawn
in one pass straight into the Order node that `connectors.shopify.bulk` selects, and kept
as JSON bytes. Shares the catalog (products, buyers, carriers) with the webhook simulator.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import orjson

from orderline.simulation.shopify import catalog

Json = dict[str, Any]
FIRST_ORDER_ID = 6_100_000_000_000
_DISPLAY_STATUSES = ("DELIVERED", "IN_TRANSIT", "OUT_FOR_DELIVERY", "FULFILLED")
_DISPLAY_WEIGHTS = (60, 25, 5, 10)


@dataclass(frozen=True, slots=True)
class AdminOrder:
    key: tuple[str, int]
    """(updatedAt, order id): the orders query's sort order."""
    fulfillment_order_ids: tuple[int, ...]
    body: bytes
    """The node's JSON."""


class _Line(NamedTuple):
    line_id: int
    quantity: int
    price: int
    """Unit price in cents."""
    title: str
    sku: str


def generate_order_nodes(count: int, *, seed: int, start: datetime, spacing_s: int = 60) -> list[AdminOrder]:
    """`count` orders placed about `spacing_s` apart from `start`, sorted by updatedAt;
    the same arguments give the same bytes."""
    rng = random.Random(seed)
    start = start.astimezone(UTC).replace(tzinfo=None) if start.tzinfo else start  # naive UTC is quicker
    orders = []
    for n in range(count):
        created = start + timedelta(seconds=n * spacing_s + rng.randrange(spacing_s))
        node = _order_node(rng, FIRST_ORDER_ID + n, created)
        fo_ids = tuple(int(fo["id"].rsplit("/", 1)[1]) for fo in node["fulfillmentOrders"]["nodes"])
        orders.append(AdminOrder((node["updatedAt"], FIRST_ORDER_ID + n), fo_ids, orjson.dumps(node)))
    orders.sort(key=lambda order: order.key)
    return orders


def timestamp(at: datetime) -> str:
    """GraphQL's DateTime: UTC, whole seconds, `Z` (a naive `at` is taken as UTC)."""
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at.isoformat(timespec="seconds") + "Z"


def _money(amount: int) -> Json:
    """`amount` in cents, as a MoneyBag's shop money."""
    return {"shopMoney": {"amount": f"{amount // 100}.{amount % 100:02d}", "currencyCode": "USD"}}


@dataclass(slots=True)
class _Story:
    """One order's life, compressed: what it ordered and what happened to it since."""

    rng: random.Random
    order_id: int
    at: datetime
    lines: list[_Line] = field(default_factory=list)
    fulfillments: list[Json] = field(default_factory=list)
    refunds: list[Json] = field(default_factory=list)
    cancelled_at: datetime | None = None

    def later(self, low_h: int, high_h: int) -> datetime:
        self.at += timedelta(seconds=self.rng.randrange(low_h * 3600, high_h * 3600 + 1))
        return self.at

    def ship(self, lines: list[_Line]) -> None:
        carrier, url = self.rng.choice(catalog.CARRIERS)
        number = f"1Z{self.rng.randrange(10**15):015d}"
        created = self.later(2, 48)
        display = self.rng.choices(_DISPLAY_STATUSES, _DISPLAY_WEIGHTS)[0]
        updated = self.later(24, 96) if display == "DELIVERED" else created
        self.fulfillments.append(
            {
                "id": f"gid://shopify/Fulfillment/{self.order_id * 10 + len(self.fulfillments) + 1}",
                "status": "SUCCESS",
                "displayStatus": display,
                "createdAt": timestamp(created),
                "updatedAt": timestamp(updated),
                "trackingInfo": [{"number": number, "url": url.format(number=number), "company": carrier}],
                "fulfillmentLineItems": {
                    "nodes": [{"lineItem": _line_ref(line), "quantity": line.quantity} for line in lines]
                },
            }
        )

    def refund(
        self, lines: list[_Line], restock_type: str, note: str | None, after_h: tuple[int, int] = (24, 240)
    ) -> None:
        amount = sum(line.quantity * line.price for line in lines)
        self.refunds.append(
            {
                "id": f"gid://shopify/Refund/{self.order_id * 10 + len(self.refunds) + 5}",
                "createdAt": timestamp(self.later(*after_h)),
                "note": note,
                "totalRefundedSet": _money(amount),
                "refundLineItems": {
                    "nodes": [
                        {"lineItem": _line_ref(line), "quantity": line.quantity, "restockType": restock_type}
                        for line in lines
                    ]
                },
            }
        )


def _line_ref(line: _Line) -> Json:
    return {"id": f"gid://shopify/LineItem/{line.line_id}"}


def _order_node(rng: random.Random, order_id: int, created: datetime) -> Json:
    story = _Story(rng, order_id, created)
    for k, product in enumerate(rng.sample(catalog.PRODUCTS, rng.choice((1, 1, 1, 2, 2, 3)))):
        _, _, sku, price = rng.choice(product.variants)
        quantity = rng.choice((1, 1, 1, 2, 3))
        story.lines.append(
            _Line(order_id * 10 + k, quantity, int(price.replace(".", "")), product.title, sku)
        )
    financial, holds = _play(story)
    cancelled = story.cancelled_at
    node = _order_fields(story, order_id, created, financial)
    node["cancelledAt"] = timestamp(cancelled) if cancelled else None
    node["cancelReason"] = rng.choice(catalog.CANCEL_REASONS).upper() if cancelled else None
    node["displayFulfillmentStatus"] = "ON_HOLD" if holds else _order_fulfillment_status(story)
    node["updatedAt"] = timestamp(story.at)
    fulfillment_order: Json = {
        "id": f"gid://shopify/FulfillmentOrder/{order_id * 10 + 9}",
        "status": _fulfillment_order_status(story, holds),
        "updatedAt": timestamp(story.at),
        "fulfillmentHolds": holds,
    }
    node["fulfillmentOrders"] = {"nodes": [fulfillment_order]}
    return node


def _play(story: _Story) -> tuple[str, list[Json]]:
    """What happened after checkout: (displayFinancialStatus, holds still on the order)."""
    rng, roll = story.rng, story.rng.random()
    if roll < 0.06:
        story.cancelled_at = story.later(1, 24)
        if rng.random() < 0.5:
            return "VOIDED", []
        story.refund(story.lines, "CANCEL", "Order cancelled", after_h=(0, 0))
        return "REFUNDED", []
    if roll < 0.24:
        status = "PENDING" if roll < 0.16 else "AUTHORIZED"
        if rng.random() < 0.3:
            reason = "AWAITING_PAYMENT" if status == "PENDING" else "HIGH_RISK_OF_FRAUD"
            return status, [_hold(reason)]
        return status, []
    stage = rng.random()
    if stage < 0.2:
        reason = rng.choice(("INCORRECT_ADDRESS", "INVENTORY_OUT_OF_STOCK", "OTHER"))
        return "PAID", [_hold(reason)] if rng.random() < 0.3 else []
    if stage < 0.3 and len(story.lines) > 1:
        story.ship(story.lines[:1])
        return "PAID", []
    split = len(story.lines) > 1 and rng.random() < 0.3
    for part in (story.lines[:1], story.lines[1:]) if split else (story.lines,):
        story.ship(part)
    if story.fulfillments[-1]["displayStatus"] == "DELIVERED" and rng.random() < 0.15:
        line = rng.choice(story.lines)._replace(quantity=1)
        story.refund([line], rng.choice(("RETURN", "NO_RESTOCK")), rng.choice(catalog.REFUND_NOTES))
        return "PARTIALLY_REFUNDED", []
    return "PAID", []


def _hold(reason: str) -> Json:
    return {"reason": reason, "reasonNotes": catalog.HOLD_NOTES.get(reason.lower(), "Held for review")}


def _order_fulfillment_status(story: _Story) -> str:
    shipped = {
        item["lineItem"]["id"] for f in story.fulfillments for item in f["fulfillmentLineItems"]["nodes"]
    }
    if not shipped:
        return "UNFULFILLED"
    return "FULFILLED" if len(shipped) == len(story.lines) else "PARTIALLY_FULFILLED"


def _fulfillment_order_status(story: _Story, holds: list[Json]) -> str:
    if story.cancelled_at is not None:
        return "CANCELLED"
    if holds:
        return "ON_HOLD"
    return {"UNFULFILLED": "OPEN", "PARTIALLY_FULFILLED": "IN_PROGRESS"}.get(
        _order_fulfillment_status(story), "CLOSED"
    )


def _order_fields(story: _Story, order_id: int, created: datetime, financial: str) -> Json:
    rng = story.rng
    first, last = rng.choice(catalog.FIRST_NAMES), rng.choice(catalog.LAST_NAMES)
    place = rng.choice(catalog.DESTINATIONS)
    subtotal = sum(line.quantity * line.price for line in story.lines)
    total = subtotal + int(subtotal * place.tax_rate) + 795
    return {
        "id": f"gid://shopify/Order/{order_id}",
        "legacyResourceId": str(order_id),
        "name": f"#{order_id - FIRST_ORDER_ID + 1001}",
        "email": f"{first}.{last}{order_id % 97}@example.com".lower(),
        "createdAt": timestamp(created),
        "processedAt": timestamp(created),
        "displayFinancialStatus": financial,
        "currencyCode": "USD",
        "tags": rng.sample(catalog.TAGS, rng.choice((0, 0, 1))),
        "totalPriceSet": _money(total),
        "shippingAddress": {
            "name": f"{first} {last}",
            "firstName": first,
            "lastName": last,
            "company": None,
            "address1": f"{rng.randrange(1, 999)} {rng.choice(catalog.STREETS)}",
            "address2": None,
            "city": place.city,
            "province": place.province,
            "zip": place.zip,
            "countryCodeV2": place.country_code,
            "phone": None,
        },
        "lineItems": {"nodes": [_line_node(line) for line in story.lines]},
        "fulfillments": story.fulfillments,
        "refunds": story.refunds,
    }


def _line_node(line: _Line) -> Json:
    return {
        "id": f"gid://shopify/LineItem/{line.line_id}",
        "quantity": line.quantity,
        "title": line.title,
        "sku": line.sku,
        "originalUnitPriceSet": _money(line.price),
    }
