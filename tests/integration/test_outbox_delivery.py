"""The one outbox (`store.outbox`) over each of its three tables: customer messages,
helpdesk hand-offs and escalation notices are claimed, leased, retried and finished alike."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, Engine

from orderline.persistence import message_records, outbox
from orderline.persistence.handoff_records import HANDOFFS, HandoffAsk, insert_handoff
from orderline.persistence.message_records import MESSAGES, NewMessage
from orderline.persistence.notification_records import NOTIFICATIONS, Notice, queue_notice
from orderline.persistence.outbox import Failed, OutboxState, OutboxTable, RetryLater, Sent

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
LEASE = timedelta(minutes=5)
STORE, ORDER = "shop1", "7001"


def add_message(connection: Connection) -> None:
    message_records.insert_message(
        connection,
        NewMessage(
            STORE, ORDER, "k1", "order_confirmed", "email", "ann@example.com", [], {}, T0, OutboxState.QUEUED
        ),
    )


def add_handoff(connection: Connection) -> None:
    insert_handoff(connection, HandoffAsk(STORE, ORDER, "k1", "address_invalid escalated"), "zendesk", T0)


def add_notice(connection: Connection) -> None:
    queue_notice(connection, Notice(STORE, ORDER, "k1", "lead@shop1.example", "email", "s", "b"), T0)


TABLES: dict[str, tuple[OutboxTable, Callable[[Connection], None]]] = {
    "messages": (MESSAGES, add_message),
    "handoffs": (HANDOFFS, add_handoff),
    "notifications": (NOTIFICATIONS, add_notice),
}


@pytest.fixture(params=sorted(TABLES))
def table(request: pytest.FixtureRequest, engine: Engine) -> OutboxTable:
    """An outbox table holding one row, queued and due at T0."""
    box, add = TABLES[request.param]
    with engine.begin() as connection:
        add(connection)
    return box


def claim(engine: Engine, box: OutboxTable, now: datetime) -> list[outbox.Claim]:
    with engine.begin() as connection:
        return outbox.claim_due(connection, box, now, LEASE)


def finish(engine: Engine, box: OutboxTable, row_id: int, ending: outbox.Ending) -> None:
    with engine.begin() as connection:
        outbox.finish(connection, box, row_id, ending, {})


def row(engine: Engine, box: OutboxTable) -> dict[str, Any]:
    with engine.connect() as connection:
        (only,) = outbox.rows_of_order(connection, box, STORE, ORDER)
    return only


def test_a_due_row_is_claimed_once_until_its_lease_runs_out(engine: Engine, table: OutboxTable) -> None:
    # given a row claimed at T0
    (first,) = claim(engine, table, T0)
    # when other workers look during the lease, and after it
    during = claim(engine, table, T0 + LEASE - timedelta(seconds=1))
    (after,) = claim(engine, table, T0 + LEASE)
    # then only the one after the lease takes it, as an interrupted second attempt
    assert (first.attempts, first.interrupted) == (1, False)
    assert during == []
    assert (after.id, after.attempts, after.interrupted) == (first.id, 2, True)
    assert (row(engine, table)["state"], row(engine, table)["attempts"]) == ("sending", 2)


def test_a_row_to_retry_waits_for_its_due_time(engine: Engine, table: OutboxTable) -> None:
    # given a claimed row whose attempt failed for now
    (first,) = claim(engine, table, T0)
    finish(engine, table, first.id, RetryLater(T0 + timedelta(minutes=10), "HTTP 503"))
    # when workers look before and at its due time
    early = claim(engine, table, T0 + timedelta(minutes=9))
    stored = row(engine, table)
    (second,) = claim(engine, table, T0 + timedelta(minutes=10))
    # then it waits queued with the error, and is taken again when due
    assert early == []
    assert (stored["state"], stored["due_at"], stored["last_error"]) == (
        "queued",
        T0 + timedelta(minutes=10),
        "HTTP 503",
    )
    assert (second.attempts, second.interrupted) == (2, False)


def test_sent_is_written_in_each_tables_own_word_and_never_claimed_again(
    engine: Engine, table: OutboxTable
) -> None:
    # given a claimed row
    (first,) = claim(engine, table, T0)
    # when it was sent
    finish(engine, table, first.id, Sent())
    # then it is finished for good
    assert row(engine, table)["state"] == ("done" if table is HANDOFFS else "sent")
    assert claim(engine, table, T0 + timedelta(days=1)) == []


def test_a_failed_row_keeps_its_reason_and_is_never_claimed_again(engine: Engine, table: OutboxTable) -> None:
    (first,) = claim(engine, table, T0)

    finish(engine, table, first.id, Failed("HTTP 404"))

    assert (row(engine, table)["state"], row(engine, table)["last_error"]) == ("failed", "HTTP 404")
    assert claim(engine, table, T0 + timedelta(days=1)) == []


def test_an_interrupted_message_is_a_possible_duplicate_with_its_attempt_logged(engine: Engine) -> None:
    # given a message whose worker died after claiming it
    with engine.begin() as connection:
        add_message(connection)
    claim(engine, MESSAGES, T0)
    # when the next worker takes it after the lease
    with engine.begin() as connection:
        (message,) = message_records.claim_due(connection, T0 + LEASE, 1, LEASE)
    # then it is resent as a possible duplicate, and the lost attempt is on the record
    with engine.connect() as connection:
        attempts = message_records.list_attempts(connection, STORE, ORDER)
    assert (message.state, message.attempts, message.possible_duplicate) == ("sending", 2, True)
    assert [(a["outcome"], a["at"], a["possible_duplicate"]) for a in attempts] == [
        ("interrupted", T0 + LEASE, True)
    ]
    assert row(engine, MESSAGES)["claimed_at"] == T0 + LEASE


def test_a_finished_message_releases_its_claim_and_keeps_its_due_time(engine: Engine) -> None:
    with engine.begin() as connection:
        add_message(connection)
    (first,) = claim(engine, MESSAGES, T0 + timedelta(minutes=1))

    finish(engine, MESSAGES, first.id, Sent())

    stored = row(engine, MESSAGES)
    assert (stored["claimed_at"], stored["due_at"]) == (None, T0)
