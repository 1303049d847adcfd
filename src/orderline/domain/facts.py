"""Canonical facts: what a connector tells the domain about an order.

A fact is immutable and self-describing. The order state is a pure function of the
*set* of facts known about an order (convergence): snapshots merge
last-writer-wins by the platform's own `updated_at`; shipments, refunds, delivery
events and holds merge as sets keyed by their platform ids.

Facts serialise to plain JSON-able dicts (`fact_to_dict` / `fact_from_dict`) so the
store can keep them, and each has a stable `fact_key` so that the same fact learned
twice (a duplicate delivery, `orders/paid` and `orders/updated` carrying the same
change) is stored once.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import Decimal
from typing import Any, get_args

from orderline.domain.vocabulary import (
    DeliveryStatus,
    FulfillmentStatus,
    HoldReason,
    PaymentStatus,
    ShipmentState,
)


@dataclass(frozen=True, slots=True)
class Address:
    name: str | None = None
    company: str | None = None
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    province: str | None = None
    postal_code: str | None = None
    country_code: str | None = None
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class LineItem:
    line_id: str
    title: str
    quantity: int
    unit_price: Decimal = Decimal("0")
    sku: str | None = None


@dataclass(frozen=True, slots=True)
class DriftField:
    """One field on which the platform's view of an order differs from Orderline's, with
    both values as readable text (`orderline.domain.reconciliation` makes them)."""

    field: str
    orderline: str
    platform: str

    @property
    def summary(self) -> str:
        """The readable diff of the field: "status: Orderline processing, platform cancelled"."""
        return f"{self.field}: Orderline {self.orderline}, platform {self.platform}"


@dataclass(frozen=True, slots=True)
class LineQuantity:
    """A quantity of one order line, as carried by a shipment or a refund."""

    line_id: str
    quantity: int


@dataclass(frozen=True, slots=True)
class OrderSnapshot:
    """The platform's full view of an order at `updated_at`; the latest one wins."""

    order_id: str
    updated_at: datetime
    placed_at: datetime
    payment_status: PaymentStatus
    lines: tuple[LineItem, ...]
    order_number: str = ""
    email: str | None = None
    currency: str = ""
    total_price: Decimal = Decimal("0")
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None
    shipping_address: Address | None = None
    platform_status: str = ""
    tags: tuple[str, ...] = ()
    platform_fulfillment: FulfillmentStatus | None = None
    """The platform's own fulfilment rollup (Shopify `fulfillment_status`, BigCommerce
    status 2/3), where it states one; a disagreement with the shipments is state drift."""
    unmapped_status: str | None = None
    """A platform status with no canonical mapping (neither built in nor in the store's
    status map); the order shows it as an `unmapped_status` anomaly, never a silent default."""

    @property
    def occurred_at(self) -> datetime:
        return self.updated_at


@dataclass(frozen=True, slots=True)
class ShipmentRecorded:
    """A shipment (Shopify fulfillment, BigCommerce shipment, Woo tracking item).

    Merged by `shipment_id`, last `updated_at` wins. `delivery_status`, when the
    platform reports one, counts as a delivery event at `updated_at`.
    """

    order_id: str
    shipment_id: str
    updated_at: datetime
    created_at: datetime
    lines: tuple[LineQuantity, ...]
    state: ShipmentState = ShipmentState.ACTIVE
    tracking_numbers: tuple[str, ...] = ()
    carrier: str | None = None
    tracking_url: str | None = None
    delivery_status: DeliveryStatus | None = None

    @property
    def occurred_at(self) -> datetime:
        return self.updated_at


@dataclass(frozen=True, slots=True)
class DeliveryEvent:
    """One carrier event for one shipment; merged as a set by `event_id`."""

    order_id: str
    shipment_id: str
    event_id: str
    status: DeliveryStatus
    happened_at: datetime
    message: str | None = None

    @property
    def occurred_at(self) -> datetime:
        return self.happened_at


@dataclass(frozen=True, slots=True)
class RefundRecorded:
    """A refund; merged as a set by `refund_id`."""

    order_id: str
    refund_id: str
    created_at: datetime
    amount: Decimal
    lines: tuple[LineQuantity, ...] = ()
    restock: bool = False
    note: str | None = None

    @property
    def occurred_at(self) -> datetime:
        return self.created_at


@dataclass(frozen=True, slots=True)
class HoldPlaced:
    """A hold on (part of) the order, e.g. on one Shopify fulfillment order.

    `hold_group` names what is held (a fulfillment order id, or "order"); one group
    may carry several reasons at once, each released separately.
    """

    order_id: str
    hold_group: str
    reason: HoldReason
    placed_at: datetime
    note: str | None = None
    platform_reason: str | None = None

    @property
    def occurred_at(self) -> datetime:
        return self.placed_at


