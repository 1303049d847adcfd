"""A GraphQL Admin API Order node (as `bulk` selects it, reassembled) -> canonical facts.

The same facts the REST mapping (`orders.py`) gives for the same order: one
OrderSnapshot, a ShipmentRecorded per fulfillment and a RefundRecorded per refund, with
numeric ids taken from the gids, so an imported order and its webhooks converge. On top,
what only GraphQL shows: a HoldPlaced per hold still on one of the order's fulfillment
orders, dated by that fulfillment order's `updatedAt` (a FulfillmentHold carries no
timestamp of its own) — except Orderline's own holds written back (their `reasonNotes`
carry Orderline's marker, `domain.platform_writes`), which are not the platform's.

GraphQL spells enums in upper case and money as MoneyBags; everything is read back into
the REST vocabulary that `statuses` maps.
"""

from __future__ import annotations

from decimal import Decimal

from orderline.connectors.base import PayloadError
from orderline.connectors.limits import echo
from orderline.connectors.shopify.fields import (
    JsonObject,
    as_object,
    gid_tail,
    money,
    optional_datetime,
    optional_str,
    required_datetime,
    required_quantity,
    type_name,
)
from orderline.connectors.shopify.orders import GRAPHQL_ADDRESS, map_address, platform_fulfillment
from orderline.connectors.shopify.shipments import shipment_state
from orderline.connectors.shopify.statuses import (
    FINANCIAL_STATUS,
    SHIPMENT_STATUS,
    UNMAPPED_FINANCIAL_STATUS,
    hold_reason,
)
from orderline.domain.facts import (
    Fact,
    HoldPlaced,
    LineItem,
    LineQuantity,
    OrderSnapshot,
    RefundRecorded,
    ShipmentRecorded,
)
from orderline.domain.platform_writes import is_orderline_text
from orderline.domain.vocabulary import DeliveryStatus, FulfillmentStatus, PaymentStatus

# OrderDisplayFulfillmentStatus in the REST `fulfillment_status` vocabulary, so that
# `platform_status` reads the same whichever API the snapshot came from. Every status
# of an order with nothing shipped is REST's null.
_REST_FULFILLMENT_STATUS: dict[str, str | None] = {
    "FULFILLED": "fulfilled",
    "PARTIALLY_FULFILLED": "partial",
    "RESTOCKED": "restocked",
    "UNFULFILLED": None,
    "OPEN": None,
    "IN_PROGRESS": None,
    "ON_HOLD": None,
    "PENDING_FULFILLMENT": None,
    "SCHEDULED": None,
    "REQUEST_DECLINED": None,
}
_RESTOCKING_TYPES = frozenset({"RETURN", "CANCEL", "LEGACY_RESTOCK"})

IMPORT_TOPIC = "import/order"
"""The inbox topic of an order node fetched from the Admin API (import, backfill)."""


def map_order_node(node: JsonObject) -> list[Fact]:
    snapshot = map_order_node_snapshot(node)
    order_id = snapshot.order_id
    where = f"order {order_id}"
    facts: list[Fact] = [snapshot]
    facts.extend(_shipment(f, order_id) for f in _items(node, "fulfillments", where))
    facts.extend(_refund(r, order_id) for r in _items(node, "refunds", where))
    for fulfillment_order in _items(node, "fulfillmentOrders", where):
        facts.extend(_holds(fulfillment_order, order_id))
    return facts


def node_order_id(node: JsonObject) -> str:
    """The numeric order id: `legacyResourceId`, else the tail of the gid."""
    legacy = node.get("legacyResourceId")
    if legacy is not None:
        return gid_tail(legacy, "Order", "order: legacyResourceId")
    if node.get("id") is None:
        raise PayloadError("order: id and legacyResourceId are both missing")
    return gid_tail(node["id"], "Order", "order: id")


