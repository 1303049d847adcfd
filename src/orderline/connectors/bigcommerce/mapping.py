"""Which scope carries what, and the fetch every order delivery needs.

BigCommerce webhooks are thin (ids only), so each order or shipment delivery is mapped
by reading the order as it is *now*: `GET /v2/orders/{id}`, its products and shipments,
and its V3 refunds when money went back. A late or duplicated delivery therefore never
carries stale data; it just re-reads the current state (facts are a set, so reading
the same state twice adds nothing).

- `store/order/*` (created, updated, statusUpdated, refund/created, message/created,
  transaction/*, metafield/*): the order named by `data.id`, or by `data.order_id` in
  the transaction bodies, whose `data` describes the transaction.
- `store/shipment/*`: the order named by `data.orderId`.
- `store/order/archived`: ignored; archiving hides an order, it changes nothing about it.
- Any other scope (carts, products, customers): ignored.
- The order answers 404: ignored ("order gone"). Still at 0 Incomplete: ignored until it
  leaves 0, when the next hook reads it again.
"""

from __future__ import annotations

from dataclasses import dataclass

from orderline.connectors.base import MappedDelivery, PayloadError
from orderline.connectors.bigcommerce.client import BigCommerceClient, JsonDict
from orderline.connectors.bigcommerce.delivery_meta import ThinPayload, order_id_of
from orderline.connectors.bigcommerce.fields import JsonObject, money, object_list, required_id
from orderline.connectors.bigcommerce.holds import status_holds
from orderline.connectors.bigcommerce.orders import map_snapshot, status_id_of
from orderline.connectors.bigcommerce.refunds import map_refunds
from orderline.connectors.bigcommerce.rest import NotFound
from orderline.connectors.bigcommerce.shipments import (
    ShipmentTouch,
    completion_events,
    deleted_shipment,
    map_shipment,
)
from orderline.connectors.bigcommerce.statuses import INCOMPLETE, STATUSES
from orderline.domain.facts import Fact

IGNORED_SCOPES: dict[str, str] = {
    "store/order/archived": "order archived: archiving hides an order and changes nothing about it",
}


@dataclass(frozen=True, slots=True)
class FetchedOrder:
    """An order as the API returned it, with the sub-resources mapping needs."""

    order: JsonDict
    products: list[JsonDict]
    shipments: list[JsonDict]
    refunds: list[JsonDict]


def map_thin_delivery(payload: ThinPayload, client: BigCommerceClient) -> MappedDelivery:
    scope = payload.store_scope
    if scope in IGNORED_SCOPES:
        return MappedDelivery(order_id=None, ignored=IGNORED_SCOPES[scope])
    order_id = order_id_of(payload)
    if order_id is None:
        return MappedDelivery(order_id=None, ignored=f"scope {payload.scope} carries no order")
    touch = shipment_touch(payload)
    try:
        fetched = fetch_order(client, order_id)
    except NotFound:
        return MappedDelivery(order_id=str(order_id), ignored=f"order {order_id} gone (HTTP 404)")
    if fetched is None:
        return MappedDelivery(
            order_id=str(order_id), ignored=f"order {order_id} is still Incomplete (status_id=0)"
        )
    facts = map_fetched_order(fetched, touch)
    return MappedDelivery(order_id=str(order_id), facts=tuple(facts))


def shipment_touch(payload: ThinPayload) -> ShipmentTouch | None:
    scope = payload.store_scope
    if scope not in ("store/shipment/updated", "store/shipment/deleted"):
        return None
    shipment_id = required_id(payload.data, "id", f"{payload.scope} body: data")
    return ShipmentTouch(str(shipment_id), payload.created_at, is_deleted=scope.endswith("/deleted"))


def fetch_order(client: BigCommerceClient, order_id: int) -> FetchedOrder | None:
    """The order and its sub-resources; None while it is Incomplete. Raises NotFound."""
    order = client.order(order_id)
    answered = required_id(order, "id", f"GET /v2/orders/{order_id}: order")
    if answered != order_id:
        # Facts of another order must not be filed under this one.
        raise PayloadError(f"GET /v2/orders/{order_id} answered with order {answered}")
    if status_id_of(order) == INCOMPLETE:
        return None
    products = client.order_products(order_id)
    shipments = client.order_shipments(order_id)
    # Only orders with money back need the extra call (the quota is shared by every app).
    has_refunds = money(order, "refunded_amount", f"order {order_id}") > 0
    refunds = _refunds_or_none(client, order_id) if has_refunds else []
    return FetchedOrder(order, products, shipments, refunds)


def map_fetched_order(fetched: FetchedOrder, touch: ShipmentTouch | None = None) -> list[Fact]:
    order = fetched.order
    snapshot = map_snapshot(order, _rows(fetched.products, "products"))
    status_id = status_id_of(order)
    order_id = snapshot.order_id
    shipments = [map_shipment(row, order_id, touch) for row in _rows(fetched.shipments, "shipments")]
    holds = status_holds(snapshot, status_id, order.get("staff_notes"))
    facts: list[Fact] = [snapshot, *holds, *shipments]
    if touch is not None and touch.is_deleted and touch.shipment_id not in {s.shipment_id for s in shipments}:
        facts.append(deleted_shipment(order_id, touch))
    meaning = STATUSES.get(status_id)
    if meaning is not None and meaning.delivers_shipments:
        facts.extend(completion_events(shipments, snapshot.updated_at))
    refunded = money(order, "refunded_amount", f"order {order_id}")
    facts.extend(map_refunds(order_id, _rows(fetched.refunds, "refunds"), refunded, snapshot.updated_at))
    return facts


def _refunds_or_none(client: BigCommerceClient, order_id: int) -> list[JsonDict]:
    # A 404 here (the V3 endpoint unavailable) leaves the whole refunded_amount unitemized.
    try:
        return client.order_refunds(order_id)
    except NotFound:
        return []


def _rows(rows: list[JsonDict], what: str) -> list[JsonObject]:
    return object_list(rows, f"order {what}")
