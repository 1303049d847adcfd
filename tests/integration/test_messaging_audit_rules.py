"""The messaging audit's rules, one by one, on both databases: outbox rows and exceptions
written directly for an order whose own facts say otherwise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import typer
from sqlalchemy import Connection, Engine, func, select
from typer.testing import CliRunner, Result

from orderline.cli import audit as audit_cli
from orderline.domain.facts import (
    DeliveryEvent,
    Fact,
    LineItem,
    LineQuantity,
    OrderSnapshot,
    RefundRecorded,
    ShipmentRecorded,
)
from orderline.domain.fold import fold
from orderline.domain.order_exceptions.findings import Finding
from orderline.domain.vocabulary import DeliveryStatus, ExceptionType, PaymentStatus, ShipmentState
from orderline.persistence import exception_records, message_records, outbox
from orderline.persistence.message_records import MESSAGES, NewMessage
from orderline.persistence.messaging_tables import messages
from orderline.persistence.outbox import Failed, Sent
from orderline.persistence.projections import save_projections
from orderline.services.messaging_audit import AuditReport, FindingKind, audit_messages
from orderline.services.order_rows import projection_of

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=5)
STORE = "shop1"
TYPES = frozenset({"backorder", "address_invalid"})
WINDOW = timedelta(hours=48)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def snapshot(order_id: str, **changes: object) -> OrderSnapshot:
    values: dict[str, object] = {
        "order_id": order_id,
        "updated_at": T0,
        "placed_at": T0,
        "payment_status": PaymentStatus.PAID,
        "lines": (LineItem("L1", "Mug", 2, Decimal("10.00")),),
        "order_number": f"#{order_id}",
        "email": "ann@example.com",
    }
    return OrderSnapshot(**(values | changes))  # type: ignore[arg-type]


def parcel(order_id: str, shipment_id: str, **changes: object) -> ShipmentRecorded:
    return ShipmentRecorded(order_id, shipment_id, at(2), at(2), (LineQuantity("L1", 1),), **changes)  # type: ignore[arg-type]


def store_order(connection: Connection, order_id: str, *facts: Fact) -> None:
    order = fold(STORE, order_id, (snapshot(order_id), *facts))
    assert order is not None
    save_projections(connection, [projection_of(order, len(facts) + 1)])


def sent(connection: Connection, order_id: str, kind: str, covers: list[str], hours: float = 30) -> int:
    """A message recorded and delivered, the way the delivery worker leaves it."""
    key = f"{STORE}-{order_id}-{kind}-{len(covers)}-{hours}"
    message_records.insert_message(
        connection,
        NewMessage(STORE, order_id, key, kind, "email", "ann@example.com", covers, {}, at(hours), "queued"),
    )
    message_id = connection.execute(
        select(messages.c.id).where(messages.c.idempotency_key == key)
    ).scalar_one()
    outbox.finish(connection, MESSAGES, message_id, Sent(), {"sent_at": at(hours), "remote_id": f"<{key}>"})
    return int(message_id)


def audit(engine: Engine, now: datetime = NOW) -> AuditReport:
    with engine.connect() as connection:
        return audit_messages(connection, now, TYPES, lambda store: WINDOW if store == STORE else None)


def contradictions(engine: Engine) -> list[tuple[str, str]]:
    return [(f.order_id, f.detail) for f in audit(engine).of_kind(FindingKind.CONTRADICTION)]


def test_a_shipment_announced_that_the_order_does_not_have_or_that_was_cancelled_contradicts(
    engine: Engine,
) -> None:
    with engine.begin() as connection:
        store_order(connection, "1", parcel("1", "s1"), parcel("1", "s2", state=ShipmentState.CANCELLED))
        good = sent(connection, "1", "shipment_sent", ["shipment:s1"], hours=3)
        ghost = sent(connection, "1", "shipment_sent", ["shipment:s9"], hours=10)
        cancelled = sent(connection, "1", "shipment_sent", ["shipment:s2", "confirmed"], hours=20)

    found = audit(engine).of_kind(FindingKind.CONTRADICTION)

    assert [(f.message_id, f.detail) for f in found] == [
        (ghost, f"shipment_sent (message {ghost}): announced shipment s9, which the order does not have"),
        (cancelled, f"shipment_sent (message {cancelled}): announced shipment s2, which is cancelled"),
    ]
    assert good not in {f.message_id for f in found}
    assert [(f.order_number, f.owner, f.since) for f in found] == [
        ("#1", "support", at(10)),
        ("#1", "support", at(20)),
    ]


def test_a_delivery_announced_for_an_order_neither_delivered_nor_with_a_delivered_parcel_contradicts(
    engine: Engine,
) -> None:
    with engine.begin() as connection:
        store_order(connection, "2", parcel("2", "s1"))  # shipped in part, nothing delivered
        partly = (parcel("3", "s1"), DeliveryEvent("3", "s1", "d1", DeliveryStatus.DELIVERED, at(20)))
        store_order(connection, "3", *partly)  # one parcel delivered, one unit still to ship
        wrong = sent(connection, "2", "order_delivered", ["delivered"])
        sent(connection, "3", "order_delivered", ["delivered"])

    assert contradictions(engine) == [
        ("2", f"order_delivered (message {wrong}): announced the delivery, but the order is "
              "partially_shipped and no shipment is delivered"),
    ]  # fmt: skip


def test_a_cancellation_announced_for_an_order_not_cancelled_contradicts(engine: Engine) -> None:
    with engine.begin() as connection:
        store_order(connection, "4")
        store_order(connection, "5", snapshot("5", cancelled_at=at(5), cancel_reason="customer"))
        wrong = sent(connection, "4", "order_cancelled", ["cancelled"])
        sent(connection, "5", "order_cancelled", ["cancelled"])

    assert contradictions(engine) == [
        (
            "4",
            f"order_cancelled (message {wrong}): announced the cancellation, "
            "but the order is ready_to_fulfill",
        ),
    ]


def test_a_refund_announced_that_the_order_does_not_have_contradicts(engine: Engine) -> None:
    with engine.begin() as connection:
        store_order(connection, "6", RefundRecorded("6", "r1", at(4), Decimal("5.00")))
        sent(connection, "6", "refund_issued", ["refund:r1"], hours=5)
        ghost = sent(connection, "6", "refund_issued", ["refund:r2"], hours=6)

    assert contradictions(engine) == [
        ("6", f"refund_issued (message {ghost}): announced refund r2, which the order does not have"),
    ]


def test_a_message_for_an_order_orderline_does_not_know_contradicts(engine: Engine) -> None:
    with engine.begin() as connection:
        sent(connection, "404", "order_cancelled", ["cancelled"])

    (finding,) = audit(engine).findings
    assert (finding.kind, finding.order_number) == (FindingKind.CONTRADICTION, None)
    assert finding.detail.endswith("the order is not known to Orderline")


def test_messages_whose_facts_agree_and_messages_sent_after_now_are_not_findings(engine: Engine) -> None:
    with engine.begin() as connection:
        store_order(connection, "7", parcel("7", "s1"))
        sent(connection, "7", "shipment_sent", ["shipment:s1"])
        sent(connection, "7", "order_delivered", ["delivered"], hours=24 * 6)  # after NOW

    assert audit(engine).is_clean
    assert not audit(engine, at(24 * 7)).is_clean


# --- silence -----------------------------------------------------------------------------


def open_exception(
    connection: Connection, order_id: str, type_: str, opened: float, resolved: float | None
) -> None:
    finding = Finding(ExceptionType(type_), f"{type_}:x", at(opened), "operations", "why", None, ())
    exception_records.open_exception(connection, STORE, order_id, finding, 0)
    if resolved is not None:
        row = exception_records.get_exception(connection, STORE, order_id, finding.key)
        assert row is not None
        exception_records.resolve_exception(connection, row.id, at(resolved), "gone", None)


def suppressed(connection: Connection, order_id: str, hours: float) -> None:
    message = NewMessage(
        STORE,
        order_id,
        f"sup-{order_id}-{hours}",
        "shipment_sent",
        "email",
        None,
        [],
        {},
        at(hours),
        "suppressed",
    )
    message_records.insert_message(connection, message)


def silent(engine: Engine, now: datetime = NOW) -> list[tuple[str, datetime]]:
    return [(f.order_id, f.since) for f in audit(engine, now).of_kind(FindingKind.SILENT)]


def test_an_open_exception_without_word_for_longer_than_the_window_is_silent(engine: Engine) -> None:
    with engine.begin() as connection:
        for order_id in ("10", "11", "12", "13"):
            store_order(connection, order_id)
        open_exception(connection, "10", "backorder", opened=50, resolved=None)  # nobody told: silent
        open_exception(connection, "11", "backorder", opened=50, resolved=None)
        sent(connection, "11", "exception_update", [], hours=80)  # told 40 h before NOW
        open_exception(connection, "12", "backorder", opened=50, resolved=None)
        suppressed(connection, "12", hours=100)  # the platform told the buyer
        open_exception(connection, "13", "fraud_review", opened=10, resolved=None)  # not buyer-facing

    assert silent(engine) == [("10", at(50) + WINDOW)]
    (finding,) = audit(engine).of_kind(FindingKind.SILENT)
    assert (finding.owner, finding.order_number) == ("support", "#10")
    assert finding.detail == (
        "backorder open since 2027-03-03T11:00:00+00:00; never heard from us: 70.0h of silence, "
        "more than the 48.0h allowed"
    )
    assert silent(engine, at(50) + WINDOW) == []  # exactly at the limit is not yet silent


def test_exceptions_that_follow_one_another_are_one_period_and_a_resolved_one_is_not_silent(
    engine: Engine,
) -> None:
    with engine.begin() as connection:
        for order_id in ("20", "21"):
            store_order(connection, order_id)
        open_exception(connection, "20", "address_invalid", opened=30, resolved=90)
        open_exception(connection, "20", "backorder", opened=80, resolved=None)  # the wait began at 30
        sent(connection, "20", "exception_notice", [], hours=40)
        open_exception(connection, "21", "backorder", opened=10, resolved=100)  # resolved before NOW

    assert silent(engine) == [("20", at(40) + WINDOW)]
    assert silent(engine, at(99)) == [("20", at(40) + WINDOW), ("21", at(10) + WINDOW)]  # 21 was open then


def test_a_store_without_a_silence_window_is_not_audited_for_silence(engine: Engine) -> None:
    with engine.begin() as connection:
        store_order(connection, "30")
        open_exception(connection, "30", "backorder", opened=0, resolved=None)

    with engine.connect() as connection:
        report = audit_messages(connection, NOW, TYPES, lambda _store: None)
    assert report.is_clean


# --- failed deliveries ---------------------------------------------------------------------


def test_failed_deliveries_are_listed_for_support_with_their_last_attempt(engine: Engine) -> None:
    with engine.begin() as connection:
        store_order(connection, "40")
        message_records.insert_message(
            connection,
            NewMessage(STORE, "40", "k40", "order_confirmed", "email", "ann@example.com", ["confirmed"], {},
                       at(1), "queued"),
        )  # fmt: skip
        (claimed,) = message_records.claim_due(connection, at(2), 1, timedelta(minutes=5))
        outbox.record_attempt(connection, MESSAGES, claimed, at(2), "permanent", "RCPT TO refused: 550")
        outbox.finish(connection, MESSAGES, claimed.id, Failed("RCPT TO refused: 550"), {})
        message_records.insert_message(
            connection,
            NewMessage(STORE, "40", "k41", "order_confirmed", "email", None, [], {}, at(3), "failed",
                       last_error="the order has no buyer e-mail address"),
        )  # fmt: skip
        count = connection.execute(select(func.count()).select_from(messages)).scalar_one()
    assert count == 2

    found = audit(engine).of_kind(FindingKind.FAILED_DELIVERY)

    assert [(f.order_number, f.owner, f.since, f.detail) for f in found] == [
        ("#40", "support", at(2), "order_confirmed (message 1) to ann@example.com: RCPT TO refused: 550"),
        ("#40", "support", at(3),
         "order_confirmed (message 2) to no recipient: the order has no buyer e-mail address"),
    ]  # fmt: skip


# --- the command ---------------------------------------------------------------------------


def run_command(engine: Engine, directory: Path, now: datetime) -> Result:
    path = directory / "orderline.yaml"
    path.write_text(
        f"database_url: '{engine.url.render_as_string(hide_password=False)}'\n"
        f"stores: [{{id: {STORE}, platform: shopify, shop_domain: s.myshopify.com, webhook_secrets: [s]}}]\n"
        "messaging: {smtp: {host: 127.0.0.1, sender: o@s.example, message_id_domain: s.example}}\n"
    )
    app = typer.Typer()
    app.add_typer(audit_cli.app, name="audit")
    return CliRunner().invoke(app, ["audit", "messages", "--now", now.isoformat(), "--config", str(path)])


def test_the_command_prints_a_table_of_findings_and_exits_1_or_says_clean_and_exits_0(
    engine: Engine, tmp_path: Path
) -> None:
    with engine.begin() as connection:
        store_order(connection, "50")
        open_exception(connection, "50", "backorder", opened=10, resolved=None)

    before = run_command(engine, tmp_path, at(58))
    after = run_command(engine, tmp_path, at(59))

    assert (before.exit_code, after.exit_code) == (0, 1), after.output
    assert f"messaging audit at {at(58).isoformat().replace('+00:00', 'Z')}: clean" in before.stdout
    assert "silent" in after.stdout and "#50" in after.stdout
    assert "1 silent, 0 contradiction, 0 failed_delivery" in after.stdout
