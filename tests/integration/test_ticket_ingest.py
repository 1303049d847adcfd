"""Support tickets recorded and linked to orders, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Connection, Engine, func, insert, select

from orderline.channels.helpdesk.tickets import IncomingTicket, TicketSource
from orderline.persistence import ticket_records
from orderline.persistence.messaging_tables import handoffs, support_tickets
from orderline.persistence.tables import orders
from orderline.services.tickets import import_csv, record_incoming

STORES = ("eu", "us")
MONDAY = datetime(2026, 11, 2, tzinfo=UTC)


def seed_order(
    connection: Connection, store_id: str, order_id: str, number: str, email: str | None, placed_at: datetime
) -> None:
    """An order projection row, as processing would have written it."""
    connection.execute(
        insert(orders).values(
            store_id=store_id,
            order_id=order_id,
            order_number=number,
            status="ready_to_fulfill",
            payment_status="paid",
            fulfillment_status="unfulfilled",
            owner="operations",
            placed_at=placed_at,
            updated_at=placed_at,
            email=email,
            state={},
            fact_count=1,
        )
    )


def ticket(
    ticket_id: str = "501",
    *,
    number: str | None = None,
    email: str | None = None,
    created_at: datetime = MONDAY,
    status: str | None = "new",
    subject: str = "Where is my parcel?",
    external_id: str | None = None,
) -> IncomingTicket:
    return IncomingTicket(
        helpdesk=TicketSource.ZENDESK,
        ticket_id=ticket_id,
        created_at=created_at,
        subject=subject,
        requester_email=email,
        order_number=number,
        status=status,
        external_id=external_id,
    )


def stored_tickets(engine: Engine) -> list[dict[str, object]]:
    with engine.connect() as connection:
        rows = connection.execute(select(support_tickets).order_by(support_tickets.c.ticket_id))
        return [dict(row._mapping) for row in rows]


@pytest.fixture
def shop(engine: Engine) -> Engine:
    """Two stores, each with an order #1001, and more orders of ann@example.com."""
    with engine.begin() as connection:
        seed_order(connection, "eu", "e-1", "#1001", "Ann@Example.com", MONDAY - timedelta(days=9))
        seed_order(connection, "us", "u-1", "#1001", "bob@example.com", MONDAY - timedelta(days=8))
        seed_order(connection, "us", "u-2", "2002", "ann@example.com", MONDAY - timedelta(days=2))
        seed_order(connection, "other", "o-1", "3003", "ann@example.com", MONDAY - timedelta(days=1))
    return engine


def _link(engine: Engine, number: str | None, email: str | None) -> tuple[str, str] | None:
    with engine.connect() as connection:
        return ticket_records.find_order_for_ticket(connection, number, email, STORES)


def test_order_number_matches_with_or_without_the_hash(shop: Engine) -> None:
    assert _link(shop, "2002", None) == ("us", "u-2")
    assert _link(shop, "#2002", None) == ("us", "u-2")


def test_number_in_two_stores_links_to_the_requesters_order(shop: Engine) -> None:
    assert _link(shop, "1001", "bob@example.com") == ("us", "u-1")
    assert _link(shop, "#1001", "ANN@example.com") == ("eu", "e-1")


def test_number_in_two_stores_without_the_requester_stays_unlinked(shop: Engine) -> None:
    assert _link(shop, "1001", "carol@example.com") is None
    assert _link(shop, "1001", None) is None


def test_without_a_matching_number_the_requesters_latest_order_is_linked(shop: Engine) -> None:
    # ann's latest order overall is in store "other", which is not configured.
    assert _link(shop, None, "ann@example.com") == ("us", "u-2")
    assert _link(shop, "9999", "Ann@Example.com") == ("us", "u-2")


def test_no_number_and_unknown_requester_links_nothing(shop: Engine) -> None:
    assert _link(shop, "9999", "carol@example.com") is None
    assert _link(shop, None, None) is None
    with shop.connect() as connection:
        assert ticket_records.find_order_for_ticket(connection, "3003", None, []) is None


def test_unlinked_ticket_is_still_recorded_and_counted(shop: Engine) -> None:
    with shop.begin() as connection:
        recorded = record_incoming(connection, ticket(email="carol@example.com"), "webhook", STORES)

    assert (recorded.link, recorded.created) == (None, True)
    [row] = stored_tickets(shop)
    assert (row["store_id"], row["order_id"], row["source"], row["helpdesk"]) == (
        None,
        None,
        "webhook",
        "zendesk",
    )
    with shop.connect() as connection:
        assert ticket_records.count_tickets(connection, MONDAY, MONDAY + timedelta(days=7)) == 1


def test_handoff_ticket_links_to_the_handoffs_order(shop: Engine) -> None:
    with shop.begin() as connection:
        connection.execute(
            insert(handoffs).values(
                store_id="eu", order_id="e-1", key="eu:e-1:backorder:level1", helpdesk="zendesk",
                reason="backorder", request={}, state="done", requested_at=MONDAY, attempts=1,
            )
        )  # fmt: skip
        recorded = record_incoming(
            connection, ticket(number="2002", external_id="eu:e-1:backorder:level1"), "webhook", STORES
        )

    assert recorded.link == ("eu", "e-1")