def map_order_node_snapshot(node: JsonObject) -> OrderSnapshot:
    order_id = node_order_id(node)
    where = f"order {order_id}"
    placed_at = optional_datetime(node, "createdAt", where) or optional_datetime(node, "processedAt", where)
    if placed_at is None:
        raise PayloadError(f"{where}: createdAt and processedAt are both missing")
    payment_status, unmapped = _payment_status(node, where)
    return OrderSnapshot(
        order_id=order_id,
        updated_at=required_datetime(node, "updatedAt", where),
        placed_at=placed_at,
        payment_status=payment_status,
        lines=tuple(_line(item, where) for item in _items(node, "lineItems", where)),
        order_number=optional_str(node, "name", where) or "",
        email=optional_str(node, "email", where),
        currency=optional_str(node, "currencyCode", where) or "",
        total_price=_shop_money(node, "totalPriceSet", where),
        cancelled_at=optional_datetime(node, "cancelledAt", where),
        cancel_reason=_lower(optional_str(node, "cancelReason", where)),
        shipping_address=map_address(
            node.get("shippingAddress"), f"{where}: shippingAddress", GRAPHQL_ADDRESS
        ),
        platform_status=_platform_status(node),
        tags=_tags(node, where),
        unmapped_status=unmapped,
        platform_fulfillment=_fulfillment_claim(node),
    )


def _payment_status(node: JsonObject, where: str) -> tuple[PaymentStatus, str | None]:
    status = optional_str(node, "displayFinancialStatus", where)
    if status is None:
        return UNMAPPED_FINANCIAL_STATUS, None
    mapped = FINANCIAL_STATUS.get(status.lower())
    if mapped is None:
        return UNMAPPED_FINANCIAL_STATUS, f"displayFinancialStatus={status}"
    return mapped, None


def _fulfillment_claim(node: JsonObject) -> FulfillmentStatus | None:
    """The display status read as REST would; GraphQL-only values (ON_HOLD...) claim nothing."""
    fulfillment = node.get("displayFulfillmentStatus")
    if not isinstance(fulfillment, str):
        return None
    rest = {"UNFULFILLED": None, "PARTIALLY_FULFILLED": "partial", "FULFILLED": "fulfilled"}
    if fulfillment not in rest:
        return None
    return platform_fulfillment(rest[fulfillment])


def _platform_status(node: JsonObject) -> str:
    """REST's `financial_status=…;fulfillment_status=…`, spelled as REST would."""
    financial = _lower(node.get("displayFinancialStatus"))
    fulfillment = node.get("displayFulfillmentStatus")
    rest_fulfillment = None
    if isinstance(fulfillment, str):
        rest_fulfillment = _REST_FULFILLMENT_STATUS.get(fulfillment, fulfillment.lower())
    return f"financial_status={financial or 'null'};fulfillment_status={rest_fulfillment or 'null'}"


def _line(item: JsonObject, where: str) -> LineItem:
    line_id = gid_tail(item.get("id"), "LineItem", f"{where}: line item id")
    where = f"{where}: line item {line_id}"
    return LineItem(
        line_id=line_id,
        title=optional_str(item, "title", where) or optional_str(item, "name", where) or "",
        quantity=required_quantity(item, "quantity", where),
        unit_price=_shop_money(item, "originalUnitPriceSet", where),
        sku=optional_str(item, "sku", where),
    )


def _shipment(fulfillment: JsonObject, order_id: str) -> ShipmentRecorded:
    shipment_id = gid_tail(fulfillment.get("id"), "Fulfillment", f"order {order_id}: fulfillment id")
    where = f"fulfillment {shipment_id}"
    tracking = _items(fulfillment, "trackingInfo", where)
    numbers = tuple(number for t in tracking if (number := optional_str(t, "number", where)))
    return ShipmentRecorded(
        order_id=order_id,
        shipment_id=shipment_id,
        updated_at=required_datetime(fulfillment, "updatedAt", where),
        created_at=required_datetime(fulfillment, "createdAt", where),
        lines=tuple(
            _line_quantity(item, where) for item in _items(fulfillment, "fulfillmentLineItems", where)
        ),
        state=shipment_state(fulfillment, where),
        tracking_numbers=numbers,
        carrier=_first_text(tracking, "company", where),
        tracking_url=_first_text(tracking, "url", where),
        delivery_status=_delivery_status(fulfillment, where),
    )


