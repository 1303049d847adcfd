"""V2 shipments -> ShipmentRecorded, and what 10 Completed says about their delivery.

A V2 shipment has `date_created` but no modification date, so a shipment record is dated
by its creation, with one exception: the `store/shipment/updated` delivery that names
it dates it at the hook's `created_at`. That way an edited shipment (a corrected tracking
number) always outranks what was read before the edit, whichever delivery is processed
first, and an unedited shipment re-read by every later delivery is the same fact again.

`store/shipment/deleted` names a shipment that is no longer listed; it is recorded as
cancelled at the hook's time (BigCommerce keeps the order in Shipped; Orderline stops
counting the units, which is what drift detection should show).

BigCommerce has no carrier events. 10 Completed is the nearest delivery signal (for
physical goods: "shipped/picked up, and receipt is confirmed"), so a completed order
marks every listed shipment delivered at the order's `date_modified`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from orderline.connectors.bigcommerce.fields import (
    JsonObject,
    object_list,
    optional_str,
    required_id,
    required_quantity,
    required_rfc2822_datetime,
)
from orderline.domain.facts import DeliveryEvent, LineQuantity, ShipmentRecorded
from orderline.domain.vocabulary import DeliveryStatus, ShipmentState


@dataclass(frozen=True, slots=True)
class ShipmentTouch:
    """The shipment a `store/shipment/updated|deleted` delivery names, and when."""

    shipment_id: str
    at: datetime
    is_deleted: bool


def map_shipment(row: JsonObject, order_id: str, touch: ShipmentTouch | None) -> ShipmentRecorded:
    shipment_id = str(required_id(row, "id", f"order {order_id}: shipment"))
    where = f"order {order_id}: shipment {shipment_id}"
    created_at = required_rfc2822_datetime(row, "date_created", where)
    updated_at = created_at
    if touch is not None and touch.shipment_id == shipment_id:
        updated_at = max(created_at, touch.at)
    tracking_number = optional_str(row, "tracking_number", where)
    return ShipmentRecorded(
        order_id=order_id,
        shipment_id=shipment_id,
        updated_at=updated_at,
        created_at=created_at,
        lines=tuple(
            _item(item, f"{where}: items") for item in object_list(row.get("items"), f"{where}: items")
        ),
        tracking_numbers=(tracking_number,) if tracking_number else (),
        carrier=_carrier(row, where),
        tracking_url=optional_str(row, "generated_tracking_link", where)
        or optional_str(row, "tracking_link", where),
    )


def deleted_shipment(order_id: str, touch: ShipmentTouch) -> ShipmentRecorded:
    return ShipmentRecorded(
        order_id=order_id,
        shipment_id=touch.shipment_id,
        updated_at=touch.at,
        created_at=touch.at,
        lines=(),
        state=ShipmentState.CANCELLED,
    )


def completion_events(shipments: Sequence[ShipmentRecorded], at: datetime) -> list[DeliveryEvent]:
    return [
        DeliveryEvent(
            order_id=shipment.order_id,
            shipment_id=shipment.shipment_id,
            event_id=f"bc-completed:{shipment.shipment_id}",
            status=DeliveryStatus.DELIVERED,
            happened_at=at,
            message="order Completed (status_id=10)",
        )
        for shipment in shipments
        if shipment.state is ShipmentState.ACTIVE
    ]


def _item(item: JsonObject, where: str) -> LineQuantity:
    return LineQuantity(
        line_id=str(required_id(item, "order_product_id", where)),
        quantity=required_quantity(item, "quantity", where),
    )


def _carrier(row: JsonObject, where: str) -> str | None:
    """The carrier as the merchant named it; `shipping_provider` is a code ("usps")."""
    return (
        optional_str(row, "tracking_carrier", where)
        or optional_str(row, "shipping_provider_display_name", where)
        or optional_str(row, "shipping_provider", where)
    )