def test_recording_a_ticket_again_refreshes_it_and_keeps_its_link(shop: Engine) -> None:
    with shop.begin() as connection:
        first = record_incoming(connection, ticket(number="2002"), "webhook", STORES)
    with shop.begin() as connection:
        again = record_incoming(connection, ticket(status="solved", subject=""), "csv", STORES)

    assert (first.created, first.link) == (True, ("us", "u-2"))
    assert (again.created, again.link) == (False, ("us", "u-2"))
    [row] = stored_tickets(shop)
    assert (row["status"], row["subject"], row["source"]) == ("solved", "Where is my parcel?", "webhook")
    assert (row["store_id"], row["order_id"], row["order_number"]) == ("us", "u-2", "2002")


CSV_TEXT = (
    "ticket_id,created_at,subject,requester_email,order_number,status\n"
    "101,2026-11-02T09:30:00Z,Where is order #2002?,,,open\n"
    "102,2026-11-03T10:00:00Z,Damaged mug,ann@example.com,,new\n"
    "103,yesterday,Refund please,,1001,open\n"
    "104,2026-11-04T08:00:00+01:00,Question,not-an-address,,open\n"
    "105,2026-11-05T08:00:00Z,Nobody knows me,carol@example.com,,open\n"
    "101,2026-11-06T08:00:00Z,Duplicate id,,,open\n"
)


def test_csv_import_skips_and_reports_bad_rows_and_imports_the_rest(shop: Engine) -> None:
    report = import_csv(shop, CSV_TEXT, STORES)

    assert (report.imported, report.updated, report.linked) == (3, 0, 2)
    assert report.problems == [
        "row 4: column created_at: 'yesterday' is not an ISO 8601 date-time (e.g. 2026-11-02T09:30:00Z)",
        "row 5: column requester_email: 'not-an-address' is not an e-mail address",
        "row 7: column ticket_id: '101' already appears on row 2",
    ]
    rows = {row["ticket_id"]: row for row in stored_tickets(shop)}
    assert sorted(rows) == ["101", "102", "105"]
    assert (rows["101"]["order_id"], rows["102"]["order_id"], rows["105"]["order_id"]) == ("u-2", "u-2", None)
    assert {row["source"] for row in rows.values()} == {"csv"}
    assert {row["helpdesk"] for row in rows.values()} == {"csv"}


def test_importing_the_same_csv_twice_adds_nothing(shop: Engine) -> None:
    import_csv(shop, CSV_TEXT, STORES)
    before = stored_tickets(shop)

    report = import_csv(shop, CSV_TEXT, STORES)

    assert (report.imported, report.updated, report.linked) == (0, 3, 2)
    assert stored_tickets(shop) == before


def test_csv_filed_under_the_helpdesk_meets_its_webhook_tickets(shop: Engine) -> None:
    with shop.begin() as connection:
        record_incoming(connection, ticket("101", status="new"), "webhook", STORES)

    report = import_csv(shop, CSV_TEXT, STORES, helpdesk=TicketSource.ZENDESK)

    assert (report.imported, report.updated) == (2, 1)
    assert len(stored_tickets(shop)) == 3


def test_csv_without_its_header_imports_nothing(shop: Engine) -> None:
    with pytest.raises(ValueError, match="ticket_id"):
        import_csv(shop, "id,when,title\n1,2026-11-02T09:30:00Z,Hello\n", STORES)

    assert stored_tickets(shop) == []


def test_tickets_are_counted_in_a_week_window(shop: Engine) -> None:
    sunday_night = MONDAY + timedelta(days=7) - timedelta(seconds=1)
    with shop.begin() as connection:
        for ticket_id, created_at, number in [
            ("1", MONDAY - timedelta(seconds=1), "2002"),  # the week before
            ("2", MONDAY, "2002"),
            ("3", sunday_night, None),
            ("4", MONDAY + timedelta(days=7), "2002"),  # the next week
            ("5", MONDAY + timedelta(days=3), "1001"),  # ambiguous: unlinked
        ]:
            record_incoming(
                connection, ticket(ticket_id, number=number, created_at=created_at), "csv", STORES
            )

    with shop.connect() as connection:
        week = (MONDAY, MONDAY + timedelta(days=7))
        assert ticket_records.count_tickets(connection, *week) == 3
        assert ticket_records.count_tickets(connection, *week, store_id="us") == 1
        assert ticket_records.count_tickets(connection, *week, store_id="eu") == 0
        total = connection.execute(select(func.count()).select_from(support_tickets)).scalar_one()
    assert total == 5


def test_an_orders_tickets_are_listed_oldest_first(shop: Engine) -> None:
    with shop.begin() as connection:
        record_incoming(
            connection, ticket("2", number="2002", created_at=MONDAY + timedelta(hours=1)), "csv", STORES
        )
        record_incoming(connection, ticket("1", number="2002"), "webhook", STORES)
        record_incoming(connection, ticket("3", number="1001", email="bob@example.com"), "webhook", STORES)

    with shop.connect() as connection:
        listed = ticket_records.list_tickets(connection, "us", "u-2")

    assert [(row["ticket_id"], row["source"]) for row in listed] == [("1", "webhook"), ("2", "csv")]