def _delivery_status(fulfillment: JsonObject, where: str) -> DeliveryStatus | None:
    # displayStatus folds the carrier's shipment status into one enum; its carrier
    # values are REST's shipment_status values in upper case. The rest (FULFILLED,
    # SUBMITTED, CANCELED, ...) carry no delivery news, as a REST null does.
    status = optional_str(fulfillment, "displayStatus", where)
    return None if status is None else SHIPMENT_STATUS.get(status.lower())


def _refund(refund: JsonObject, order_id: str) -> RefundRecorded:
    refund_id = gid_tail(refund.get("id"), "Refund", f"order {order_id}: refund id")
    where = f"refund {refund_id}"
    items = _items(refund, "refundLineItems", where)
    return RefundRecorded(
        order_id=order_id,
        refund_id=refund_id,
        created_at=required_datetime(refund, "createdAt", where),
        amount=_shop_money(refund, "totalRefundedSet", where),
        lines=tuple(_line_quantity(item, where) for item in items),
        restock=any(optional_str(item, "restockType", where) in _RESTOCKING_TYPES for item in items),
        note=optional_str(refund, "note", where),
    )


def _line_quantity(item: JsonObject, where: str) -> LineQuantity:
    line = as_object(item.get("lineItem"), f"{where}: lineItem")
    return LineQuantity(
        line_id=gid_tail(line.get("id"), "LineItem", f"{where}: lineItem.id"),
        quantity=required_quantity(item, "quantity", where),
    )


def _holds(fulfillment_order: JsonObject, order_id: str) -> list[HoldPlaced]:
    holds = _items(fulfillment_order, "fulfillmentHolds", f"order {order_id}: fulfillment order")
    if not holds:
        return []
    group = gid_tail(fulfillment_order.get("id"), "FulfillmentOrder", f"order {order_id}: fulfillment order")
    where = f"fulfillment order {group}"
    at = required_datetime(fulfillment_order, "updatedAt", where)
    placed = []
    for hold in holds:
        reason = optional_str(hold, "reason", where)
        if is_orderline_text(hold.get("reasonNotes")):
            continue  # Orderline's own hold written back (`writeback`): not the platform's
        placed.append(
            HoldPlaced(
                order_id=order_id,
                hold_group=group,
                reason=hold_reason(reason),
                placed_at=at,
                note=optional_str(hold, "reasonNotes", where),
                platform_reason=reason,
            )
        )
    return placed


def _tags(node: JsonObject, where: str) -> tuple[str, ...]:
    tags = node.get("tags")
    if tags is None:
        return ()
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise PayloadError(f"{where}: tags must be a list of strings, got {echo(tags)}")
    return tuple(tag.strip() for tag in tags if tag.strip())


def _shop_money(obj: JsonObject, key: str, where: str) -> Decimal:
    """The shop-currency amount of a MoneyBag (`{shopMoney {amount}}`); missing reads as 0."""
    bag = obj.get(key)
    if bag is None:
        return Decimal("0")
    shop_money = as_object(as_object(bag, f"{where}: {key}").get("shopMoney"), f"{where}: {key}.shopMoney")
    return money(shop_money, "amount", f"{where}: {key}.shopMoney")


def _items(obj: JsonObject, key: str, where: str) -> list[JsonObject]:
    """A list field or a connection (`nodes`, or `edges { node }`); missing or null is empty."""
    value = obj.get(key)
    if value is None:
        return []
    if isinstance(value, dict):
        nodes = value.get("nodes")
        if nodes is None:
            edges = value.get("edges") or []
            if not isinstance(edges, list):
                raise PayloadError(f"{where}: {key}.edges must be a list, got {type_name(edges)}")
            nodes = [as_object(edge, f"{where}: {key} edge").get("node") for edge in edges]
        value = nodes
    if not isinstance(value, list):
        raise PayloadError(f"{where}: {key} must be a list or a connection, got {type_name(value)}")
    if all(type(item) is dict for item in value):  # parsed JSON: skip the per-item checks
        return value
    return [as_object(item, f"{where}: {key}[{i}]") for i, item in enumerate(value)]


def _first_text(items: list[JsonObject], key: str, where: str) -> str | None:
    for item in items:
        text = optional_str(item, key, where)
        if text is not None:
            return text
    return None


def _lower(value: object) -> str | None:
    return value.lower() if isinstance(value, str) and value else None
