"""Shopify Fulfillment (a shipment) -> ShipmentRecorded.

The same shape arrives as the body of fulfillments/create|update and embedded in
an Order's `fulfillments[]`.
"""

from __future__ import annotations

from orderline.connectors.base import PayloadError
from orderline.connectors.limits import echo
from orderline.connectors.shopify.fields import (
    JsonObject,
    object_list,
    optional_str,
    required_datetime,
    required_id,
    required_quantity,
    type_name,
)
from orderline.connectors.shopify.statuses import FULFILLMENT_STATE, SHIPMENT_STATUS
from orderline.domain.facts import LineQuantity, ShipmentRecorded
from orderline.domain.vocabulary import DeliveryStatus, ShipmentState


def map_fulfillment(body: JsonObject, order_id: str | None = None) -> ShipmentRecorded:
    """`order_id` is given for an embedded fulfillment (its parent order)."""
    fulfillment_id = required_id(body, "id", "fulfillment")
    where = f"fulfillment {fulfillment_id}"
    return ShipmentRecorded(
        order_id=order_id if order_id is not None else required_id(body, "order_id", where),
        shipment_id=fulfillment_id,
        updated_at=required_datetime(body, "updated_at", where),
        created_at=required_datetime(body, "created_at", where),
        lines=_shipped_lines(body, where),
        state=shipment_state(body, where),
        tracking_numbers=_tracking_numbers(body, where),
        carrier=optional_str(body, "tracking_company", where),
        tracking_url=_tracking_url(body, where),
        delivery_status=_delivery_status(body, where),
    )


def _shipped_lines(body: JsonObject, where: str) -> tuple[LineQuantity, ...]:
    return tuple(
        LineQuantity(
            line_id=required_id(item, "id", f"{where}: line_items[{i}]"),
            quantity=required_quantity(item, "quantity", f"{where}: line_items[{i}]"),
        )
        for i, item in enumerate(object_list(body, "line_items", where))
    )


def shipment_state(body: JsonObject, where: str) -> ShipmentState:
    """A fulfillment's `status` (REST and GraphQL spell it alike) as a shipment state."""
    status = optional_str(body, "status", where)
    if status is None:
        raise PayloadError(f"{where}: status is missing")
    state = FULFILLMENT_STATE.get(status.lower())
    if state is None:
        raise PayloadError(f"{where}: unknown fulfillment status {echo(status)}")
    return state


def _delivery_status(body: JsonObject, where: str) -> DeliveryStatus | None:
    # A carrier status Shopify adds later is informational; it must not block the
    # shipment itself, so an unknown value reads as "no delivery news".
    status = optional_str(body, "shipment_status", where)
    return None if status is None else SHIPMENT_STATUS.get(status.lower())


def _tracking_numbers(body: JsonObject, where: str) -> tuple[str, ...]:
    numbers = body.get("tracking_numbers")
    if isinstance(numbers, list) and numbers:
        for i, number in enumerate(numbers):
            if number is not None and not isinstance(number, str):
                raise PayloadError(
                    f"{where}: tracking_numbers[{i}] must be a string, got {type_name(number)}"
                )
        return tuple(n for n in numbers if n)
    single = optional_str(body, "tracking_number", where)
    return (single,) if single else ()


def _tracking_url(body: JsonObject, where: str) -> str | None:
    urls = body.get("tracking_urls")
    if isinstance(urls, list) and urls and isinstance(urls[0], str) and urls[0]:
        return urls[0]
    return optional_str(body, "tracking_url", where)
