"""A webhook id the inbox already holds: a retry (same body) is skipped, a reused id
(another body) is kept as a dead letter; on both databases."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, func, insert, select

from orderline.persistence.database import make_engine, migrate
from orderline.persistence.inbox import REUSED_WEBHOOK_ID, GroupCommitWriter, InboxRecord, body_digest
from orderline.persistence.inbox_queue import reset_for_replay
from orderline.persistence.tables import dead_letters, inbox

T0 = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
FIRST = b'{"id": 1, "total_price": "10.00"}'
SECOND = b'{"id": 1, "total_price": "99.00"}'


def _record(body: bytes, second: int = 0, key: str = "wh-1") -> InboxRecord:
    return InboxRecord(
        platform="shopify",
        store_id="s1",
        topic="orders/updated",
        dedupe_key=key,
        event_id=None,
        received_at=T0 + timedelta(seconds=second),
        triggered_at=T0,
        headers={"x-shopify-topic": "orders/updated", "x-shopify-hmac-sha256": "c2lnbmF0dXJl"},
        body=body,
    )


def _write_batches(engine: Engine, *batches: list[InboxRecord]) -> GroupCommitWriter:
    """Each batch written concurrently (one transaction), one batch after the other."""
    writer = GroupCommitWriter(engine)

    async def run() -> None:
        writer.start()
        for batch in batches:
            await asyncio.gather(*(writer.write(r) for r in batch))
        await writer.stop()

    asyncio.run(run())
    return writer


def _inbox_rows(engine: Engine) -> list[tuple[int, bytes, str | None]]:
    with engine.connect() as connection:
        rows = connection.execute(select(inbox.c.id, inbox.c.body, inbox.c.body_sha256).order_by(inbox.c.id))
        return [(int(i), bytes(b), h) for i, b, h in rows]


def _letters(engine: Engine) -> list[dict[str, object]]:
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(select(dead_letters)).mappings()]


def test_redelivery_with_the_same_body_is_stored_once_and_is_no_anomaly(engine: Engine) -> None:
    writer = _write_batches(
        engine, [_record(FIRST)], [_record(FIRST, 5)], [_record(FIRST, 6), _record(FIRST, 7)]
    )

    assert _inbox_rows(engine) == [(1, FIRST, body_digest(FIRST))]
    assert _letters(engine) == []
    assert (writer.records_committed, writer.reused_webhook_ids) == (4, 0)


def test_reused_webhook_id_with_another_body_is_a_dead_letter_with_the_new_body(engine: Engine) -> None:
    writer = _write_batches(engine, [_record(FIRST)], [_record(SECOND, 5)])

    ((original_id, body, _),) = _inbox_rows(engine)
    assert body == FIRST
    (letter,) = _letters(engine)
    assert letter["reason"] == (
        f"{REUSED_WEBHOOK_ID}: inbox {original_id} holds orders/updated 'wh-1' with another body "
        f"(sha256 {body_digest(FIRST)[:12]}, this one {body_digest(SECOND)[:12]}); "
        "this body was acknowledged, not processed"
    )
    assert (letter["body"], letter["path"], letter["status_code"]) == (SECOND, f"inbox/{original_id}", 200)
    assert (letter["store_id"], letter["received_at"], letter["inbox_id"]) == (
        "s1",
        T0 + timedelta(seconds=5),
        None,
    )
    assert letter["headers"] == {
        "x-shopify-topic": "orders/updated",
        "x-shopify-hmac-sha256": "<redacted; verified>",
    }
    assert (writer.records_committed, writer.reused_webhook_ids) == (2, 1)


def test_two_bodies_under_one_id_in_the_same_commit_keep_the_first_and_file_the_second(
    engine: Engine,
) -> None:
    writer = _write_batches(
        engine, [_record(FIRST), _record(SECOND, 1), _record(FIRST, 2), _record(FIRST, 3, "wh-2")]
    )

    assert [body for _, body, _ in _inbox_rows(engine)] == [FIRST, FIRST]
    assert [letter["body"] for letter in _letters(engine)] == [SECOND]
    assert (writer.batches_committed, writer.reused_webhook_ids) == (1, 1)


def test_the_reused_id_is_found_by_a_restarted_writer_and_its_dead_letter_outlives_a_replay(
    database_url: str,
) -> None:
    first = make_engine(database_url)
    migrate(first)
    _write_batches(first, [_record(FIRST)])
    first.dispose()

    restarted = make_engine(database_url)
    try:
        writer = _write_batches(restarted, [_record(SECOND, 60)])
        with restarted.begin() as connection:
            reset_for_replay(connection, [original_id for original_id, _, _ in _inbox_rows(restarted)])
        assert writer.reused_webhook_ids == 1
        assert [(letter["body"], letter["status_code"]) for letter in _letters(restarted)] == [(SECOND, 200)]
    finally:
        restarted.dispose()


def test_a_row_stored_before_migration_0005_is_compared_by_its_body(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        migrate(engine, "0004")
        with engine.begin() as connection:
            legacy = {k: v for k, v in _row_of(_record(FIRST)).items() if k != "body_sha256"}
            connection.execute(insert(inbox), [legacy])
        migrate(engine)

        writer = _write_batches(engine, [_record(FIRST, 5)], [_record(SECOND, 6)])

        assert _inbox_rows(engine) == [(1, FIRST, None)]
        assert [letter["body"] for letter in _letters(engine)] == [SECOND]
        assert writer.reused_webhook_ids == 1
        with engine.connect() as connection:
            assert connection.execute(select(func.count()).select_from(inbox)).scalar_one() == 1
    finally:
        engine.dispose()


def _row_of(record: InboxRecord) -> dict[str, object]:
    return {name: getattr(record, name) for name in record.__dataclass_fields__}
