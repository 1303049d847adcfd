"""Shipments of a WooCommerce order: what each source can and cannot tell.

Core WooCommerce has no shipment object; three sources exist (reference §2.4):

- **Tracking items** (WooCommerce Shipment Tracking / Advanced Shipment Tracking) in the
  order meta `_wc_shipment_tracking_items`: a parcel with a carrier and a number, but
  no per-item quantities. Each becomes a ShipmentRecorded `tracking-{tracking_id}` with
  `lines=()`: it lists the parcel honestly and ships no units, because which units it
  carries is unknown. Its times are the item's own `date_shipped`, so every snapshot
  restates it identically (stored once). Only a status that says "delivered" re-dates
  it, to record that news. An item later deleted from the meta stays recorded (no
  snapshot names it any more); drift checks and reconciliation show the difference.
- **The status**: `completed` (or a status mapped to shipped/delivered, and
  ready-for-pickup) claims every unit left. That claim becomes one synthetic shipment
  `woo-completed` covering every line in full, dated `date_completed_gmt`. When a later
  status withdraws the claim (completed -> processing, refunded, cancelled) while
  `date_completed_gmt` shows it was made, the synthetic shipment is recorded
  *cancelled*: it stands for the status claim, not for a parcel, and a claim withdrawn
  ships nothing. This is a pure function of each snapshot, so snapshots converge in any
  order. A status mapped to partially_shipped adds nothing: without quantities the
  tracked parcels cannot say which units left, so the order reads ready_to_fulfill with
  the parcels listed (use core Fulfillments for exact partial shipments).
- **Core Fulfillments** (WC >= 10.1, behind a feature flag): exact per-line quantities
  in `_items`. When an order body carries fulfillments with item allocations they are
  the shipment truth, and the status claim is not added on top (it would ship every
  unit twice; like a withdrawn claim it is recorded cancelled once `date_completed_gmt`
  is set). Whether order bodies embed a `fulfillments` list is not documented: it is
  read when present (VERIFY on a store with the feature on).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from orderline.connectors.base import PayloadError
from orderline.connectors.limits import check_moment, check_quantity, check_string_id, echo, is_numeric_id
from orderline.connectors.payload import parse_unix_datetime
from orderline.connectors.woocommerce.fields import (
    JsonObject,
    as_object,
    meta_value,
    object_list,
    optional_str,
    parse_gmt,
    required_gmt,
    required_id,
    type_name,
)
from orderline.connectors.woocommerce.order_view import OrderView
from orderline.connectors.woocommerce.statuses import FULFILLED_MEANINGS, Meaning
from orderline.domain.facts import LineQuantity, ShipmentRecorded
from orderline.domain.vocabulary import DeliveryStatus, ShipmentState

TRACKING_META = "_wc_shipment_tracking_items"
COMPLETION_SHIPMENT_ID = "woo-completed"
_PICKUP_METHODS = ("local_pickup", "pickup_location")


def order_shipments(order: OrderView) -> list[ShipmentRecorded]:
    """Every shipment the snapshot shows, in a stable order."""
    delivery = _delivery_status(order)
    shipments = [
        _tracking_shipment(item, i, order, delivery) for i, item in enumerate(_tracking_items(order))
    ]
    fulfillments = [
        map_fulfillment(f, order.order_id) for f in object_list(order.body, "fulfillments", order.where)
    ]
    shipments.extend(fulfillments)
    is_allocated = any(f.lines for f in fulfillments if f.state is ShipmentState.ACTIVE)
    completion = _completion_shipment(order, shipments, delivery, is_allocated)
    if completion is not None:
        shipments.append(completion)
    return shipments


def _delivery_status(order: OrderView) -> DeliveryStatus | None:
    """What the status says about delivery: delivered (a plugin `delivered`, or a local
    pickup order completed = picked up), or waiting at the pickup point."""
    if order.meaning is Meaning.DELIVERED:
        return DeliveryStatus.DELIVERED
    if order.meaning is Meaning.AT_PICKUP:
        # As Shopify's `ready_for_pickup`: the last step before the buyer has it.
        return DeliveryStatus.OUT_FOR_DELIVERY
    if order.meaning is Meaning.SHIPPED and _is_local_pickup(order):
        return DeliveryStatus.DELIVERED
    return None


def _is_local_pickup(order: OrderView) -> bool:
    for i, line in enumerate(object_list(order.body, "shipping_lines", order.where)):
        method = optional_str(line, "method_id", f"{order.where}: shipping_lines[{i}]") or ""
        if method.split(":", 1)[0] in _PICKUP_METHODS:
            return True
    return False


# --- tracking items ------------------------------------------------------------------


def _tracking_items(order: OrderView) -> list[JsonObject]:
    where = f"{order.where}: meta {TRACKING_META}"
    value = meta_value(order.body, TRACKING_META, order.where)
    if value is None or value == "":
        return []
    if isinstance(value, dict):  # PHP arrays with non-sequential keys serialise as objects
        value = list(value.values())
    if not isinstance(value, list):
        raise PayloadError(f"{where}: expected a list of tracking items, got {type_name(value)}")
    return [as_object(item, f"{where}[{i}]") for i, item in enumerate(value)]


def _tracking_shipment(
    item: JsonObject, index: int, order: OrderView, delivery: DeliveryStatus | None
) -> ShipmentRecorded:
    where = f"{order.where}: tracking item {index}"
    number = optional_str(item, "tracking_number", where)
    tracking_id = optional_str(item, "tracking_id", where) or number
    if tracking_id is None:
        raise PayloadError(f"{where}: has neither tracking_id nor tracking_number")
    tracking_id = check_string_id(tracking_id, f"{where}: tracking_id")
    shipped_at = _moment(item.get("date_shipped"), f"{where}: date_shipped") or order.updated_at
    # A date-only `date_shipped` can fall before the order was placed (midnight).
    stable_at = max(shipped_at, order.placed_at)
    return ShipmentRecorded(
        order_id=order.order_id,
        shipment_id=f"tracking-{tracking_id}",
        updated_at=order.updated_at if delivery is not None else stable_at,
        created_at=shipped_at,
        lines=(),
        tracking_numbers=(number,) if number else (),
        carrier=optional_str(item, "custom_tracking_provider", where)
        or optional_str(item, "tracking_provider", where),
        # Only a custom provider's link is stored; the plugin builds the others from its
        # provider table at display time.
        tracking_url=optional_str(item, "custom_tracking_link", where),
        delivery_status=delivery,
    )


def _moment(value: Any, where: str) -> datetime | None:
    """A Unix timestamp (int or digit string, as the tracking plugins store
    `date_shipped`), a date ("YYYY-MM-DD", as their REST API shows it) or a date-time."""
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return parse_unix_datetime(value, where)
    if isinstance(value, str) and is_numeric_id(value.strip()):
        return parse_unix_datetime(int(value.strip()), where)
    if isinstance(value, str):
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            return parse_gmt(value, where)
        return check_moment(datetime(day.year, day.month, day.day, tzinfo=UTC), value, where)
    raise PayloadError(f"{where}: expected a Unix timestamp or a date, got {echo(value)}")


# --- the status claim ------------------------------------------------------------------


def _completion_shipment(
    order: OrderView, others: list[ShipmentRecorded], delivery: DeliveryStatus | None, is_allocated: bool
) -> ShipmentRecorded | None:
    if order.meaning is Meaning.UNMAPPED:
        return None  # an unknown status neither claims nor withdraws anything
    claims = order.meaning in FULFILLED_MEANINGS and not is_allocated
    if not claims and order.completed_at is None:
        return None
    created_at = order.completed_at or _first_shipped(others) or order.updated_at
    if not claims:
        return _completion(order, created_at, order.updated_at, ShipmentState.CANCELLED, None)
    # Restated identically by every later snapshot (stored once) unless it carries news.
    updated_at = order.updated_at if delivery is not None else created_at
    return _completion(order, created_at, updated_at, ShipmentState.ACTIVE, delivery)


def _completion(
    order: OrderView,
    created_at: datetime,
    updated_at: datetime,
    state: ShipmentState,
    delivery: DeliveryStatus | None,
) -> ShipmentRecorded:
    return ShipmentRecorded(
        order_id=order.order_id,
        shipment_id=COMPLETION_SHIPMENT_ID,
        updated_at=max(updated_at, order.placed_at),
        created_at=created_at,
        lines=tuple(LineQuantity(line.line_id, line.quantity) for line in order.lines if line.quantity > 0),
        state=state,
        delivery_status=delivery,
    )


def _first_shipped(shipments: list[ShipmentRecorded]) -> datetime | None:
    active = [s.created_at for s in shipments if s.state is ShipmentState.ACTIVE]
    return min(active) if active else None


# --- core fulfillments -----------------------------------------------------------------


def map_fulfillment(body: JsonObject, order_id: str | None = None) -> ShipmentRecorded:
    """A core order fulfillment (`/wc/v3/orders/{id}/fulfillments[/{fid}]`).

    `order_id` is given for one embedded in an order; otherwise `entity_id` names it.
    A soft-deleted fulfillment, or one not (or no longer) fulfilled, is recorded
    cancelled: ShipmentState has no "draft", and cancelled is the state that ships
    nothing — recording it rather than skipping it lets a revert un-ship. Its dates
    carry no offset and are read as UTC (VERIFY on a live store).
    """
    fulfillment_id = required_id(body, "id", "fulfillment")
    where = f"fulfillment {fulfillment_id}"
    updated_at = required_gmt(body, "date_updated", where)
    is_active = body.get("is_fulfilled") is True and body.get("date_deleted") in (None, "")
    tracking_number = _meta_str(body, "_tracking_number", where)
    return ShipmentRecorded(
        order_id=order_id if order_id is not None else _entity_order_id(body, where),
        shipment_id=f"fulfillment-{fulfillment_id}",
        updated_at=updated_at,
        created_at=_moment(meta_value(body, "_date_fulfilled", where), f"{where}: _date_fulfilled")
        or updated_at,
        lines=_allocated_lines(body, where),
        state=ShipmentState.ACTIVE if is_active else ShipmentState.CANCELLED,
        tracking_numbers=(tracking_number,) if tracking_number else (),
        # The README names the meta `_shipment_provider`, the REST docs `_shipping_provider`.
        carrier=_meta_str(body, "_shipping_provider", where) or _meta_str(body, "_shipment_provider", where),
        tracking_url=_meta_str(body, "_tracking_url", where),
    )


def _entity_order_id(body: JsonObject, where: str) -> str:
    entity_type = optional_str(body, "entity_type", where)
    if entity_type not in (None, "WC_Order"):
        raise PayloadError(f"{where}: entity_type {echo(entity_type)} is not an order")
    return required_id(body, "entity_id", where)


def _allocated_lines(body: JsonObject, where: str) -> tuple[LineQuantity, ...]:
    items = meta_value(body, "_items", where)
    if items is None or items == "":
        return ()
    if not isinstance(items, list):
        raise PayloadError(f"{where}: meta _items must be a list, got {type_name(items)}")
    lines = []
    for i, raw in enumerate(items):
        item = as_object(raw, f"{where}: _items[{i}]")
        quantity = check_quantity(item.get("qty"), f"{where}: _items[{i}]: qty")
        lines.append(LineQuantity(required_id(item, "item_id", f"{where}: _items[{i}]"), quantity))
    return tuple(lines)


def _meta_str(body: JsonObject, key: str, where: str) -> str | None:
    value = meta_value(body, key, where)
    if value is None or value == "":
        return None
    if not isinstance(value, str | int):
        raise PayloadError(f"{where}: meta {key} must be a string, got {type_name(value)}")
    return str(value)
