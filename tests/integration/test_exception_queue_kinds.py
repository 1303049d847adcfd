"""Informational exceptions in the queue, on both databases: a split shipment whose only
level fell due when it opened has no SLA (`none`), is never `breached`, and is listed
after the problems, even an older one; the `kind` filter shows one part or the other."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from orderline.domain.order_exceptions import EscalationDue, Finding
from orderline.domain.vocabulary import ExceptionType
from orderline.persistence import exception_records as records
from orderline.services.exception_queue import Action, ExceptionQueue, ExceptionRef, QueueFilter

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _open(engine: Engine, order_id: str, type_: ExceptionType, opened_at: datetime, due: datetime) -> None:
    finding = Finding(
        type_, f"{type_}:x", opened_at, "operations", "why", None, (EscalationDue(1, due, "operations"),)
    )
    with engine.begin() as connection:
        records.open_exception(connection, "s1", order_id, finding, level_reached=1)


def test_an_informational_exception_never_breaches_and_sits_after_the_problems(engine: Engine) -> None:
    queue = ExceptionQueue(engine)
    _open(engine, "split", ExceptionType.SPLIT_SHIPMENT, T0 - 48 * HOUR, T0 - 48 * HOUR)
    _open(engine, "late", ExceptionType.FULFILLMENT_DELAYED, T0 - 10 * HOUR, T0 - 6 * HOUR)
    _open(engine, "new", ExceptionType.STALE_ORDER, T0 - HOUR, T0 + 3 * HOUR)

    listed = [(e.exception.order_id, e.sla, e.kind) for e in queue.entries(QueueFilter(), T0)]
    problems = [e.exception.order_id for e in queue.entries(QueueFilter(kind="problem"), T0)]
    notices = [e.exception.order_id for e in queue.entries(QueueFilter(kind="informational"), T0)]
    breached = [e.exception.order_id for e in queue.entries(QueueFilter(sla="breached"), T0)]
    acted = queue.act(ExceptionRef("s1", "split", "split_shipment:x"), Action.ACKNOWLEDGE, "ann", T0)

    assert listed == [
        ("late", "breached", "problem"),
        ("new", "ok", "problem"),
        ("split", "none", "informational"),
    ]
    assert (problems, notices, breached) == (["late", "new"], ["split"], ["late"])
    assert (acted.sla, acted.kind) == ("none", "informational")
    assert queue.counts_by_owner(QueueFilter(kind="problem"), T0) == {"operations": 2}
