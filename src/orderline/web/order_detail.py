"""The canonical order as `GET /api/v1/stores/{store_id}/orders/{platform_order_id}`
answers it: the order's own state (`order_to_dict` in domain/order.py) with its
exceptions, customer messages and support hand-offs (services/order_reads.py).

Each part is a named schema, and every state is its enum, so /openapi.json lists the
values a client can meet. Open-ended names (exception types, teams, timeline kinds,
platform statuses) stay strings and say so.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from orderline.domain.facts import Address, DriftField, LineQuantity
from orderline.domain.messaging.kinds import MessageKind
from orderline.domain.vocabulary import (
    AnomalyKind,
    DeliveryStatus,
    FulfillmentStatus,
    HoldReason,
    OrderStatus,
    PaymentStatus,
    ShipmentState,
)
from orderline.services.exception_queue import ExceptionState
from orderline.services.order_reads import HandoffState, OutboxState
from orderline.web.moments import JsonObject, UtcDatetime
from orderline.web.order_exceptions_api import ExceptionTypeName

Amount = Annotated[
    str,
    Field(
        description="A decimal amount in the order's currency, as text so it stays exact.", examples=["19.90"]
    ),
]
Team = Annotated[
    str, Field(description="The team that acts next: `operations`, `support` or a configured one.")
]


class OrderLine(BaseModel):
    line_id: str
    title: str
    sku: str | None
    quantity: int
    unit_price: Amount
    shipped_quantity: int
    refunded_quantity: int


class Shipment(BaseModel):
    """One parcel: the lines it carries and what its carrier last said of it."""

    shipment_id: str
    state: ShipmentState = Field(
        description="Whether it counts: a cancelled or failed shipment ships nothing."
    )
    lines: list[LineQuantity]
    tracking_numbers: list[str]
    carrier: str | None
    tracking_url: str | None
    delivery_status: DeliveryStatus | None = Field(description="The carrier's latest word; null before any.")
    created_at: UtcDatetime
    updated_at: UtcDatetime
    delivered_at: UtcDatetime | None


class Hold(BaseModel):
    """An open hold; released holds show only in the timeline."""

    hold_group: str
    reason: HoldReason
    owner: Team
    placed_at: UtcDatetime
    note: str | None


class Refund(BaseModel):
    refund_id: str
    created_at: UtcDatetime
    amount: Amount
    lines: list[LineQuantity]
    restock: bool


class Anomaly(BaseModel):
    """Something the facts say that the lifecycle does not expect; recorded, never raised."""

    kind: AnomalyKind
    detail: str
    at: UtcDatetime


class TimelineEntry(BaseModel):
    at: UtcDatetime
    kind: str = Field(
        description="What happened: the order's own history (`status_changed`, `shipment_created`...), "
        "an exception's (`exception_<action>`), a message's (`message_<state>`, `message_attempt`) "
        "a person's act on a delivery of the order, or a platform delivery behind it received "
        "(`delivery_received`: its inbox id, topic and ids; the body is in the web console)."
    )
    summary: str
    data: JsonObject = Field(description="The entry's details by name; which names depends on `kind`.")


class OrderException(BaseModel):
    """An exception of the order, open or resolved (the queue shows more of it)."""

    key: str
    type: ExceptionTypeName
    state: ExceptionState
    owner: Team
    opened_at: UtcDatetime
    reason: str
    hold: HoldReason | None = Field(description="The hold it places on the order while open, if any.")
    level_reached: int
    assignee: str | None
    acknowledged_by: str | None
    resolved_at: UtcDatetime | None
    resolution: str | None


class CustomerMessage(BaseModel):
    """A message to the buyer: decided, then delivered through the outbox."""

    id: int
    kind: MessageKind
    channel: str
    recipient: str | None
    state: OutboxState
    decided_at: UtcDatetime
    sent_at: UtcDatetime | None
    attempts: int
    subject: str | None
    idempotency_key: str
    remote_id: str | None
    last_error: str | None
    possible_duplicate: bool
    covers: list[str]


class OrderHandoff(BaseModel):
    """A request for a helpdesk ticket with the order's story; the worker makes it."""

    key: str
    helpdesk: str
    state: HandoffState
    reason: str
    requested_at: UtcDatetime
    requested_by: str | None = Field(description="The person who asked; null for an escalation.")
    ticket_id: str | None
    ticket_url: str | None
    attempts: int
    last_error: str | None


class OrderDetail(BaseModel):
    """The canonical order, its exceptions, its customer messages and support hand-offs;
    the timeline holds its history, its exceptions' and every message decision and attempt.
    Every moment is written in UTC with `Z`, whatever offset the platform sent."""

    store_id: str
    order_id: str
    order_number: str
    email: str | None
    currency: str
    total_price: Amount
    placed_at: UtcDatetime
    updated_at: UtcDatetime
    status: OrderStatus
    payment_status: PaymentStatus
    fulfillment_status: FulfillmentStatus
    owner: Team
    lines: list[OrderLine]
    shipments: list[Shipment]
    holds: list[Hold]
    refunds: list[Refund]
    cancelled_at: UtcDatetime | None
    cancel_reason: str | None
    shipping_address: Address | None
    anomalies: list[Anomaly]
    timeline: list[TimelineEntry]
    platform_status: str = Field(description="The platform's own status of the order, as it said it.")
    # Orders stored before Orderline read the platform's fulfilment rollup have neither.
    platform_fulfillment: FulfillmentStatus | None = Field(
        default=None,
        description="The platform's fulfilment rollup, when its latest snapshot is as new as "
        "every shipment Orderline knows.",
    )
    platform_claim_at: UtcDatetime | None = None
    # Orders stored before reconciliation existed have none of the drift fields.
    drift: list[DriftField] = Field(
        default_factory=list,
        description="Where the platform's view differed from Orderline's at the latest "
        "reconciliation observation: each field (`status`, `payment`, `cancelled`, `shipped`, "
        "`tracking`, `refunds`, `refunded`, `holds`) with both values as text.",
    )
    drift_changed_at: UtcDatetime | None = Field(
        default=None, description="When the platform's side of that drift last changed."
    )
    drift_observed_at: UtcDatetime | None = None
    exceptions: list[OrderException]
    messages: list[CustomerMessage]
    handoffs: list[OrderHandoff]
