"""The store on both databases: schema, durable inbox with group commit, tokens."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, func, select

from orderline.persistence import tokens
from orderline.persistence.inbox import DeadLetterRecord, GroupCommitWriter, InboxRecord, Record
from orderline.persistence.intake_commits import CommitSizing
from orderline.persistence.tables import dead_letters, inbox, metadata

T0 = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)


def _record(n: int, dedupe: str | None = None) -> InboxRecord:
    return InboxRecord(
        platform="shopify",
        store_id="s1",
        topic="orders/updated",
        dedupe_key=dedupe or f"w-{n}",
        event_id=f"e-{n}",
        received_at=T0 + timedelta(seconds=n),
        triggered_at=T0,
        headers={"x-shopify-topic": "orders/updated"},
        body=b'{"id": %d}' % n,
    )


def test_migrations_produce_exactly_the_declared_schema(engine: Engine) -> None:
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []


def _write_all(
    engine: Engine, records: list[Record], writer: GroupCommitWriter | None = None
) -> GroupCommitWriter:
    writer = writer or GroupCommitWriter(engine)

    async def run() -> None:
        writer.start()
        await asyncio.gather(*(writer.write(r) for r in records))
        await writer.stop()

    asyncio.run(run())
    return writer


def test_group_commit_stores_every_concurrent_record_once(engine: Engine) -> None:
    commits: list[int] = []
    one_batch = CommitSizing(min_batch=400, max_batch=400)
    writer = GroupCommitWriter(engine, sizing=one_batch, on_commit=lambda: commits.append(1))

    _write_all(engine, [_record(n) for n in range(400)], writer)

    with engine.connect() as connection:
        stored = connection.execute(select(func.count()).select_from(inbox)).scalar_one()
    assert stored == 400
    assert writer.records_committed == 400
    assert writer.batches_committed == len(commits) == 1  # all 400 were waiting together


def test_write_before_start_is_refused(engine: Engine) -> None:
    with pytest.raises(RuntimeError, match="before start"):
        asyncio.run(GroupCommitWriter(engine).write(_record(1)))


def test_redelivery_with_the_same_dedupe_key_is_acknowledged_and_stored_once(engine: Engine) -> None:
    _write_all(engine, [_record(1, dedupe="same")])
    _write_all(engine, [_record(2, dedupe="same")])

    with engine.connect() as connection:
        rows = connection.execute(select(inbox.c.body, inbox.c.received_at)).all()
    assert rows == [(b'{"id": 1}', T0 + timedelta(seconds=1))]


def test_dead_letters_keep_body_and_reason(engine: Engine) -> None:
    letter = DeadLetterRecord(
        received_at=T0,
        platform="shopify",
        store_id=None,
        path="/webhooks/shopify",
        status_code=401,
        reason="missing or invalid signature",
        headers={"x": "y"},
        body=b"\x00raw",
    )
    _write_all(engine, [letter])

    with engine.connect() as connection:
        row = connection.execute(select(dead_letters)).one()
    assert (row.status_code, row.reason, row.body, row.received_at) == (
        401,
        "missing or invalid signature",
        b"\x00raw",
        T0,
    )


def test_token_is_found_by_its_value_until_revoked(engine: Engine) -> None:
    with engine.begin() as connection:
        token = tokens.create_token(connection, name="ops", role="operations", now=T0)
    with engine.connect() as connection:
        assert tokens.holder_of(connection, token) == tokens.TokenHolder("ops", "operations")
        assert tokens.holder_of(connection, token + "x") is None
        (info,) = tokens.list_tokens(connection)
    with engine.begin() as connection:
        assert tokens.revoke_token(connection, info.id, T0) is True
        assert tokens.revoke_token(connection, info.id, T0) is False
    with engine.connect() as connection:
        assert tokens.holder_of(connection, token) is None
