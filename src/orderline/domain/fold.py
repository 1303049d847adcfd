"""The fold: the set of facts known about an order -> its canonical `Order` state.

`fold` is a pure function of the *set* of facts (convergence). It dedupes the
facts, puts them in one deterministic order — (occurred_at, kind rank, fact_key) — and
replays them. Snapshots and shipment records are replayed in their own `updated_at`
order, so "last writer wins" is simply "last one replayed": a stale retry is replayed
early and sits in history; it never rolls anything back. A fact learned before the
order's first snapshot is kept and counts as soon as the snapshot is replayed.

Replay records the timeline as it goes. A status move the lifecycle table does not allow
is still applied (the facts are the truth) and recorded as an anomaly, never raised.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from operator import attrgetter
from typing import Any, NamedTuple

from orderline.domain.facts import (
    DeliveryEvent,
    DriftObserved,
    Fact,
    HoldPlaced,
    HoldsReleased,
    OrderSnapshot,
    RefundRecorded,
    ShipmentRecorded,
)
from orderline.domain.lifecycle import (
    DEFAULT_OWNERSHIP,
    Ownership,
    StatusInputs,
    can_transition,
    derive_payment_status,
    derive_status,
    transition_refusal,
)
from orderline.domain.order import Anomaly, Hold, Order, OrderLine, Refund, Shipment, TimelineEntry
from orderline.domain.quantities import Quantities
from orderline.domain.replay_order import replay_order
from orderline.domain.vocabulary import (
    AnomalyKind,
    DeliveryStatus,
    HoldReason,
    OrderStatus,
    ShipmentState,
)

# Two carrier events at one instant: the later stage of a normal journey wins, and a
# delivered scan, the strongest evidence there is, beats everything.
_DELIVERY_RANK: dict[DeliveryStatus, int] = {
    DeliveryStatus.LABEL_CREATED: 0,
    DeliveryStatus.IN_TRANSIT: 1,
    DeliveryStatus.OUT_FOR_DELIVERY: 2,
    DeliveryStatus.FAILED_ATTEMPT: 3,
    DeliveryStatus.EXCEPTION: 4,
    DeliveryStatus.RETURNED_TO_SENDER: 5,
    DeliveryStatus.DELIVERED: 6,
}
_DELIVERED = DeliveryStatus.DELIVERED
_at = attrgetter("at")


class _Delivery(NamedTuple):
    at: datetime
    status: DeliveryStatus
    delivered_at: datetime | None


class _OpenHold(NamedTuple):
    first_placed_at: datetime  # a repeated placement does not restart the hold's clock
    latest: HoldPlaced


def _data(**values: object) -> tuple[tuple[str, str], ...]:
    """Timeline data; callers pass keys in alphabetical order (a sort per entry shows up
    in the fold's timing), and a test checks that every entry's keys are sorted."""
    return tuple([(key, str(value)) for key, value in values.items() if value is not None])


def _status_fields(snapshot: OrderSnapshot) -> tuple[object, ...]:
    return (snapshot.payment_status, snapshot.cancelled_at, snapshot.total_price)


class _Replay:
    """The mutable accumulator of one fold; nothing outside `fold` ever sees it."""

    def __init__(self) -> None:
        self.snapshot: OrderSnapshot | None = None
        self.shipments: dict[str, ShipmentRecorded] = {}
        self.deliveries: dict[str, _Delivery] = {}
        self.delivered_ids: set[str] = set()
        self.refunds: dict[str, RefundRecorded] = {}
        self.holds: dict[tuple[str, HoldReason], _OpenHold] = {}
        self.quantities: Quantities | None = None
        self.is_stale = True  # quantities must be recomputed before the next status
        self.is_unsettled = True  # something the status depends on has changed
        self.status: OrderStatus | None = None
        self.inputs: StatusInputs | None = None
        self.timeline: list[TimelineEntry] = []
        self.anomalies: list[Anomaly] = []
        self.drift: DriftObserved | None = None

    def note(self, at: datetime, kind: str, summary: str, data: tuple[tuple[str, str], ...] = ()) -> None:
        self.timeline.append(TimelineEntry(at, kind, summary, data))

    def apply(self, fact: Fact) -> None:
        _HANDLERS[type(fact)](self, fact)
        if self.snapshot is not None and (self.is_stale or self.is_unsettled):
            self._settle(self.snapshot, fact.occurred_at)

    def _snapshot(self, snapshot: OrderSnapshot) -> None:
        previous, self.snapshot = self.snapshot, snapshot
        # Most snapshots change nothing the status reads (tags, notes, a new updated_at).
        if previous is None or previous.lines != snapshot.lines:
            self.is_stale = True
        elif _status_fields(previous) != _status_fields(snapshot):
            self.is_unsettled = True
        was_cancelled = previous is not None and previous.cancelled_at is not None
        if snapshot.cancelled_at is not None and not was_cancelled:
            reason = f": {snapshot.cancel_reason}" if snapshot.cancel_reason else ""
            data = _data(cancelled_at=snapshot.cancelled_at.isoformat(), reason=snapshot.cancel_reason)
            self.note(snapshot.updated_at, "cancelled", f"Order cancelled{reason}", data)

    def _shipment(self, record: ShipmentRecorded) -> None:
        sid = record.shipment_id
        previous = self.shipments.get(sid)
        self.shipments[sid] = record
        if previous is None or previous.state is not record.state or previous.lines != record.lines:
            self.is_stale = True
        data = _data(carrier=record.carrier, shipment_id=sid, state=record.state)
        if previous is None:
            via = f" via {record.carrier}" if record.carrier else ""
            summary = f"Shipment {sid} created: {sum(lq.quantity for lq in record.lines)} units{via}"
            self.note(record.updated_at, "shipment_created", summary, data)
        else:
            change = f" ({record.state})" if record.state is not previous.state else ""
            self.note(record.updated_at, "shipment_updated", f"Shipment {sid} updated{change}", data)
        status = record.delivery_status
        if status is not None and self._observe_delivery(sid, status, record.updated_at):
            data = _data(shipment_id=sid, status=status)
            self.note(record.updated_at, "delivery_event", f"Shipment {sid}: {status}", data)

    def _delivery_event(self, event: DeliveryEvent) -> None:
        self._observe_delivery(event.shipment_id, event.status, event.happened_at)
        detail = f" ({event.message})" if event.message else ""
        summary = f"Shipment {event.shipment_id}: {event.status}{detail}"
        data = _data(event_id=event.event_id, shipment_id=event.shipment_id, status=event.status)
        self.note(event.happened_at, "delivery_event", summary, data)

    def _observe_delivery(self, shipment_id: str, status: DeliveryStatus, at: datetime) -> bool:
        """Keep the latest event by time; True when the shipment's delivery status changed."""
        current = self.deliveries.get(shipment_id)
        if current is None:
            self.deliveries[shipment_id] = _Delivery(at, status, at if status is _DELIVERED else None)
        elif current.at == at and _DELIVERY_RANK[status] < _DELIVERY_RANK[current.status]:
            return False  # replay is in time order: only an event at the same instant is "older"
        elif status is not current.status:
            self.deliveries[shipment_id] = _Delivery(at, status, at if status is _DELIVERED else None)
        else:
            # The same status again: delivered_at stays at the first scan of the run.
            self.deliveries[shipment_id] = _Delivery(at, status, current.delivered_at)
            return False
        if (status is _DELIVERED) != (shipment_id in self.delivered_ids):
            self.delivered_ids ^= {shipment_id}
            self.is_stale = True
        return True

    def _refund(self, refund: RefundRecorded) -> None:
        verb = "updated" if refund.refund_id in self.refunds else "recorded"
        self.refunds[refund.refund_id] = refund
        self.is_stale = True
        currency = f" {self.snapshot.currency}" if self.snapshot and self.snapshot.currency else ""
        restock = ", items restocked" if refund.restock else ""
        summary = f"Refund {refund.refund_id} of {refund.amount}{currency} {verb}{restock}"
        data = _data(amount=refund.amount, refund_id=refund.refund_id, restock=refund.restock)
        self.note(refund.created_at, "refund_recorded", summary, data)

    def _hold_placed(self, hold: HoldPlaced) -> None:
        key = (hold.hold_group, hold.reason)
        current = self.holds.get(key)
        self.holds[key] = _OpenHold(current.first_placed_at if current else hold.placed_at, hold)
        if current is None:
            self.is_unsettled = True
            summary = f"Hold placed on {hold.hold_group}: {hold.reason}"
            data = _data(hold_group=hold.hold_group, note=hold.note, reason=hold.reason)
            self.note(hold.placed_at, "hold_placed", summary, data)

    def _holds_released(self, release: HoldsReleased) -> None:
        group, remaining = release.hold_group, release.remaining_reasons
        for key in [k for k in self.holds if k[0] == group and k[1] not in remaining]:
            del self.holds[key]
            self.is_unsettled = True
            data = _data(hold_group=group, reason=key[1])
            self.note(release.released_at, "hold_released", f"Hold released on {group}: {key[1]}", data)

    def _drift_observed(self, observation: DriftObserved) -> None:
        """The latest observation wins (replay is in `observed_at` order); the status never reads it."""
        previous, self.drift = self.drift, observation
        seen = observation.fields
        if seen:
            diff = "; ".join(item.summary for item in seen)
            data = _data(fields=",".join(item.field for item in seen), source=observation.source)
            self.note(observation.observed_at, "drift_observed", f"The platform differs: {diff}", data)
        elif previous is not None and previous.fields:
            summary = "The platform agrees with Orderline again"
            self.note(observation.observed_at, "drift_cleared", summary, _data(source=observation.source))

    def _settle(self, snapshot: OrderSnapshot, at: datetime) -> None:
        """Re-derive the axes and the status after a fact, and record what changed."""
        if self.is_stale or self.quantities is None:
            self.quantities = Quantities(self.shipments, self.delivered_ids, self.refunds)
        self.is_stale = self.is_unsettled = False
        quantities, previous = self.quantities, self.inputs
        payment = derive_payment_status(
            snapshot.payment_status, quantities.refunded_amount, snapshot.total_price
        )
        if previous is not None and payment is not previous.payment_status:
            summary = f"Payment changed from {previous.payment_status} to {payment}"
            data = _data(current=payment, previous=previous.payment_status)
            self.note(at, "payment_changed", summary, data)
        self.inputs = quantities.status_inputs(snapshot, payment, bool(self.holds))
        self._record_status(derive_status(self.inputs), snapshot, at)

    def _record_status(self, status: OrderStatus, snapshot: OrderSnapshot, at: datetime) -> None:
        previous, self.status = self.status, status
        if previous is status:
            return
        if previous is None:
            self.note(at, "status_changed", f"Status set to {status}", _data(current=status))
            return
        summary = f"Status changed from {previous} to {status}"
        self.note(at, "status_changed", summary, _data(current=status, previous=previous))
        if not can_transition(previous, status):
            detail = transition_refusal(snapshot.order_number or snapshot.order_id, previous, status)
            self.anomalies.append(Anomaly(AnomalyKind.IMPOSSIBLE_TRANSITION, detail, at))
            self.note(at, "anomaly", detail, _data(kind=AnomalyKind.IMPOSSIBLE_TRANSITION))


# Each handler takes its own fact type; the table is keyed by exactly that type.
_HANDLERS: dict[type, Callable[[_Replay, Any], None]] = {
    OrderSnapshot: _Replay._snapshot,
    ShipmentRecorded: _Replay._shipment,
    DeliveryEvent: _Replay._delivery_event,
    RefundRecorded: _Replay._refund,
    HoldPlaced: _Replay._hold_placed,
    HoldsReleased: _Replay._holds_released,
    DriftObserved: _Replay._drift_observed,
}


def fold(
    store_id: str, order_id: str, facts: Iterable[Fact], owners: Ownership | None = None
) -> Order | None:
    """The order's state from the set of facts known about it; None until a snapshot is known."""
    ordered = replay_order(order_id, facts)
    replay = _Replay()
    for fact in ordered:
        replay.apply(fact)
    snapshot, quantities, inputs, status = replay.snapshot, replay.quantities, replay.inputs, replay.status
    if snapshot is None or quantities is None or inputs is None or status is None:
        return None
    ownership = owners or DEFAULT_OWNERSHIP
    holds = _open_holds(replay, ownership)
    late_anomalies = _quantity_anomalies(snapshot, replay, quantities)
    return Order(
        store_id=store_id,
        order_id=order_id,
        order_number=snapshot.order_number,
        email=snapshot.email,
        currency=snapshot.currency,
        total_price=snapshot.total_price,
        placed_at=snapshot.placed_at,
        updated_at=_updated_at(ordered),
        status=status,
        payment_status=inputs.payment_status,
        fulfillment_status=inputs.fulfillment_status,
        owner=ownership.status_owner(status, tuple(hold.reason for hold in holds)),
        lines=_lines(snapshot, quantities),
        shipments=_shipments(replay),
        holds=holds,
        refunds=_refunds(replay),
        cancelled_at=snapshot.cancelled_at,
        cancel_reason=snapshot.cancel_reason,
        shipping_address=snapshot.shipping_address,
        anomalies=tuple(sorted(replay.anomalies + late_anomalies, key=_at)),
        timeline=_timeline(snapshot, replay.timeline, late_anomalies),
        platform_status=snapshot.platform_status,
        **_platform_claim(snapshot, replay),
        **_drift(replay.drift),
    )


def _updated_at(ordered: list[Fact]) -> datetime:
    """The latest fact's time; seeing drift is not a change of the order (a snapshot is there)."""
    for fact in reversed(ordered):
        if type(fact) is not DriftObserved:
            return fact.occurred_at
    return ordered[-1].occurred_at  # pragma: no cover - fold returns None without a snapshot


def _drift(observation: DriftObserved | None) -> dict[str, Any]:
    if observation is None:
        return {}
    return {
        "drift": observation.fields,
        "drift_changed_at": observation.changed_at,
        "drift_observed_at": observation.observed_at,
    }


def _platform_claim(snapshot: OrderSnapshot, replay: _Replay) -> dict[str, Any]:
    """The platform's fulfilment rollup, unless Orderline knows of a newer shipment change."""
    newest_shipment = max((r.updated_at for r in replay.shipments.values()), default=None)
    if snapshot.platform_fulfillment is None or (
        newest_shipment is not None and newest_shipment > snapshot.updated_at
    ):
        return {}
    return {"platform_fulfillment": snapshot.platform_fulfillment, "platform_claim_at": snapshot.updated_at}


def _timeline(
    snapshot: OrderSnapshot, replayed: list[TimelineEntry], late_anomalies: list[Anomaly]
) -> tuple[TimelineEntry, ...]:
    """Replay's entries plus those only known at the end; the sort is stable, so entries
    at one instant keep replay order and the placement comes first."""
    placed = TimelineEntry(
        at=snapshot.placed_at,
        kind="order_placed",
        summary=f"Order {snapshot.order_number or snapshot.order_id} placed",
        data=_data(currency=snapshot.currency or None, total_price=snapshot.total_price),
    )
    late = [TimelineEntry(a.at, "anomaly", a.detail, _data(kind=a.kind)) for a in late_anomalies]
    return tuple(sorted([placed, *replayed, *late], key=_at))


def _quantity_anomalies(snapshot: OrderSnapshot, replay: _Replay, quantities: Quantities) -> list[Anomaly]:
    """Judged on the final state, not during replay: a shipment learned before the
    snapshot that lists its line is not an anomaly."""
    known = {line.line_id for line in snapshot.lines}
    found: list[Anomaly] = []
    last_shipped_at: dict[str, datetime] = {}
    for record in replay.shipments.values():
        if record.state is not ShipmentState.ACTIVE:
            continue
        for lq in record.lines:
            last_shipped_at[lq.line_id] = max(
                record.updated_at, last_shipped_at.get(lq.line_id, record.updated_at)
            )
            if lq.line_id not in known:
                detail = f"Shipment {record.shipment_id} refers to unknown line {lq.line_id}"
                found.append(Anomaly(AnomalyKind.UNKNOWN_LINE, detail, record.updated_at))
    for refund in replay.refunds.values():
        for lq in refund.lines:
            if lq.line_id not in known:
                detail = f"Refund {refund.refund_id} refers to unknown line {lq.line_id}"
                found.append(Anomaly(AnomalyKind.UNKNOWN_LINE, detail, refund.created_at))
    if snapshot.unmapped_status is not None:
        detail = (
            f"Platform status {snapshot.unmapped_status!r} has no canonical mapping; "
            "add it to the store's status_map"
        )
        found.append(Anomaly(AnomalyKind.UNMAPPED_STATUS, detail, snapshot.updated_at))
    for line in snapshot.lines:
        shipped = quantities.shipped.get(line.line_id, 0)
        # A line is over-shipped only by units some active shipment carried: an ordered
        # quantity below zero (connectors refuse one, old facts may hold it) is not news.
        shipped_at = last_shipped_at.get(line.line_id)
        if shipped > line.quantity and shipped_at is not None:
            detail = f"Line {line.line_id} shipped {shipped} of {line.quantity} ordered"
            found.append(Anomaly(AnomalyKind.OVER_SHIPPED, detail, shipped_at))
    return found


def _lines(snapshot: OrderSnapshot, quantities: Quantities) -> tuple[OrderLine, ...]:
    shipped, refunded = quantities.shipped, quantities.refunded
    return tuple(
        OrderLine.from_item(item, shipped.get(item.line_id, 0), refunded.get(item.line_id, 0))
        for item in snapshot.lines
    )


def _shipments(replay: _Replay) -> tuple[Shipment, ...]:
    shipments = []
    for record in replay.shipments.values():
        delivery = replay.deliveries.get(record.shipment_id)
        status, delivered_at = (delivery.status, delivery.delivered_at) if delivery else (None, None)
        shipments.append(Shipment.from_record(record, status, delivered_at))
    return tuple(sorted(shipments, key=lambda s: (s.created_at, s.shipment_id)))


def _open_holds(replay: _Replay, ownership: Ownership) -> tuple[Hold, ...]:
    holds = [
        Hold(group, reason, ownership.hold_owner(reason), open_hold.first_placed_at, open_hold.latest.note)
        for (group, reason), open_hold in replay.holds.items()
    ]
    return tuple(sorted(holds, key=lambda h: (h.placed_at, h.hold_group, h.reason)))


def _refunds(replay: _Replay) -> tuple[Refund, ...]:
    refunds = sorted(replay.refunds.values(), key=lambda r: (r.created_at, r.refund_id))
    return tuple(Refund.from_fact(refund) for refund in refunds)
