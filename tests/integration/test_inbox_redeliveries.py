"""Redeliveries counted per (store, dedupe key) by the intake write path, on both
databases: a key repeated within one batch, a key stored by an earlier batch, and an
import (no webhook) that counts nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, func, select

from orderline.persistence.inbox import InboxRecord, write_records
from orderline.persistence.tables import inbox, inbox_redeliveries

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def _record(key: str, second: int) -> InboxRecord:
    return InboxRecord(
        platform="shopify",
        store_id="s1",
        topic="orders/updated",
        dedupe_key=key,
        event_id=None,
        received_at=T0 + timedelta(seconds=second),
        triggered_at=T0,
        headers={"x-shopify-topic": "orders/updated"},
        body=b'{"id": 1}',
    )


def _redeliveries(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as connection:
        rows = connection.execute(select(inbox_redeliveries).order_by(inbox_redeliveries.c.dedupe_key))
        return [tuple(row) for row in rows]


def test_a_key_repeated_in_a_batch_and_one_stored_before_are_counted_apart(engine: Engine) -> None:
    with engine.begin() as connection:
        write_records(connection, [_record("old", 0)], file_reused_ids=True)
    with engine.begin() as connection:
        batch = [
            _record("new", 1),
            _record("new", 2),
            _record("old", 3),
            _record("fresh", 4),
            _record("new", 5),
        ]
        write_records(connection, batch, file_reused_ids=True)
    with engine.begin() as connection:
        write_records(connection, [_record("old", 9)], file_reused_ids=True)

    with engine.connect() as connection:
        stored = connection.execute(select(func.count()).select_from(inbox)).scalar_one()
    assert stored == 3
    assert _redeliveries(engine) == [
        ("s1", "new", 2, T0 + timedelta(seconds=2), T0 + timedelta(seconds=5)),
        ("s1", "old", 2, T0 + timedelta(seconds=3), T0 + timedelta(seconds=9)),
    ]


def test_an_import_that_meets_stored_keys_counts_no_redelivery(engine: Engine) -> None:
    with engine.begin() as connection:
        write_records(connection, [_record("a", 0)])
        write_records(connection, [_record("a", 1)])

    assert _redeliveries(engine) == []
