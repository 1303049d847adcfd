"""fulfillment_orders/placed_on_hold and /hold_released -> HoldPlaced / HoldsReleased.

These payloads are thin: a fulfillment order (FO) with its status and current holds,
not the order. The hold group is the FO id (numeric string, whatever form it came
in). The order id comes from the payload when it carries one (the REST
FulfillmentOrder shape has `order_id`), otherwise from the resolver; when neither
knows yet, nothing is mapped and the caller retries later.

A hold carrying Orderline's handle or marker is Orderline's own hold written back
(`writeback`): its echo maps to nothing, so it neither holds the order twice nor reads
as drift. A release still lists it among the remaining holds while it is on the FO,
which is how a merchant's release of it is told from Orderline's own
(`services.platform_writeback`).

`fulfillment_holds` lists the holds still on the FO when Shopify built the payload;
a hold can already be gone by then, which is why `created_fulfillment_hold`
(API 2024-10+) is read as well.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from orderline.connectors.base import Delivery, MappedDelivery, OrderResolver
from orderline.connectors.shopify.fields import (
    JsonObject,
    as_object,
    delivery_time,
    gid_tail,
    object_list,
    optional_str,
)
from orderline.connectors.shopify.statuses import hold_reason
from orderline.connectors.shopify.writeback import HANDLE_PREFIX
from orderline.domain.facts import Fact, HoldPlaced, HoldsReleased
from orderline.domain.platform_writes import is_orderline_text

PLACED_ON_HOLD = "fulfillment_orders/placed_on_hold"
HOLD_RELEASED = "fulfillment_orders/hold_released"


@dataclass(frozen=True, slots=True)
class _PlatformHold:
    reason: str | None
    notes: str | None
    handle: str | None = None

    @property
    def is_orderline(self) -> bool:
        """Orderline's own hold, written back (`writeback`): its handle or marker."""
        return is_orderline_text(self.notes) or (self.handle or "").startswith(HANDLE_PREFIX)


def map_hold_delivery(delivery: Delivery, body: JsonObject, resolver: OrderResolver) -> MappedDelivery:
    fulfillment_order = as_object(body.get("fulfillment_order"), f"{delivery.topic} body: fulfillment_order")
    fo_id = gid_tail(
        fulfillment_order.get("id"), "FulfillmentOrder", f"{delivery.topic}: fulfillment_order.id"
    )
    order_id = _order_id(body, fulfillment_order, fo_id, delivery.topic)
    if order_id is None:
        order_id = resolver.order_for_fulfillment_order(delivery.store_id, fo_id)
    if order_id is None:
        return MappedDelivery(order_id=None, facts=())
    at = delivery_time(delivery)
    facts: list[Fact]
    if delivery.topic == PLACED_ON_HOLD:
        facts = _holds_placed(body, fulfillment_order, order_id, fo_id, at)
    else:
        facts = [_holds_released(fulfillment_order, order_id, fo_id, at)]
    return MappedDelivery(order_id=order_id, facts=tuple(facts))


def _order_id(body: JsonObject, fulfillment_order: JsonObject, fo_id: str, topic: str) -> str | None:
    raw = fulfillment_order.get("order_id")
    if raw is None:
        raw = body.get("order_id")
    if raw is None:
        return None
    return gid_tail(raw, "Order", f"{topic}: fulfillment order {fo_id}: order_id")


def _holds_placed(
    body: JsonObject, fulfillment_order: JsonObject, order_id: str, fo_id: str, at: datetime
) -> list[Fact]:
    holds = _current_holds(fulfillment_order, fo_id)
    created = body.get("created_fulfillment_hold")
    if created is not None:
        holds.append(_hold(as_object(created, f"fulfillment order {fo_id}: created_fulfillment_hold"), fo_id))
    if holds and all(hold.is_orderline for hold in holds):
        return []  # Orderline's own hold written back, reported to us: already known
    holds = [hold for hold in holds if not hold.is_orderline]
    if not holds:
        # On hold without a reason we can read (an API version before 2024-10 whose
        # only hold was already released): record it as `other` rather than lose it.
        holds.append(_PlatformHold(reason=None, notes=None))
    facts: list[Fact] = []
    seen: set[str | None] = set()
    for hold in holds:
        key = hold.reason.upper() if hold.reason else None
        if key in seen:
            continue
        seen.add(key)
        facts.append(
            HoldPlaced(
                order_id=order_id,
                hold_group=fo_id,
                reason=hold_reason(hold.reason),
                placed_at=at,
                note=hold.notes,
                platform_reason=hold.reason,
            )
        )
    return facts


def _holds_released(fulfillment_order: JsonObject, order_id: str, fo_id: str, at: datetime) -> HoldsReleased:
    remaining = frozenset(hold_reason(h.reason) for h in _current_holds(fulfillment_order, fo_id))
    return HoldsReleased(order_id=order_id, hold_group=fo_id, released_at=at, remaining_reasons=remaining)


def _current_holds(fulfillment_order: JsonObject, fo_id: str) -> list[_PlatformHold]:
    where = f"fulfillment order {fo_id}"
    return [_hold(h, fo_id) for h in object_list(fulfillment_order, "fulfillment_holds", where)]


def _hold(hold: JsonObject, fo_id: str) -> _PlatformHold:
    where = f"fulfillment order {fo_id}: hold"
    return _PlatformHold(
        reason=optional_str(hold, "reason", where),
        notes=optional_str(hold, "reason_notes", where),
        handle=optional_str(hold, "handle", where),
    )
