"""Support tickets of the week per 100 of the week's orders, by store, with the share
linked to an order and the most frequent reasons.

A ticket with no store counts in the total only; the week's orders include cancelled ones
(a cancellation is often what the ticket was about).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from orderline.domain.scorecard.figures import TicketRow, TicketSummary
from orderline.domain.scorecard.records import OrderRecord, TicketRecord

TOP_REASONS = 5


def ticket_summary(tickets: Sequence[TicketRecord], orders: Sequence[OrderRecord]) -> TicketSummary:
    order_counts = Counter(order.store_id for order in orders)
    ticket_counts: Counter[str] = Counter()
    linked_counts: Counter[str] = Counter()
    for ticket in tickets:
        if ticket.store_id is not None:
            ticket_counts[ticket.store_id] += 1
            linked_counts[ticket.store_id] += ticket.order_id is not None
    linked = sum(1 for ticket in tickets if ticket.order_id is not None)
    stores = sorted(order_counts.keys() | ticket_counts.keys())
    return TicketSummary(
        total=TicketRow("all", tickets=len(tickets), orders=len(orders), linked=linked),
        by_store=tuple(
            TicketRow(
                store, tickets=ticket_counts[store], orders=order_counts[store], linked=linked_counts[store]
            )
            for store in stores
        ),
        top_reasons=top_reasons(tickets),
    )


def top_reasons(tickets: Sequence[TicketRecord]) -> tuple[tuple[str, int], ...]:
    """Up to five (reason, tickets), most frequent first, ties by reason."""
    counts = Counter(ticket.reason for ticket in tickets)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return tuple(ranked[:TOP_REASONS])
