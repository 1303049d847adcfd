"""The folded order: the one canonical state every reader sees.

An `Order` is never edited; `orderline.domain.fold.fold` builds it from the set of
facts known about the order. `order_to_dict` / `order_from_dict` give the JSON-able
form the API and the store projection use: ISO datetimes, decimals as strings, enums
as their values, timeline data as an object.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal
from typing import Any

from orderline.domain.facts import (
    Address,
    DriftField,
    LineItem,
    LineQuantity,
    RefundRecorded,
    ShipmentRecorded,
)
from orderline.domain.vocabulary import (
    AnomalyKind,
    DeliveryStatus,
    FulfillmentStatus,
    HoldReason,
    OrderStatus,
    PaymentStatus,
    ShipmentState,
)


@dataclass(frozen=True, slots=True)
class OrderLine:
    line_id: str
    title: str
    sku: str | None
    quantity: int
    unit_price: Decimal
    shipped_quantity: int
    refunded_quantity: int

    @classmethod
    def from_item(cls, item: LineItem, shipped_quantity: int, refunded_quantity: int) -> OrderLine:
        return cls(
            item.line_id,
            item.title,
            item.sku,
            item.quantity,
            item.unit_price,
            shipped_quantity,
            refunded_quantity,
        )


@dataclass(frozen=True, slots=True)
class Shipment:
    shipment_id: str
    state: ShipmentState
    lines: tuple[LineQuantity, ...]
    tracking_numbers: tuple[str, ...]
    carrier: str | None
    tracking_url: str | None
    delivery_status: DeliveryStatus | None
    created_at: datetime
    updated_at: datetime
    delivered_at: datetime | None

    @classmethod
    def from_record(
        cls, record: ShipmentRecorded, delivery_status: DeliveryStatus | None, delivered_at: datetime | None
    ) -> Shipment:
        """The merged shipment: the winning record, with the delivery status of its events."""
        return cls(
            shipment_id=record.shipment_id,
            state=record.state,
            lines=record.lines,
            tracking_numbers=record.tracking_numbers,
            carrier=record.carrier,
            tracking_url=record.tracking_url,
            delivery_status=delivery_status,
            created_at=record.created_at,
            updated_at=record.updated_at,
            delivered_at=delivered_at,
        )


HOLD_GROUP_PREFIX = "orderline:"
"""The hold groups of the holds Orderline places itself (`orderline:<exception key>`)."""


@dataclass(frozen=True, slots=True)
class Hold:
    """An open hold; released holds live only in the timeline."""

    hold_group: str
    reason: HoldReason
    owner: str
    placed_at: datetime
    note: str | None

    @property
    def is_placed_by_orderline(self) -> bool:
        """Whether Orderline placed this hold itself (the platform did not)."""
        return self.hold_group.startswith(HOLD_GROUP_PREFIX)


@dataclass(frozen=True, slots=True)
class Refund:
    refund_id: str
    created_at: datetime
    amount: Decimal
    lines: tuple[LineQuantity, ...]
    restock: bool

    @classmethod
    def from_fact(cls, fact: RefundRecorded) -> Refund:
        return cls(fact.refund_id, fact.created_at, fact.amount, fact.lines, fact.restock)


@dataclass(frozen=True, slots=True)
class Anomaly:
    """Something the facts say that the lifecycle does not expect; recorded, never raised."""

    kind: AnomalyKind
    detail: str
    at: datetime


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One line of the order's history. `data` pairs are sorted by key."""

    at: datetime
    kind: str
    summary: str
    data: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Order:
    """One order as everyone sees it. Everything but `status`, `payment_status`,
    `fulfillment_status`, `owner` and the quantities comes from the latest snapshot;
    `updated_at` is the time of the latest fact of any kind (a carrier scan counts) but a
    `DriftObserved`, which says nothing new about the order itself.
    Tuples are in a stable order: shipments and refunds by creation time, holds by
    placement time, anomalies and the timeline by `at`."""

    store_id: str
    order_id: str
    order_number: str
    email: str | None
    currency: str
    total_price: Decimal
    placed_at: datetime
    updated_at: datetime
    status: OrderStatus
    payment_status: PaymentStatus
    fulfillment_status: FulfillmentStatus
    owner: str
    lines: tuple[OrderLine, ...]
    shipments: tuple[Shipment, ...]
    holds: tuple[Hold, ...]
    refunds: tuple[Refund, ...]
    cancelled_at: datetime | None
    cancel_reason: str | None
    shipping_address: Address | None
    anomalies: tuple[Anomaly, ...]
    timeline: tuple[TimelineEntry, ...]
    platform_status: str
    platform_fulfillment: FulfillmentStatus | None = None
    """The platform's fulfilment rollup, when its latest snapshot is at least as new as every
    shipment Orderline knows (an older claim says nothing about the present)."""
    platform_claim_at: datetime | None = None
    drift: tuple[DriftField, ...] = ()
    """Where the platform's view differed from Orderline's at the latest reconciliation
    observation (`DriftObserved`); the state_drift detector reports what still differs."""
    drift_changed_at: datetime | None = None
    drift_observed_at: datetime | None = None


