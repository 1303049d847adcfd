"""Support tickets per 100 orders, by store, the share linked to an order and the top
reasons; tickets without an order or without a store."""

from __future__ import annotations

from orderline.domain.scorecard.figures import Kpi, TicketRow, TicketSummary
from tests.unit.scorecard_records import W20, at, card, order, ticket

NOW = at(2026, 5, 25)
ORDERS = [
    order("a", at(2026, 5, 11, 9)),
    order("b", at(2026, 5, 12, 9), cancelled=True),
    order("c", at(2026, 5, 13, 9)),
    order("x", at(2026, 5, 13, 9), store_id="s2"),
]
TICKETS = [
    ticket("t1", at(2026, 5, 11, 12), order_id="a", reason="where_is_my_order"),
    ticket("t2", at(2026, 5, 12, 12), reason="where_is_my_order"),
    ticket("t3", at(2026, 5, 12, 13), store_id="s2", order_id="x", reason="damaged"),
    ticket("t4", at(2026, 5, 13, 12), store_id=None, reason="other"),
    ticket("t5", at(2026, 5, 14, 12), store_id="s3", reason="damaged"),
    ticket("t6", at(2026, 5, 15, 12), order_id="b", reason="cancel"),
    ticket("t7", at(2026, 5, 16, 12), reason="payment"),
    ticket("t8", at(2026, 5, 17, 12), store_id="s2", reason="address_change"),
    ticket("old", at(2026, 5, 10, 12), order_id="a", reason="damaged"),  # the week before
]


def test_tickets_per_100_orders_by_store_with_linked_share_and_top_reasons() -> None:
    result = card(W20, ORDERS, TICKETS, now=NOW)

    assert result.tickets == TicketSummary(
        total=TicketRow("all", tickets=8, orders=4, linked=3),
        by_store=(
            TicketRow("s1", tickets=4, orders=3, linked=2),
            TicketRow("s2", tickets=2, orders=1, linked=1),
            TicketRow("s3", tickets=1, orders=0, linked=0),
        ),
        # Ties by reason name; "payment", the sixth, is left out.
        top_reasons=(
            ("damaged", 2),
            ("where_is_my_order", 2),
            ("address_change", 1),
            ("cancel", 1),
            ("other", 1),
        ),
    )
    assert (result.tickets.total.per_100_orders, result.tickets.total.linked_share_pct) == (200.0, 37.5)
    assert result.tickets.by_store[2].per_100_orders is None


def test_headline_tickets_per_100_orders_is_the_total() -> None:
    values = {figure.kpi: figure.value for figure in card(W20, ORDERS, TICKETS, now=NOW).headline}

    assert values[Kpi.TICKETS_PER_100_ORDERS] == 200.0


def test_one_store_view_leaves_out_tickets_of_no_store() -> None:
    result = card(W20, ORDERS, TICKETS, now=NOW, store_id="s1")

    assert result.tickets.total == TicketRow("all", tickets=4, orders=3, linked=2)
    assert result.tickets.by_store == (TicketRow("s1", tickets=4, orders=3, linked=2),)


def test_a_store_with_orders_and_no_tickets_has_a_row() -> None:
    result = card(W20, ORDERS, [], now=NOW)

    assert result.tickets == TicketSummary(
        total=TicketRow("all", tickets=0, orders=4, linked=0),
        by_store=(TicketRow("s1", 0, 3, 0), TicketRow("s2", 0, 1, 0)),
        top_reasons=(),
    )
    assert result.tickets.total.linked_share_pct is None
