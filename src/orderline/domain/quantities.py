"""Unit counts by order line across shipments and refunds, and the status inputs they give."""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from decimal import Decimal

from orderline.domain.facts import LineQuantity, OrderSnapshot, RefundRecorded, ShipmentRecorded
from orderline.domain.lifecycle import StatusInputs
from orderline.domain.vocabulary import FulfillmentStatus, PaymentStatus, ShipmentState


class Quantities:
    """Unit counts by line over active shipments and refunds at one moment of replay.
    Recounted only when a snapshot's lines, a shipment, a refund or a delivered scan change."""

    def __init__(
        self,
        shipments: Mapping[str, ShipmentRecorded],
        delivered_ids: AbstractSet[str],
        refunds: Mapping[str, RefundRecorded],
    ) -> None:
        self.shipped: dict[str, int] = {}
        self.delivered: dict[str, int] = {}
        self.refunded: dict[str, int] = {}
        self.restocked: dict[str, int] = {}
        self.active_shipments = self.delivered_shipments = 0
        for shipment_id, record in shipments.items():
            if record.state is ShipmentState.ACTIVE:
                is_delivered = shipment_id in delivered_ids
                self.active_shipments += 1
                self.delivered_shipments += is_delivered
                _add(self.shipped, record.lines)
                if is_delivered:
                    _add(self.delivered, record.lines)
        self.refunded_amount = Decimal(0)
        for refund in refunds.values():
            self.refunded_amount += refund.amount
            _add(self.refunded, refund.lines)
            if refund.restock:
                _add(self.restocked, refund.lines)

    def status_inputs(
        self, snapshot: OrderSnapshot, payment: PaymentStatus, has_open_holds: bool
    ) -> StatusInputs:
        shipped_units = unrefunded = delivered_units = unreturned = 0
        is_complete = True
        for line in snapshot.lines:
            shipped = self.shipped.get(line.line_id, 0)
            refunded = self.refunded.get(line.line_id, 0)
            delivered = self.delivered.get(line.line_id, 0)
            # A refunded unit no longer needs shipping; over-refunding never goes below zero.
            is_complete = is_complete and shipped >= line.quantity - refunded
            shipped_units += shipped
            unrefunded += max(shipped - refunded, 0)
            delivered_units += delivered
            unreturned += max(delivered - self.restocked.get(line.line_id, 0), 0)
        # Complete with nothing shipped means nothing was left to ship (all refunded): that
        # is not "fulfilled", which would read as "shipped" on an order that never was.
        if shipped_units == 0:
            fulfillment = FulfillmentStatus.UNFULFILLED
        else:
            fulfillment = FulfillmentStatus.FULFILLED if is_complete else FulfillmentStatus.PARTIAL
        return StatusInputs(
            payment_status=payment,
            fulfillment_status=fulfillment,
            is_cancelled=snapshot.cancelled_at is not None,
            has_open_holds=has_open_holds,
            shipped_units=shipped_units,
            shipped_unrefunded_units=unrefunded,
            delivered_units=delivered_units,
            delivered_unreturned_units=unreturned,
            active_shipments=self.active_shipments,
            delivered_shipments=self.delivered_shipments,
        )


def _add(counts: dict[str, int], lines: tuple[LineQuantity, ...]) -> None:
    # A negative count of units moves nothing (connectors refuse one; stored facts from
    # before they did may still carry it), so it counts as zero rather than un-shipping.
    for lq in lines:
        counts[lq.line_id] = counts.get(lq.line_id, 0) + max(lq.quantity, 0)
