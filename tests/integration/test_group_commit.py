"""The intake writer's group commit on both databases: batches bounded by `CommitSizing`,
the `in_transaction` hook inside every commit, and SQLite's write lock taken by polling."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.exc import OperationalError

from orderline.persistence.database import make_engine, migrate
from orderline.persistence.inbox import DeadLetterRecord, GroupCommitWriter, InboxRecord, Record
from orderline.persistence.intake_commits import CommitSizing, begin_write
from orderline.persistence.tables import dead_letters, inbox

T0 = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)


def _record(n: int, store_id: str = "s1") -> InboxRecord:
    return InboxRecord(
        platform="shopify",
        store_id=store_id,
        topic="orders/updated",
        dedupe_key=f"w-{n}",
        event_id=None,
        received_at=T0 + timedelta(seconds=n),
        triggered_at=T0,
        headers={"x-shopify-topic": "orders/updated"},
        body=b'{"id": %d}' % n,
    )


def _letter(n: int) -> DeadLetterRecord:
    return DeadLetterRecord(
        received_at=T0 + timedelta(seconds=n),
        platform="shopify",
        store_id="s1",
        path="/webhooks/shopify",
        status_code=401,
        reason="missing or invalid signature",
        headers={},
        body=b"{}",
    )


def _fixed(batch: int) -> CommitSizing:
    return CommitSizing(linger_s=0.0, min_batch=batch, max_batch=batch)


def _write_together(writer: GroupCommitWriter, records: Sequence[Record]) -> list[BaseException | None]:
    """Write `records` concurrently; each write's error, or None once it is committed."""

    async def run() -> list[BaseException | None]:
        writer.start()
        outcomes = await asyncio.gather(*(writer.write(r) for r in records), return_exceptions=True)
        await writer.stop()
        return [outcome if isinstance(outcome, BaseException) else None for outcome in outcomes]

    return asyncio.run(run())


def _count(engine: Engine, table: object) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_waiting_records_are_committed_in_batches_no_larger_than_the_limit(engine: Engine) -> None:
    commits: list[int] = []
    writer = GroupCommitWriter(engine, sizing=_fixed(100), on_commit=lambda: commits.append(1))

    outcomes = _write_together(writer, [_record(n) for n in range(250)])

    assert outcomes == [None] * 250
    assert _count(engine, inbox) == 250
    assert (writer.batches_committed, writer.records_committed, len(commits)) == (3, 250, 3)


def test_a_partial_batch_waits_for_its_oldest_to_linger_and_a_full_one_goes_at_once(engine: Engine) -> None:
    writer = GroupCommitWriter(engine, sizing=CommitSizing(linger_s=3600.0, min_batch=3, max_batch=3))

    async def run() -> tuple[int, int]:
        writer.start()
        first = [asyncio.ensure_future(writer.write(_record(n))) for n in range(2)]
        for _ in range(20):
            await asyncio.sleep(0)
        waiting = writer.batches_committed
        await asyncio.gather(writer.write(_record(2)), *first)
        await writer.stop()
        return waiting, writer.batches_committed

    assert asyncio.run(run()) == (0, 1)
    assert _count(engine, inbox) == 3


def test_in_transaction_gets_each_commits_inbox_records_with_their_rows_written(engine: Engine) -> None:
    calls: list[tuple[list[str], int]] = []

    def hook(connection: Connection, records: Sequence[InboxRecord]) -> None:
        stored = connection.execute(select(func.count()).select_from(inbox)).scalar_one()
        calls.append(([r.dedupe_key for r in records], int(stored)))

    writer = GroupCommitWriter(engine, sizing=_fixed(3), in_transaction=hook)

    outcomes = _write_together(writer, [_record(0), _letter(1), _record(2), _letter(3), _letter(4)])

    assert outcomes == [None] * 5
    # The second commit holds only dead letters: no inbox records, no call.
    assert calls == [(["w-0", "w-2"], 2)]
    assert (_count(engine, inbox), _count(engine, dead_letters)) == (2, 3)


def test_in_transaction_gets_redeliveries_too(engine: Engine) -> None:
    calls: list[list[str]] = []
    _write_together(GroupCommitWriter(engine), [_record(1)])
    writer = GroupCommitWriter(
        engine, in_transaction=lambda _c, records: calls.append([r.dedupe_key for r in records])
    )

    _write_together(writer, [_record(1)])

    assert calls == [["w-1"]]
    assert _count(engine, inbox) == 1


class HookFailed(Exception):
    pass


def test_a_failing_in_transaction_commits_nothing_and_every_writer_gets_its_error(engine: Engine) -> None:
    def hook(_connection: Connection, _records: Sequence[InboxRecord]) -> None:
        raise HookFailed("job queue refused")

    writer = GroupCommitWriter(engine, sizing=_fixed(10), in_transaction=hook)

    outcomes = _write_together(writer, [_record(n) for n in range(4)])

    assert [type(outcome) for outcome in outcomes] == [HookFailed] * 4
    assert (_count(engine, inbox), writer.records_committed, writer.batches_committed) == (0, 0, 0)


def test_the_one_by_one_fallback_calls_in_transaction_for_each_record(engine: Engine) -> None:
    calls: list[list[str]] = []

    def hook(_connection: Connection, records: Sequence[InboxRecord]) -> None:
        calls.append([r.dedupe_key for r in records])
        if len(records) > 1 or records[0].dedupe_key == "w-2":
            raise HookFailed(f"refused {len(records)}")

    writer = GroupCommitWriter(engine, sizing=_fixed(10), in_transaction=hook)

    outcomes = _write_together(writer, [_record(n) for n in range(3)])

    assert calls == [["w-0", "w-1", "w-2"], ["w-0"], ["w-1"], ["w-2"]]
    assert [type(outcome) for outcome in outcomes] == [type(None), type(None), HookFailed]
    with engine.connect() as connection:
        assert connection.execute(select(inbox.c.dedupe_key).order_by(inbox.c.id)).scalars().all() == [
            "w-0",
            "w-1",
        ]


def test_begin_write_polls_a_held_sqlite_lock_until_it_is_released(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'lock.db'}")
    migrate(engine)
    holder = engine.connect()
    holder.exec_driver_sql("BEGIN IMMEDIATE")
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        holder.commit()  # the processing batch ends while intake waits

    with engine.connect() as connection:
        begin_write(connection, poll_s=0.0005, sleep=sleep)
        connection.execute(inbox.insert(), [{**_row(_record(1))}])
        connection.commit()
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar_one() == 30000
    holder.close()
    assert sleeps == [0.0005]
    assert _count(engine, inbox) == 1
    engine.dispose()


def test_begin_write_gives_up_with_the_lock_error_after_its_timeout(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'lock.db'}")
    migrate(engine)
    holder = engine.connect()
    holder.exec_driver_sql("BEGIN IMMEDIATE")
    moments = iter([0.0, 0.5, 1.5])

    with engine.connect() as connection:
        with pytest.raises(OperationalError, match="locked"):
            begin_write(connection, timeout_s=1.0, monotonic=lambda: next(moments), sleep=lambda _s: None)
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar_one() == 30000
    holder.rollback()
    holder.close()
    engine.dispose()


def _row(record: InboxRecord) -> dict[str, object]:
    return {name: getattr(record, name) for name in record.__dataclass_fields__}