@dataclass(frozen=True, slots=True)
class HoldsReleased:
    """Every hold of `hold_group` placed before `released_at` is released, except
    the reasons still listed in `remaining_reasons` (Shopify keeps a fulfillment
    order on hold until all of its holds are released)."""

    order_id: str
    hold_group: str
    released_at: datetime
    remaining_reasons: frozenset[HoldReason] = field(default_factory=frozenset)

    @property
    def occurred_at(self) -> datetime:
        return self.released_at


@dataclass(frozen=True, slots=True)
class DriftObserved:
    """A reconciliation sweep (or a support-tool check) saw the platform's view of the order
    differ from Orderline's on `fields`; no fields means it saw them agree. The latest
    observation wins. It changes nothing the status reads: the platform's answer heals the
    drift when it is folded as facts of its own."""

    order_id: str
    observed_at: datetime
    changed_at: datetime
    """When the platform's side last changed: the drift's "since"."""
    fields: tuple[DriftField, ...]
    source: str = "reconciliation"

    @property
    def occurred_at(self) -> datetime:
        return self.observed_at


Fact = (
    OrderSnapshot
    | ShipmentRecorded
    | DeliveryEvent
    | RefundRecorded
    | HoldPlaced
    | HoldsReleased
    | DriftObserved
)

FACT_TYPES: dict[str, type[Any]] = {cls.__name__: cls for cls in get_args(Fact)}
NESTED_TYPES: dict[str, type[Any]] = {
    cls.__name__: cls for cls in (Address, LineItem, LineQuantity, DriftField)
}


_FIELD_NAMES: dict[type[Any], tuple[str, ...]] = {}
_ENUM_FIELDS: dict[type[Any], tuple[tuple[str, Any], ...]] = {}


def _field_names(cls: type[Any]) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))
    return names


def _encode(value: Any) -> Any:
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is tuple:
        return [_encode(v) for v in value]
    if kind is datetime:
        return {"$dt": value.isoformat()}
    if kind is Decimal:
        return {"$dec": str(value)}
    if kind is frozenset:
        return {"$set": sorted(_encode(v) for v in value)}
    if kind.__name__ in NESTED_TYPES:
        return {"$t": kind.__name__, **{name: _encode(getattr(value, name)) for name in _field_names(kind)}}
    return value  # a StrEnum (a str)


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_decode(v) for v in value)
    if isinstance(value, dict):
        if "$dt" in value:
            return datetime.fromisoformat(value["$dt"])
        if "$dec" in value:
            return Decimal(value["$dec"])
        if "$set" in value:
            return frozenset(value["$set"])
        cls = NESTED_TYPES[value["$t"]]
        return cls(**{k: _decode(v) for k, v in value.items() if k != "$t"})
    return value


def _enum_fields(cls: type[Any]) -> tuple[tuple[str, Any], ...]:
    """(field name, enum class) for fields typed with one of our StrEnums."""
    if cls in _ENUM_FIELDS:
        return _ENUM_FIELDS[cls]
    enums = {
        "payment_status": PaymentStatus,
        "state": ShipmentState,
        "delivery_status": DeliveryStatus,
        "status": DeliveryStatus,
        "reason": HoldReason,
        "platform_fulfillment": FulfillmentStatus,
    }
    names = set(_field_names(cls))
    found = _ENUM_FIELDS[cls] = tuple((name, enum) for name, enum in enums.items() if name in names)
    return found


def fact_to_dict(fact: Fact) -> dict[str, Any]:
    """A JSON-able dict that `fact_from_dict` turns back into an equal fact."""
    body = {name: _encode(getattr(fact, name)) for name in _field_names(type(fact))}
    return {"type": type(fact).__name__, **body}


def fact_from_dict(data: dict[str, Any]) -> Fact:
    cls = FACT_TYPES[data["type"]]
    values = {k: _decode(v) for k, v in data.items() if k != "type"}
    for name, enum in _enum_fields(cls):
        if values.get(name) is not None:
            values[name] = enum(values[name])
    if "remaining_reasons" in values:
        values["remaining_reasons"] = frozenset(HoldReason(r) for r in values["remaining_reasons"])
    fact: Fact = cls(**values)
    return fact


def fact_key(fact: Fact) -> str:
    """A stable identity: the same content always gives the same key."""
    return fact_key_of(fact_to_dict(fact))


def fact_key_of(body: dict[str, Any]) -> str:
    """`fact_key` of a fact already turned into its dict (saves encoding it twice)."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]
