"""The holds a BigCommerce status implies: 12 Manual Verification Required (fraud review)
and 13 Disputed hold the order; any other known status releases them.

BigCommerce has no hold object, so every fetched order restates its hold group, dated by
the order's `date_modified`: whatever order the deliveries are processed in, the latest
reading decides.
"""

from __future__ import annotations

from orderline.connectors.bigcommerce.statuses import HOLD_GROUP, STATUSES
from orderline.domain.facts import Fact, HoldPlaced, HoldsReleased, OrderSnapshot
from orderline.domain.platform_writes import is_orderline_text


def status_holds(snapshot: OrderSnapshot, status_id: int, staff_notes: object = None) -> list[Fact]:
    """Hold on 12 (fraud review) and 13 (dispute); any other known status releases them.

    Both are in one hold group, so the release keeps the current status's own reason:
    12 -> 13 swaps the reason, 12 -> 11 clears it. An unknown status changes no hold.
    A holding status with Orderline's marker in `staff_notes` is Orderline's own hold
    written back (`writeback`): it says nothing (no hold, no release), so the echo changes
    nothing; the merchant moving the order on releases the group as usual.
    """
    meaning = STATUSES.get(status_id)
    if meaning is None or (meaning.hold is not None and is_orderline_text(staff_notes)):
        return []
    at, order_id = snapshot.updated_at, snapshot.order_id
    facts: list[Fact] = []
    if meaning.hold is not None:
        facts.append(
            HoldPlaced(
                order_id=order_id,
                hold_group=HOLD_GROUP,
                reason=meaning.hold,
                placed_at=at,
                note=meaning.hold_note,
                platform_reason=f"status_id={status_id}",
            )
        )
    remaining = frozenset({meaning.hold}) if meaning.hold is not None else frozenset()
    facts.append(HoldsReleased(order_id, HOLD_GROUP, at, remaining_reasons=remaining))
    return facts
