"""Shipping the simulated order: split parcels and their carrier progress.

The remaining units are split over one to three parcels (fulfillments) created
some hours apart; each then advances through carrier statuses on its own clock, so
the parcels' events interleave. A parcel is sometimes cancelled before pickup
(its units go into a replacement parcel), and sometimes ends in a carrier failure.
"""

from __future__ import annotations

import heapq
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import pairwise

from orderline.simulation.shopify import catalog
from orderline.simulation.shopify.bodies import fulfillment_body
from orderline.simulation.shopify.state import SimFulfillment, SimLine
from orderline.simulation.shopify.story import DAY, HOUR, MINUTE, Story

Parcel = list[tuple[SimLine, int]]


@dataclass(order=True, slots=True)
class _Step:
    at: datetime
    seq: int
    parcel: Parcel = field(compare=False)
    status: str | None = field(compare=False)
    """None creates the fulfillment; "cancelled" cancels it; else a shipment_status."""
    fulfillment: SimFulfillment | None = field(default=None, compare=False)


def ship_everything(story: Story) -> None:
    parcels = _split(story, [line for line in story.order.lines for _ in range(line.unshipped)])
    steps: list[_Step] = []
    at = story.now
    for parcel in parcels:
        at += timedelta(seconds=story.rng.randint(2 * HOUR, 2 * DAY))
        heapq.heappush(steps, _Step(at, len(steps), parcel, None))
    seq = len(steps)
    while steps:
        for follow_up in _perform(story, heapq.heappop(steps)):
            follow_up.seq = seq = seq + 1
            heapq.heappush(steps, follow_up)


def _split(story: Story, units: list[SimLine]) -> list[Parcel]:
    if not units:
        return []
    count = min(len(units), story.rng.choices((1, 2, 3), weights=(60, 28, 12))[0])
    cuts = sorted(story.rng.sample(range(1, len(units)), count - 1))
    bounds = [0, *cuts, len(units)]
    return [_parcel(units[lo:hi]) for lo, hi in pairwise(bounds)]


def _parcel(units: list[SimLine]) -> Parcel:
    counts = Counter(line.line_id for line in units)
    lines = {line.line_id: line for line in units}
    return [(lines[line_id], quantity) for line_id, quantity in counts.items()]


def _perform(story: Story, step: _Step) -> list[_Step]:
    if step.fulfillment is None:
        return _create(story, step)
    fulfillment = step.fulfillment
    at = max(step.at, story.now + timedelta(seconds=1))
    fulfillment.updated_at = at
    if step.status == "cancelled":
        fulfillment.status = "cancelled"
        for line, quantity in fulfillment.lines:
            line.shipped -= quantity
        story.change_order(at, before=[("fulfillments/update", fulfillment_body(story.order, fulfillment))])
        return [_Step(story.later(HOUR, DAY), 0, step.parcel, None)]
    fulfillment.shipment_status = step.status
    story.change_order(at, before=[("fulfillments/update", fulfillment_body(story.order, fulfillment))])
    return []


def _create(story: Story, step: _Step) -> list[_Step]:
    order = story.order
    at = max(step.at, story.now + timedelta(seconds=1))
    carrier, url = story.rng.choice(catalog.CARRIERS)
    number = f"1Z{story.rng.getrandbits(48):012X}"
    fulfillment = SimFulfillment(
        fulfillment_id=story.ids.next(),
        sequence=len(order.fulfillments) + 1,
        lines=step.parcel,
        created_at=at,
        updated_at=at,
        carrier=carrier,
        tracking_number=number,
        tracking_url=url.format(number=number),
        shipment_status="label_printed" if story.rng.random() < 0.4 else None,
    )
    order.fulfillments.append(fulfillment)
    for line, quantity in step.parcel:
        line.shipped += quantity
    rollup = "orders/fulfilled" if order.fulfillment_status == "fulfilled" else "orders/partially_fulfilled"
    story.change_order(at, (rollup,), before=[("fulfillments/create", fulfillment_body(order, fulfillment))])
    return [_Step(t, 0, step.parcel, status, fulfillment) for t, status in _carrier_plan(story, at)]


def _carrier_plan(story: Story, shipped_at: datetime) -> list[tuple[datetime, str]]:
    """The statuses one parcel will go through, with when; a parcel may be cancelled instead."""
    rng = story.rng
    if rng.random() < 0.04:
        return [(shipped_at + timedelta(seconds=rng.randint(10 * MINUTE, 6 * HOUR)), "cancelled")]
    plan: list[str] = ["in_transit"]
    if rng.random() < 0.05:
        return _timed(story, shipped_at, [*plan, "failure"])
    if rng.random() < 0.15:
        plan.append("delayed")
    if rng.random() < 0.06:
        return _timed(story, shipped_at, [*plan, "ready_for_pickup", "picked_up"])
    plan.append("out_for_delivery")
    if rng.random() < 0.1:
        plan += ["attempted_delivery", "out_for_delivery"]
    return _timed(story, shipped_at, [*plan, "delivered"])


def _timed(story: Story, shipped_at: datetime, statuses: list[str]) -> list[tuple[datetime, str]]:
    timed = []
    at = shipped_at
    for status in statuses:
        at += timedelta(seconds=story.rng.randint(2 * HOUR, 36 * HOUR))
        timed.append((at, status))
    return timed