# --- to JSON-able dict ---------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _line_quantities_to_list(lines: tuple[LineQuantity, ...]) -> list[dict[str, Any]]:
    return [{"line_id": lq.line_id, "quantity": lq.quantity} for lq in lines]


def _address_to_dict(address: Address | None) -> dict[str, Any] | None:
    if address is None:
        return None
    return {f.name: getattr(address, f.name) for f in fields(address)}


def _line_to_dict(line: OrderLine) -> dict[str, Any]:
    return {
        "line_id": line.line_id,
        "title": line.title,
        "sku": line.sku,
        "quantity": line.quantity,
        "unit_price": str(line.unit_price),
        "shipped_quantity": line.shipped_quantity,
        "refunded_quantity": line.refunded_quantity,
    }


def _shipment_to_dict(shipment: Shipment) -> dict[str, Any]:
    return {
        "shipment_id": shipment.shipment_id,
        "state": shipment.state.value,
        "lines": _line_quantities_to_list(shipment.lines),
        "tracking_numbers": list(shipment.tracking_numbers),
        "carrier": shipment.carrier,
        "tracking_url": shipment.tracking_url,
        "delivery_status": None if shipment.delivery_status is None else shipment.delivery_status.value,
        "created_at": _iso(shipment.created_at),
        "updated_at": _iso(shipment.updated_at),
        "delivered_at": _iso(shipment.delivered_at),
    }


def _hold_to_dict(hold: Hold) -> dict[str, Any]:
    return {
        "hold_group": hold.hold_group,
        "reason": hold.reason.value,
        "owner": hold.owner,
        "placed_at": _iso(hold.placed_at),
        "note": hold.note,
    }


def _refund_to_dict(refund: Refund) -> dict[str, Any]:
    return {
        "refund_id": refund.refund_id,
        "created_at": _iso(refund.created_at),
        "amount": str(refund.amount),
        "lines": _line_quantities_to_list(refund.lines),
        "restock": refund.restock,
    }


def _anomaly_to_dict(anomaly: Anomaly) -> dict[str, Any]:
    return {"kind": anomaly.kind.value, "detail": anomaly.detail, "at": _iso(anomaly.at)}


def _entry_to_dict(entry: TimelineEntry) -> dict[str, Any]:
    return {"at": _iso(entry.at), "kind": entry.kind, "summary": entry.summary, "data": dict(entry.data)}


def order_to_dict(order: Order) -> dict[str, Any]:
    """The JSON-able form of `order`; `order_from_dict` turns it back into an equal Order."""
    return {
        "store_id": order.store_id,
        "order_id": order.order_id,
        "order_number": order.order_number,
        "email": order.email,
        "currency": order.currency,
        "total_price": str(order.total_price),
        "placed_at": _iso(order.placed_at),
        "updated_at": _iso(order.updated_at),
        "status": order.status.value,
        "payment_status": order.payment_status.value,
        "fulfillment_status": order.fulfillment_status.value,
        "owner": order.owner,
        "lines": [_line_to_dict(line) for line in order.lines],
        "shipments": [_shipment_to_dict(shipment) for shipment in order.shipments],
        "holds": [_hold_to_dict(hold) for hold in order.holds],
        "refunds": [_refund_to_dict(refund) for refund in order.refunds],
        "cancelled_at": _iso(order.cancelled_at),
        "cancel_reason": order.cancel_reason,
        "shipping_address": _address_to_dict(order.shipping_address),
        "anomalies": [_anomaly_to_dict(anomaly) for anomaly in order.anomalies],
        "timeline": [_entry_to_dict(entry) for entry in order.timeline],
        "platform_status": order.platform_status,
        "platform_fulfillment": order.platform_fulfillment.value if order.platform_fulfillment else None,
        "platform_claim_at": _iso(order.platform_claim_at),
        "drift": [_drift_to_dict(item) for item in order.drift],
        "drift_changed_at": _iso(order.drift_changed_at),
        "drift_observed_at": _iso(order.drift_observed_at),
    }


