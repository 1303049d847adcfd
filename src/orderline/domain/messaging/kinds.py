"""What Orderline tells a buyer: the kinds of customer message and what triggers them.

Values are stable lowercase strings: they name templates (`<kind>.subject.j2`), appear in
the message plan of the configuration, in the outbox and over the API.
"""

from __future__ import annotations

from enum import StrEnum


class MessageKind(StrEnum):
    ORDER_CONFIRMED = "order_confirmed"
    """Payment is in and the order is ready to fulfil."""
    SHIPMENT_SENT = "shipment_sent"
    """One parcel (or a burst of parcels) left; says whether more is on its way."""
    ORDER_DELIVERED = "order_delivered"
    ORDER_CANCELLED = "order_cancelled"
    REFUND_ISSUED = "refund_issued"
    EXCEPTION_NOTICE = "exception_notice"
    """An exception the buyer should know of opened (an address to fix, a backorder...)."""
    EXCEPTION_UPDATE = "exception_update"
    """The exception is still open: the cadence's reminder, so the buyer is never left in silence."""
    EXCEPTION_RESOLVED = "exception_resolved"
