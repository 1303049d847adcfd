"""The messaging audit and the go-live guard, on both databases: an open exception the
buyer was never told of because its news was history when Orderline learned it (an import
brought it, or it was old on arrival) is not silent; it is counted as unannounced history.
One Orderline owed the buyer word about stays silent until the buyer hears."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Connection, Engine, select

from orderline.domain.facts import LineItem, OrderSnapshot, fact_key, fact_to_dict
from orderline.domain.fold import fold
from orderline.domain.messaging import notice_key
from orderline.domain.order_exceptions.findings import Finding
from orderline.domain.vocabulary import ExceptionType, PaymentStatus
from orderline.persistence import exception_records, message_records
from orderline.persistence.inbox import InboxRecord, write_records
from orderline.persistence.message_records import NewMessage
from orderline.persistence.projections import FactRow, insert_facts, save_projections
from orderline.persistence.tables import inbox
from orderline.services.messaging import news_provenance
from orderline.services.messaging_audit import AuditReport, FindingKind, audit_messages
from orderline.services.order_rows import projection_of

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=5)
STORE = "shop1"
WINDOW = timedelta(hours=48)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def learn(connection: Connection, order_id: str, dedupe_key: str, received: float, placed: float) -> None:
    """An order learned from one delivery received at `received` (hours from T0), its
    snapshot placed and last updated at `placed`."""
    snapshot = OrderSnapshot(
        order_id=order_id, updated_at=at(placed), placed_at=at(placed), payment_status=PaymentStatus.PAID,
        lines=(LineItem("L1", "Mug", 1, Decimal("10.00")),), order_number=f"#{order_id}",
    )  # fmt: skip
    record = InboxRecord("shopify", STORE, "orders/updated", dedupe_key, None, at(received), None, {}, b"{}")
    write_records(connection, [record])
    inbox_id = connection.execute(select(inbox.c.id).where(inbox.c.dedupe_key == dedupe_key)).scalar_one()
    fact = FactRow(
        STORE, order_id, fact_key(snapshot), "OrderSnapshot", at(placed), fact_to_dict(snapshot), inbox_id
    )
    insert_facts(connection, [fact])
    order = fold(STORE, order_id, [snapshot])
    assert order is not None
    save_projections(connection, [projection_of(order, 1)])


def open_backorder(connection: Connection, order_id: str, opened: float) -> Finding:
    finding = Finding(
        ExceptionType.BACKORDER, "backorder:fo1", at(opened), "operations", "no stock", None, ()
    )
    exception_records.open_exception(connection, STORE, order_id, finding, 0)
    return finding


def audit(engine: Engine, now: datetime = NOW) -> AuditReport:
    with engine.connect() as connection:
        return audit_messages(connection, now, {"backorder"}, lambda _store: WINDOW)


def test_exceptions_whose_news_was_history_are_not_silent_but_counted(engine: Engine) -> None:
    with engine.begin() as connection:
        # Imported at T0, placed an hour before: recent, but history all the same
        learn(connection, "60", "import:60:v1", received=0, placed=-1)
        open_backorder(connection, "60", opened=-0.5)
        # Re-sent at T0 by the platform, placed 20 days before: old when it arrived
        learn(connection, "61", "webhook-61", received=0, placed=-480)
        open_backorder(connection, "61", opened=-470)
        # Live: the exception opened an hour after the order arrived, and nobody told the buyer
        learn(connection, "62", "webhook-62", received=0, placed=0)
        open_backorder(connection, "62", opened=1)

    report = audit(engine)

    assert [(f.order_id, f.since) for f in report.of_kind(FindingKind.SILENT)] == [("62", at(1) + WINDOW)]
    assert report.unannounced_history == 2
    assert report.as_dict()["unannounced_history"] == 2


def test_an_exception_whose_notice_was_decided_stays_owed_whatever_its_provenance(engine: Engine) -> None:
    # Given an imported order whose exception's notice was decided, but never reached the buyer
    with engine.begin() as connection:
        learn(connection, "70", "import:70:v1", received=0, placed=-1)
        finding = open_backorder(connection, "70", opened=-0.5)
        notice = notice_key(finding.key, finding.opened_at)
        message_records.insert_message(
            connection,
            NewMessage(STORE, "70", "k70", "exception_notice", "email", None, [notice], {}, at(0), "failed"),
        )

    report = audit(engine)

    assert [f.order_id for f in report.of_kind(FindingKind.SILENT)] == ["70"]
    assert report.unannounced_history == 0


def test_provenance_reads_when_and_how_each_delivery_first_brought_facts(engine: Engine) -> None:
    with engine.begin() as connection:
        learn(connection, "80", "import:80:v1", received=0, placed=-30)

    with engine.connect() as connection:
        now = news_provenance(connection, STORE, "80", at(1))
        before = news_provenance(connection, STORE, "80", at(-1))

    (arrival,) = now.arrivals
    assert (arrival.received_at, arrival.newest_at, arrival.is_import) == (at(0), at(-30), True)
    assert before.arrivals == ()  # not received yet at that moment
