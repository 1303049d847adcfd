"""What a customer message template may see: the variables built from a canonical order.

`message_context` is the only source of template variables. Everything in it derives from
the canonical `Order` (never a platform payload), a `MessageTopic` saying what this one
message is about, and the store's `Branding`. Values are plain strings, numbers, lists
and `Record`s (dicts that know what they describe, so a template typo is reported as
"'order' has no attribute 'tracking'" rather than "'dict object' has ...").

`exception.reason` is operator wording (it may quote a fraud reviewer's note): the
built-in templates never show it, and a merchant template should think twice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from orderline.domain.facts import Address, LineQuantity
from orderline.domain.messaging.kinds import MessageKind
from orderline.domain.order import Order, OrderLine, Refund, Shipment
from orderline.domain.vocabulary import (
    DeliveryStatus,
    FulfillmentStatus,
    OrderStatus,
    PaymentStatus,
    ShipmentState,
)

TOP_LEVEL_NAMES = frozenset(
    {
        "store",
        "order",
        "message",
        "parcels",
        "rest_on_its_way",
        "remaining_lines",
        "exception",
        "refunds",
        "status_url",
    }
)

# Nothing more will ship for an order in these states, so "the rest is on its way" would lie.
_NOTHING_MORE_SHIPS = frozenset({OrderStatus.CANCELLED, OrderStatus.REFUNDED, OrderStatus.RETURNED})
_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_WEB_URL = re.compile(r"^https?://", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class MessageTopic:
    """What one message is about. `shipment_ids` are the parcels it announces (a coalesced
    burst may announce several); `refund_ids` the refunds it confirms."""

    kind: MessageKind
    shipment_ids: tuple[str, ...] = ()
    exception_type: str | None = None
    exception_reason: str | None = None
    exception_opened_at: datetime | None = None
    refund_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Branding:
    """How a store presents itself in its messages (from the store's configuration)."""

    store_name: str
    support_email: str | None = None
    logo_url: str | None = None
    primary_color: str = "#1f2937"
    sign_off: str | None = None

    def __post_init__(self) -> None:
        # The colour lands inside a style attribute, where HTML escaping does not stop CSS.
        if not _COLOR.match(self.primary_color):
            raise ValueError(f"primary_color must look like #1f2937, got {self.primary_color!r}")
        if self.logo_url is not None and not _WEB_URL.match(self.logo_url):
            raise ValueError(f"logo_url must be an http(s) URL, got {self.logo_url!r}")


class Record(dict[str, Any]):
    """A dict of template variables that knows what it describes (see the module docstring).

    The label sits in a `_`-prefixed slot because the sandbox refuses `_` attributes, so a
    template can never read it or mistake it for data.
    """

    __slots__ = ("_label",)

    def __init__(self, label: str, values: Mapping[str, Any]) -> None:
        super().__init__(values)
        self._label = label


def record_label(value: object) -> str | None:
    """What `value` describes when it is a `Record`, else None."""
    return value._label if isinstance(value, Record) else None


def message_context(
    order: Order, topic: MessageTopic, branding: Branding, status_url: str | None = None
) -> dict[str, Any]:
    """The variables a template sees. Raises ValueError when the topic names a shipment or
    a refund the order does not have: a message about a parcel nobody knows is a bug.
    `status_url` is the buyer's status page (None when the configuration has no links)."""
    titles = {line.line_id: line.title for line in order.lines}
    remaining = [
        Record("remaining line", {"title": line.title, "quantity": _remaining(line)})
        for line in order.lines
        if _remaining(line) > 0
    ]
    shipments = {shipment.shipment_id: shipment for shipment in order.shipments}
    refunds = {refund.refund_id: refund for refund in order.refunds}
    return {
        "store": _store(branding),
        "order": _order(order, titles),
        "message": Record("message", {"kind": topic.kind.value}),
        "parcels": [
            _shipment(shipments[i], titles) for i in _known(topic.shipment_ids, shipments, "shipment", order)
        ],
        "rest_on_its_way": bool(remaining) and order.status not in _NOTHING_MORE_SHIPS,
        "remaining_lines": remaining,
        "exception": _exception(topic),
        "refunds": [_refund(refunds[i]) for i in _known(topic.refund_ids, refunds, "refund", order)],
        "status_url": status_url,
    }


def _known(ids: Iterable[str], known: Mapping[str, object], what: str, order: Order) -> list[str]:
    missing = [item for item in ids if item not in known]
    if missing:
        raise ValueError(f"order {order.order_number} has no {what} {', '.join(missing)}")
    return list(ids)


def _remaining(line: OrderLine) -> int:
    # A refunded unit will never ship; over-shipping or over-refunding never goes below zero.
    return max(line.quantity - line.shipped_quantity - line.refunded_quantity, 0)


def _store(branding: Branding) -> Record:
    return Record(
        "store",
        {
            "name": branding.store_name,
            "support_email": branding.support_email,
            "logo_url": branding.logo_url,
            "primary_color": branding.primary_color,
            "sign_off": branding.sign_off,
        },
    )


def _order(order: Order, titles: Mapping[str, str]) -> Record:
    address = order.shipping_address
    return Record(
        "order",
        {
            "number": order.order_number,
            "status": order.status.value,
            "payment_status": order.payment_status.value,
            "fulfillment_status": order.fulfillment_status.value,
            "placed_at": order.placed_at,
            "currency": order.currency,
            "total_price": str(order.total_price),
            "customer_name": address.name if address else None,
            "email": order.email,
            "lines": [_line(line) for line in order.lines],
            # A cancelled or failed shipment ships nothing: the buyer never hears of it.
            "shipments": [
                _shipment(shipment, titles)
                for shipment in order.shipments
                if shipment.state is ShipmentState.ACTIVE
            ],
            "shipping_address": _address(address),
        },
    )


def _line(line: OrderLine) -> Record:
    return Record(
        "line",
        {
            "title": line.title,
            "sku": line.sku,
            "quantity": line.quantity,
            "shipped_quantity": line.shipped_quantity,
            "refunded_quantity": line.refunded_quantity,
            "remaining_quantity": _remaining(line),
        },
    )


def _shipment(shipment: Shipment, titles: Mapping[str, str]) -> Record:
    lines = [
        # A line the order does not list (an anomaly) still shows, under its id.
        Record("shipment line", {"title": titles.get(item.line_id, item.line_id), "quantity": item.quantity})
        for item in shipment.lines
    ]
    return Record(
        "shipment",
        {
            "id": shipment.shipment_id,
            "carrier": shipment.carrier,
            "tracking_numbers": list(shipment.tracking_numbers),
            "tracking_url": _web_url(shipment.tracking_url),
            "delivery_status": shipment.delivery_status.value if shipment.delivery_status else None,
            "lines": lines,
        },
    )


def _web_url(url: str | None) -> str | None:
    # Tracking URLs come from platform data and land in an href, where escaping does not
    # stop a `javascript:` URL: only a web address is offered to the buyer.
    return url if url is not None and _WEB_URL.match(url) else None


def _address(address: Address | None) -> Record | None:
    if address is None:
        return None
    return Record("shipping_address", {f.name: getattr(address, f.name) for f in fields(address)})


def _exception(topic: MessageTopic) -> Record | None:
    if topic.exception_type is None:
        return None
    return Record(
        "exception",
        {
            "type": topic.exception_type,
            "reason": topic.exception_reason,
            "opened_at": topic.exception_opened_at,
        },
    )


def _refund(refund: Refund) -> Record:
    return Record(
        "refund", {"id": refund.refund_id, "amount": str(refund.amount), "created_at": refund.created_at}
    )


# --- the sample order every template is validated against ------------------------------


def _at(day: int, hour: int = 9) -> datetime:
    return datetime(2024, 3, day, hour, 30, tzinfo=UTC)


def _sample_shipments() -> tuple[Shipment, ...]:
    delivered = Shipment(
        shipment_id="sample-shipment-1",
        state=ShipmentState.ACTIVE,
        lines=(LineQuantity("sample-line-1", 2),),
        tracking_numbers=("1Z999AA10123456784",),
        carrier="UPS",
        tracking_url="https://tracking.example.com/1Z999AA10123456784",
        delivery_status=DeliveryStatus.DELIVERED,
        created_at=_at(5),
        updated_at=_at(7),
        delivered_at=_at(7),
    )
    in_transit = Shipment(
        shipment_id="sample-shipment-2",
        state=ShipmentState.ACTIVE,
        lines=(LineQuantity("sample-line-2", 1),),
        tracking_numbers=("JD014600006281230000",),
        carrier="DHL",
        tracking_url="https://tracking.example.com/JD014600006281230000",
        delivery_status=DeliveryStatus.IN_TRANSIT,
        created_at=_at(8),
        updated_at=_at(8, 15),
        delivered_at=None,
    )
    return delivered, in_transit


def sample_order() -> Order:
    """A fully populated order: two lines, one delivered and one travelling shipment, a
    refund, an address, and one unit still to ship (so every branch of a template has data)."""
    lines = (
        OrderLine("sample-line-1", "Linen shirt", "SHIRT-L", 2, Decimal("24.00"), 2, 0),
        OrderLine("sample-line-2", "Canvas tote", "TOTE", 3, Decimal("12.00"), 1, 1),
    )
    refund = Refund("sample-refund-1", _at(6), Decimal("12.00"), (LineQuantity("sample-line-2", 1),), False)
    address = Address(
        name="Ada Lovelace",
        address1="12 Example Street",
        city="London",
        postal_code="N1 9GU",
        country_code="GB",
        phone="+44 20 7946 0000",
    )
    return Order(
        store_id="sample",
        order_id="sample-order",
        order_number="#1001",
        email="ada@example.com",
        currency="EUR",
        total_price=Decimal("84.00"),
        placed_at=_at(4),
        updated_at=_at(8, 15),
        status=OrderStatus.PARTIALLY_SHIPPED,
        payment_status=PaymentStatus.PARTIALLY_REFUNDED,
        fulfillment_status=FulfillmentStatus.PARTIAL,
        owner="operations",
        lines=lines,
        shipments=_sample_shipments(),
        holds=(),
        refunds=(refund,),
        cancelled_at=None,
        cancel_reason=None,
        shipping_address=address,
        anomalies=(),
        timeline=(),
        platform_status="partially_fulfilled",
    )
