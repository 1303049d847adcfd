"""Shopify Order (the body of every orders/* topic) -> canonical facts.

One OrderSnapshot for the order itself, plus a ShipmentRecorded per embedded
fulfillment and a RefundRecorded per embedded refund: a snapshot that arrives alone
(its fulfillments/create lost or late) still tells the whole story.
"""

from __future__ import annotations

from typing import NamedTuple

from orderline.connectors.base import PayloadError
from orderline.connectors.limits import check_numeric_id
from orderline.connectors.shopify.fields import (
    JsonObject,
    as_object,
    money,
    object_list,
    optional_datetime,
    optional_str,
    required_id,
    required_quantity,
)
from orderline.connectors.shopify.refunds import map_refund
from orderline.connectors.shopify.shipments import map_fulfillment
from orderline.connectors.shopify.statuses import FINANCIAL_STATUS, UNMAPPED_FINANCIAL_STATUS
from orderline.domain.facts import Address, Fact, LineItem, OrderSnapshot
from orderline.domain.vocabulary import FulfillmentStatus, PaymentStatus


def map_order(body: JsonObject) -> list[Fact]:
    snapshot = map_order_snapshot(body)
    facts: list[Fact] = [snapshot]
    where = f"order {snapshot.order_id}"
    facts.extend(map_fulfillment(f, snapshot.order_id) for f in object_list(body, "fulfillments", where))
    facts.extend(map_refund(r, snapshot.order_id) for r in object_list(body, "refunds", where))
    return facts


def map_order_snapshot(body: JsonObject) -> OrderSnapshot:
    order_id = required_id(body, "id", "order")
    where = f"order {order_id}"
    updated_at = optional_datetime(body, "updated_at", where)
    if updated_at is None:
        raise PayloadError(f"{where}: updated_at is missing")
    placed_at = optional_datetime(body, "created_at", where) or optional_datetime(body, "processed_at", where)
    if placed_at is None:
        raise PayloadError(f"{where}: created_at and processed_at are both missing")
    return OrderSnapshot(
        order_id=order_id,
        updated_at=updated_at,
        placed_at=placed_at,
        payment_status=_payment_status(body, where),
        lines=tuple(
            _line(item, f"{where}: line_items[{i}]")
            for i, item in enumerate(object_list(body, "line_items", where))
        ),
        order_number=_order_number(body, where),
        email=optional_str(body, "email", where) or optional_str(body, "contact_email", where),
        currency=optional_str(body, "currency", where) or "",
        total_price=money(body, "total_price", where),
        cancelled_at=optional_datetime(body, "cancelled_at", where),
        cancel_reason=optional_str(body, "cancel_reason", where),
        shipping_address=map_address(body.get("shipping_address"), f"{where}: shipping_address"),
        platform_status=_platform_status(body),
        tags=_tags(body, where),
        unmapped_status=_unmapped_financial_status(body, where),
        platform_fulfillment=platform_fulfillment(body.get("fulfillment_status")),
    )


# REST `fulfillment_status`: null until something ships. "restocked" (returns) says
# nothing about what shipped, so it makes no claim.
_FULFILLMENT_CLAIMS = {
    None: FulfillmentStatus.UNFULFILLED,
    "partial": FulfillmentStatus.PARTIAL,
    "fulfilled": FulfillmentStatus.FULFILLED,
}


def platform_fulfillment(rest_value: object) -> FulfillmentStatus | None:
    """Shopify's own fulfilment rollup, in the REST spelling, as a canonical claim."""
    if rest_value is not None and not isinstance(rest_value, str):
        return None
    return _FULFILLMENT_CLAIMS.get(rest_value.lower() if rest_value else None)


def _unmapped_financial_status(body: JsonObject, where: str) -> str | None:
    """A financial_status Shopify may add later: shown as an anomaly, read as pending."""
    status = optional_str(body, "financial_status", where)
    if status is None or status.lower() in FINANCIAL_STATUS:
        return None
    return f"financial_status={status}"


def _payment_status(body: JsonObject, where: str) -> PaymentStatus:
    status = optional_str(body, "financial_status", where)
    if status is None:
        return UNMAPPED_FINANCIAL_STATUS
    return FINANCIAL_STATUS.get(status.lower(), UNMAPPED_FINANCIAL_STATUS)


def _platform_status(body: JsonObject) -> str:
    """The raw statuses, kept so an unmapped value is visible (and drift can show it)."""
    financial = body.get("financial_status")
    fulfillment = body.get("fulfillment_status")
    return f"financial_status={financial or 'null'};fulfillment_status={fulfillment or 'null'}"


def _order_number(body: JsonObject, where: str) -> str:
    name = optional_str(body, "name", where)
    if name is not None:
        return name
    number = body.get("order_number")
    if number is None:
        return ""
    return number if isinstance(number, str) else check_numeric_id(number, f"{where}: order_number")


def _line(item: JsonObject, where: str) -> LineItem:
    return LineItem(
        line_id=required_id(item, "id", where),
        title=optional_str(item, "title", where) or optional_str(item, "name", where) or "",
        quantity=required_quantity(item, "quantity", where),
        unit_price=money(item, "price", where),
        sku=optional_str(item, "sku", where),
    )


class AddressKeys(NamedTuple):
    """Where an address's name parts and country sit: REST and GraphQL spell them apart."""

    first_name: str = "first_name"
    last_name: str = "last_name"
    country_code: str = "country_code"


REST_ADDRESS = AddressKeys()
GRAPHQL_ADDRESS = AddressKeys("firstName", "lastName", "countryCodeV2")


def map_address(value: object, where: str, keys: AddressKeys = REST_ADDRESS) -> Address | None:
    if value is None:
        return None
    address = as_object(value, where)
    first = optional_str(address, keys.first_name, where)
    last = optional_str(address, keys.last_name, where)
    joined = " ".join(part for part in (first, last) if part) or None
    return Address(
        name=optional_str(address, "name", where) or joined,
        company=optional_str(address, "company", where),
        address1=optional_str(address, "address1", where),
        address2=optional_str(address, "address2", where),
        city=optional_str(address, "city", where),
        province=optional_str(address, "province", where),
        postal_code=optional_str(address, "zip", where),
        country_code=optional_str(address, keys.country_code, where),
        phone=optional_str(address, "phone", where),
    )


def _tags(body: JsonObject, where: str) -> tuple[str, ...]:
    tags = optional_str(body, "tags", where)
    if tags is None:
        return ()
    return tuple(tag.strip() for tag in tags.split(",") if tag.strip())
