"""The exception queue service on both databases: what an action answers with is what the
queue itself says of the exception at the same moment, SLA state included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from orderline.domain.order_exceptions import EscalationDue, Finding
from orderline.domain.vocabulary import ExceptionType
from orderline.persistence import exception_records as records
from orderline.services.exception_queue import (
    DUE_SOON,
    Action,
    ExceptionNotFound,
    ExceptionQueue,
    ExceptionRef,
    QueueFilter,
)

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
KEY = "address_invalid:postal_code"
REF = ExceptionRef("s1", "o1", KEY)


def _open(engine: Engine, *first_due_at: datetime) -> None:
    """An open address exception of s1/o1 whose first escalation level is due at
    `first_due_at` (none given: an exception without a ladder)."""
    levels = tuple(EscalationDue(1, at, "support_lead") for at in first_due_at)
    finding = Finding(
        ExceptionType.ADDRESS_INVALID, KEY, T0 - timedelta(hours=5), "support", "bad ZIP", None, levels
    )
    with engine.begin() as connection:
        records.open_exception(connection, "s1", "o1", finding, level_reached=0)


@pytest.mark.parametrize(
    ("first_due_at", "sla"),
    [
        (T0 - timedelta(minutes=1), "breached"),
        (T0, "breached"),
        (T0 + timedelta(minutes=1), "due_soon"),
        (T0 + DUE_SOON, "due_soon"),
        (T0 + DUE_SOON + timedelta(seconds=1), "ok"),
    ],
)
def test_an_action_answers_with_the_sla_state_the_queue_lists(
    engine: Engine, first_due_at: datetime, sla: str
) -> None:
    queue = ExceptionQueue(engine)
    _open(engine, first_due_at)

    listed = queue.entries(QueueFilter(), T0)
    acted = queue.act(REF, Action.ACKNOWLEDGE, "ann", T0)

    assert [(entry.exception.order_id, entry.sla) for entry in listed] == [("o1", sla)]
    assert (acted.sla, acted.exception.acknowledged_by) == (sla, "ann")


def test_an_exception_without_a_ladder_is_ok_in_the_queue_and_after_an_action(engine: Engine) -> None:
    queue = ExceptionQueue(engine)
    _open(engine)

    listed = queue.entries(QueueFilter(sla="ok"), T0)
    acted = queue.act(REF, Action.NOTE, "ann", T0, "called the buyer")

    assert [entry.sla for entry in listed] == ["ok"]
    assert (acted.sla, [note["text"] for note in acted.exception.notes]) == ("ok", ["called the buyer"])


def test_acting_on_a_missing_exception_is_refused_and_records_nothing(engine: Engine) -> None:
    queue = ExceptionQueue(engine)

    with pytest.raises(ExceptionNotFound):
        queue.act(REF, Action.ACKNOWLEDGE, "ann", T0)

    with engine.connect() as connection:
        assert records.list_events(connection, "s1", "o1") == []