def _drift_to_dict(item: DriftField) -> dict[str, str]:
    return {"field": item.field, "orderline": item.orderline, "platform": item.platform}


# --- from dict -------------------------------------------------------------------------


def _dt(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _opt_dt(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _line_quantities_from_list(items: list[dict[str, Any]]) -> tuple[LineQuantity, ...]:
    return tuple(LineQuantity(line_id=item["line_id"], quantity=item["quantity"]) for item in items)


def _line_from_dict(data: dict[str, Any]) -> OrderLine:
    return OrderLine(
        line_id=data["line_id"],
        title=data["title"],
        sku=data["sku"],
        quantity=data["quantity"],
        unit_price=Decimal(data["unit_price"]),
        shipped_quantity=data["shipped_quantity"],
        refunded_quantity=data["refunded_quantity"],
    )


def _shipment_from_dict(data: dict[str, Any]) -> Shipment:
    delivery_status = data["delivery_status"]
    return Shipment(
        shipment_id=data["shipment_id"],
        state=ShipmentState(data["state"]),
        lines=_line_quantities_from_list(data["lines"]),
        tracking_numbers=tuple(data["tracking_numbers"]),
        carrier=data["carrier"],
        tracking_url=data["tracking_url"],
        delivery_status=None if delivery_status is None else DeliveryStatus(delivery_status),
        created_at=_dt(data["created_at"]),
        updated_at=_dt(data["updated_at"]),
        delivered_at=_opt_dt(data["delivered_at"]),
    )


def _hold_from_dict(data: dict[str, Any]) -> Hold:
    return Hold(
        hold_group=data["hold_group"],
        reason=HoldReason(data["reason"]),
        owner=data["owner"],
        placed_at=_dt(data["placed_at"]),
        note=data["note"],
    )


def _refund_from_dict(data: dict[str, Any]) -> Refund:
    return Refund(
        refund_id=data["refund_id"],
        created_at=_dt(data["created_at"]),
        amount=Decimal(data["amount"]),
        lines=_line_quantities_from_list(data["lines"]),
        restock=data["restock"],
    )


def _anomaly_from_dict(data: dict[str, Any]) -> Anomaly:
    return Anomaly(kind=AnomalyKind(data["kind"]), detail=data["detail"], at=_dt(data["at"]))


def _entry_from_dict(data: dict[str, Any]) -> TimelineEntry:
    # Sorted because some stores (PostgreSQL jsonb) do not keep an object's key order.
    pairs = tuple(sorted((str(k), str(v)) for k, v in data["data"].items()))
    return TimelineEntry(at=_dt(data["at"]), kind=data["kind"], summary=data["summary"], data=pairs)


def order_from_dict(data: dict[str, Any]) -> Order:
    address = data["shipping_address"]
    return Order(
        store_id=data["store_id"],
        order_id=data["order_id"],
        order_number=data["order_number"],
        email=data["email"],
        currency=data["currency"],
        total_price=Decimal(data["total_price"]),
        placed_at=_dt(data["placed_at"]),
        updated_at=_dt(data["updated_at"]),
        status=OrderStatus(data["status"]),
        payment_status=PaymentStatus(data["payment_status"]),
        fulfillment_status=FulfillmentStatus(data["fulfillment_status"]),
        owner=data["owner"],
        lines=tuple(_line_from_dict(item) for item in data["lines"]),
        shipments=tuple(_shipment_from_dict(item) for item in data["shipments"]),
        holds=tuple(_hold_from_dict(item) for item in data["holds"]),
        refunds=tuple(_refund_from_dict(item) for item in data["refunds"]),
        cancelled_at=_opt_dt(data["cancelled_at"]),
        cancel_reason=data["cancel_reason"],
        shipping_address=None if address is None else Address(**address),
        anomalies=tuple(_anomaly_from_dict(item) for item in data["anomalies"]),
        timeline=tuple(_entry_from_dict(item) for item in data["timeline"]),
        platform_status=data["platform_status"],
        platform_fulfillment=_opt_fulfillment(data.get("platform_fulfillment")),
        platform_claim_at=_opt_dt(data.get("platform_claim_at")),
        # States stored before reconciliation existed have no drift keys.
        drift=tuple(DriftField(**item) for item in data.get("drift", ())),
        drift_changed_at=_opt_dt(data.get("drift_changed_at")),
        drift_observed_at=_opt_dt(data.get("drift_observed_at")),
    )


def _opt_fulfillment(value: str | None) -> FulfillmentStatus | None:
    return None if value is None else FulfillmentStatus(value)
