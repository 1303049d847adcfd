"""The durable inbox: every delivery's raw bytes, committed before it is acknowledged.

`GroupCommitWriter` owns the intake write path. Concurrent requests hand it their rows
and wait; it writes whatever has queued up in a single transaction and resolves every
waiter once the commit (an fsync on SQLite) has returned. One fsync
then serves many requests, which is what lets intake go past the ~4,400 commits/s a
single SQLite file manages when each request commits alone.

A redelivery (same store and dedupe key: the platform's webhook id) is acknowledged and
skipped, and counted in `inbox_redeliveries` (`persistence/redeliveries.py`) for the
webhook audit. When its body differs from the stored one (compared by SHA-256) it is not a
retry but a reused id: the new body is filed as a dead letter (`REUSED_WEBHOOK_ID`) in
the same transaction, so nothing acknowledged is silently dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, Insert, case, select
from sqlalchemy.dialects import postgresql, sqlite

from orderline.persistence.dead_letter_expiry import DeadLetterExpiry, purge_dead_letters
from orderline.persistence.header_redaction import redact_headers
from orderline.persistence.intake_commits import CommitSizing, RowCost, begin_write
from orderline.persistence.redeliveries import record_redeliveries
from orderline.persistence.tables import dead_letters, inbox

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class InboxRecord:
    platform: str
    store_id: str
    topic: str
    dedupe_key: str
    event_id: str | None
    received_at: datetime
    triggered_at: datetime | None
    headers: dict[str, str]
    body: bytes
    verified: bool = True
    body_sha256: str = ""
    """Hex SHA-256 of `body`, computed when not given: how a redelivery is told from a
    reused webhook id without reading the stored body back."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "headers", redact_headers(self.headers, self.verified))
        if not self.body_sha256:
            object.__setattr__(self, "body_sha256", body_digest(self.body))


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


@dataclass(frozen=True, slots=True)
class DeadLetterRecord:
    received_at: datetime
    platform: str
    store_id: str | None
    path: str
    status_code: int
    reason: str
    headers: dict[str, str]
    body: bytes
    inbox_id: int | None = None
    verified: bool = False
    """Whether the delivery's signature or secret checked out (e.g. refused later for its
    body); only says which marker replaces its secret headers, not stored."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "headers", redact_headers(self.headers, self.verified))


Record = InboxRecord | DeadLetterRecord


REUSED_WEBHOOK_ID = "reused_webhook_id"
"""Dead-letter reason (its prefix): a delivery came with a webhook id (dedupe key) the inbox
already holds, but with a different body. The platform retries with the same bytes, so
this is a sender reusing ids, or, for a key derived from the body's content (WooCommerce:
topic, order, modification second), two states too close to tell apart."""


def inbox_insert(dialect_name: str) -> Insert:
    """An INSERT that skips a redelivery (same store and dedupe key) instead of failing."""
    if dialect_name == "postgresql":
        return postgresql.insert(inbox).on_conflict_do_nothing(index_elements=["store_id", "dedupe_key"])
    return sqlite.insert(inbox).on_conflict_do_nothing(index_elements=["store_id", "dedupe_key"])


def write_records(connection: Connection, records: Sequence[Record], *, file_reused_ids: bool = False) -> int:
    """Insert inbox rows (duplicates skipped) and dead letters, in the caller's transaction.

    With `file_reused_ids` (webhook intake), a skipped row whose body differs from the
    stored one is filed as a `REUSED_WEBHOOK_ID` dead letter (returns how many were), and
    every skipped row is counted in `inbox_redeliveries`. An import counts nothing.
    """
    inbox_records = [r for r in records if isinstance(r, InboxRecord)]
    letter_rows = [_row(r) for r in records if isinstance(r, DeadLetterRecord)]
    reused: list[DeadLetterRecord] = []
    if inbox_records:
        inserted, inserted_ids = _insert_inbox(connection, [_row(r) for r in inbox_records])
        # Only a batch that skipped a row pays for the look-ups: on the hot path none does.
        if file_reused_ids and inserted != len(inbox_records):
            reused = reused_id_letters(connection, inbox_records)
            delivered = [(r.store_id, r.dedupe_key, r.received_at) for r in inbox_records]
            record_redeliveries(connection, delivered, inserted, inserted_ids)
    letter_rows += [_row(r) for r in reused]
    if letter_rows:
        connection.execute(dead_letters.insert(), letter_rows)
    return len(reused)


def _insert_inbox(connection: Connection, rows: list[dict[str, object]]) -> tuple[int, list[int] | None]:
    """Insert, skipping stored (store, dedupe key) pairs; returns how many rows went in,
    and their ids where the database returns them without extra cost (PostgreSQL)."""
    dialect = connection.dialect.name
    if dialect == "postgresql":
        # psycopg's batched executemany reports no row count (-1); RETURNING says it.
        ids = [int(row[0]) for row in connection.execute(inbox_insert(dialect).returning(inbox.c.id), rows)]
        return len(ids), ids
    return int(connection.execute(inbox_insert(dialect), rows).rowcount), None


def reused_id_letters(connection: Connection, records: Sequence[InboxRecord]) -> list[DeadLetterRecord]:
    """A dead letter for each record whose (store, dedupe key) is stored with another body.

    Run after the insert, so a record that went in compares equal to itself, and of two
    records in one batch with the same key the second is compared with the first.
    """
    stored = _stored_digests(connection, records)
    letters = []
    for record in records:
        found = stored.get((record.store_id, record.dedupe_key))
        if found is not None and found[1] != record.body_sha256:
            letters.append(reused_id_letter(record, *found))
    return letters


def _stored_digests(
    connection: Connection, records: Sequence[InboxRecord]
) -> dict[tuple[str, str], tuple[int, str]]:
    """(store, dedupe key) -> (inbox id, body digest) of the stored rows with these keys."""
    # Rows stored before migration 0005 have no digest: their body is read instead.
    legacy_body = case((inbox.c.body_sha256.is_(None), inbox.c.body))
    query = select(inbox.c.id, inbox.c.store_id, inbox.c.dedupe_key, inbox.c.body_sha256, legacy_body).where(
        inbox.c.store_id.in_(sorted({r.store_id for r in records})),
        inbox.c.dedupe_key.in_(sorted({r.dedupe_key for r in records})),
    )
    return {
        (row[1], row[2]): (int(row[0]), row[3] or body_digest(row[4] or b""))
        for row in connection.execute(query)
    }


def reused_id_letter(record: InboxRecord, original_id: int, original_digest: str) -> DeadLetterRecord:
    """The new body of a reused id, as an operator finds it in the dead-letter list.

    Its `inbox_id` stays empty: retry and replay clear the dead letters that carry one
    (processing failures, filed again if they fail again); this one must stay. The
    original's id is in the path and the reason instead.
    """
    reason = (
        f"{REUSED_WEBHOOK_ID}: inbox {original_id} holds {record.topic} {record.dedupe_key!r} "
        f"with another body (sha256 {original_digest[:12]}, this one {record.body_sha256[:12]}); "
        "this body was acknowledged, not processed"
    )
    return DeadLetterRecord(
        received_at=record.received_at,
        platform=record.platform,
        store_id=record.store_id,
        path=f"inbox/{original_id}",
        status_code=200,
        reason=reason,
        headers=record.headers,
        body=record.body,
        verified=record.verified,
    )


_NOT_COLUMNS = {DeadLetterRecord: frozenset({"verified"}), InboxRecord: frozenset[str]()}


def _row(record: Record) -> dict[str, object]:
    # Not dataclasses.asdict: it deep-copies headers and bodies, which cost more than
    # the insert itself on the intake path.
    skip = _NOT_COLUMNS[type(record)]
    return {name: getattr(record, name) for name in record.__dataclass_fields__ if name not in skip}


class GroupCommitWriter:
    """Batches concurrent intake writes into one transaction each, on the event loop.

    `write` returns once the record is durably committed, or raises the database error
    (the request is then answered 503 and the platform retries: nothing is acknowledged
    that is not stored). Requests that arrive while a commit runs queue up and go into
    the next transactions together.

    Sized by latency (`CommitSizing`, persistence/intake_commits.py): a commit starts once
    the oldest waiting request has waited `linger_s` (2 ms) or a full batch waits, and a
    batch takes only as many rows as the loop inserts within `insert_budget_s` (4 ms at
    the measured cost per row), or within what the oldest has waited when the queue is
    behind; the rest go into the next commit. Measured here (2 cores shared with other
    work, ~4 KB Shopify bodies, the processing worker alongside, 2026-12-03): inserting
    costs 35-65 µs per row alone and 50-120 µs with the machine busy; a commit (one fsync)
    0.8-6.5 ms at the median, 18-80 ms at p99. Unbounded, a backlog of 1,024 rows froze
    the loop, and every request in flight, for 50-100 ms. SQLite's write lock is taken by
    polling every 0.5 ms (`begin_write`) rather than through SQLite's busy handler, whose
    sleeps grow to 100 ms: a processing transaction holds the lock 23 ms at the median and
    99 ms at p99, and each of those milliseconds is a waiting request's, not a sleeping
    poll's. Intake's p99 is therefore bounded below by the processing worker's longest
    transactions on SQLite (cli/worker.py's batch size), not by the group commit.

    Rows are inserted on the loop and only taking the lock and the commit run in a
    thread. sqlite3 releases and retakes the GIL around every row it steps, and each
    retake can wait up to the interpreter's switch interval (5 ms) while the loop is busy
    parsing requests: a writer thread doing the inserts managed ~15 rows per commit here.
    A commit releases the GIL once, for the fsync, and the loop keeps serving meanwhile.

    `in_transaction`, when given, is called inside every commit's transaction, after the
    rows are written and before the commit, with the transaction's inbox records (new or
    redelivered; never with none): on PostgreSQL it defers their stores' jobs, so nothing
    is acknowledged without its job. If it raises, that commit fails like a database
    error would.

    `reused_webhook_ids` counts the redeliveries filed as `REUSED_WEBHOOK_ID` dead
    letters since start (a metric; the dead letters themselves are the lasting record).
    """

    def __init__(
        self,
        engine: Engine,
        *,
        sizing: CommitSizing | None = None,
        on_commit: Callable[[], None] | None = None,
        dead_letter_expiry: DeadLetterExpiry | None = None,
        in_transaction: Callable[[Connection, Sequence[InboxRecord]], None] | None = None,
    ) -> None:
        self._engine = engine
        self._sizing = sizing or CommitSizing()
        self._row_cost = RowCost()
        self._on_commit = on_commit
        self._in_transaction = in_transaction
        self._expiry = dead_letter_expiry or DeadLetterExpiry()
        self._last_purge: datetime | None = None
        self._pending: list[_Waiting] = []
        self._wakeup: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self.batches_committed = 0
        self.records_committed = 0
        self.reused_webhook_ids = 0

    def start(self) -> None:
        """Start flushing; call from within the running event loop."""
        if self._task is None:
            self._wakeup = asyncio.Event()
            self._task = asyncio.get_running_loop().create_task(self._run(), name="orderline-intake-writer")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        while self._pending:
            batch = self._take_batch()
            self._settle_each(batch, self._commit_each([waiting.record for waiting in batch]))

    async def write(self, record: Record) -> None:
        if self._task is None or self._wakeup is None:
            raise RuntimeError("GroupCommitWriter.write before start()")
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        self._pending.append(_Waiting(record, done, loop.time()))
        # The writer waits for the first record, and while it lingers, for a full batch.
        if len(self._pending) == 1 or len(self._pending) >= self.batch_limit():
            self._wakeup.set()
        await done

    def batch_limit(self, waited_s: float = 0.0) -> int:
        """Rows the next commit takes at most, from the insert cost measured so far."""
        return self._sizing.batch_limit(self._row_cost.seconds, waited_s)

    async def _run(self) -> None:
        assert self._wakeup is not None
        loop = asyncio.get_running_loop()
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            while self._pending:
                waited_s = loop.time() - self._pending[0].since
                if waited_s < self._sizing.linger_s and len(self._pending) < self.batch_limit():
                    await self._linger(self._sizing.linger_s - waited_s)
                    continue
                await self._flush(self._take_batch(waited_s))

    async def _linger(self, wait_s: float) -> None:
        """Let company arrive for `wait_s`, or until a full batch waits."""
        assert self._wakeup is not None
        self._wakeup.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wakeup.wait(), wait_s)

    def _take_batch(self, waited_s: float = 0.0) -> list[_Waiting]:
        limit = self.batch_limit(waited_s)
        batch = self._pending[:limit]
        del self._pending[:limit]
        return batch

    async def _flush(self, batch: list[_Waiting]) -> None:
        records = [waiting.record for waiting in batch]
        try:
            reused = await self._insert_then_commit(records)
        except Exception:
            log.exception("group commit of %d records failed; retrying them one by one", len(batch))
            self._settle_each(batch, await asyncio.to_thread(self._commit_each, records))
        else:
            self._count_reused(reused)
            self._settle(batch, None)
        if self._on_commit is not None:
            self._on_commit()

    async def _insert_then_commit(self, records: list[Record]) -> int:
        """Take the write lock and commit in a thread, insert on the loop (no GIL
        hand-offs per row); the loop keeps serving requests during the waits. Returns
        how many reused webhook ids were filed."""
        connection = await asyncio.to_thread(self._begin)
        try:
            started = time.perf_counter()
            reused = write_records(connection, records, file_reused_ids=True)
            self._row_cost.observe(time.perf_counter() - started, len(records))
            self._call_in_transaction(connection, records)
            self._housekeeping(connection, records)
            await asyncio.to_thread(connection.commit)
        finally:
            connection.close()
        return reused

    def _call_in_transaction(self, connection: Connection, records: Sequence[Record]) -> None:
        if self._in_transaction is not None:
            inbox_records = [r for r in records if isinstance(r, InboxRecord)]
            if inbox_records:
                self._in_transaction(connection, inbox_records)

    def _count_reused(self, reused: int) -> None:
        if reused:
            self.reused_webhook_ids += reused
            log.warning("%d deliveries reused a stored webhook id with another body: dead-lettered", reused)

    def _housekeeping(self, connection: Connection, records: list[Record]) -> None:
        """Expire old dead letters and keep their count capped, in a batch that files one,
        at most once per interval of received time (the clock of the requests)."""
        filed = [r.received_at for r in records if isinstance(r, DeadLetterRecord)]
        if not filed:
            return
        now = max(filed)
        if self._last_purge is not None and now - self._last_purge < self._expiry.interval:
            return
        self._last_purge = now
        purged = purge_dead_letters(connection, now, self._expiry)
        if purged:
            log.info(
                "purged %d dead letters (older than %s or beyond %d)",
                purged,
                self._expiry.max_age,
                self._expiry.max_count,
            )

    def _begin(self) -> Connection:
        """A connection in a transaction that already holds SQLite's write lock.

        Waiting for the lock (a processing worker may hold it) happens here, in a
        thread, so the loop never blocks on it.
        """
        connection = self._engine.connect()
        try:
            begin_write(connection)
        except BaseException:
            connection.close()
            raise
        return connection

    def _commit_each(self, records: Sequence[Record]) -> list[BaseException | int]:
        """Commit each record in a transaction of its own (after a failed group commit, and
        at shutdown); blocking. Each one's error, or how many reused ids it filed."""
        outcomes: list[BaseException | int] = []
        for record in records:
            try:
                with self._engine.begin() as connection:
                    reused = write_records(connection, [record], file_reused_ids=True)
                    self._call_in_transaction(connection, [record])
            except Exception as error:
                outcomes.append(error)
            else:
                outcomes.append(reused)
        return outcomes

    def _settle_each(self, batch: list[_Waiting], outcomes: list[BaseException | int]) -> None:
        for waiting, outcome in zip(batch, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                self._settle([waiting], outcome)
            else:
                self._count_reused(outcome)
                self._settle([waiting], None)

    def _settle(self, batch: list[_Waiting], error: BaseException | None) -> None:
        if error is None:
            self.batches_committed += 1
            self.records_committed += len(batch)
        for waiting in batch:
            if waiting.done.done():
                continue  # the request was cancelled (client went away); the record is stored anyway
            if error is None:
                waiting.done.set_result(None)
            else:
                waiting.done.set_exception(error)


@dataclass(frozen=True, slots=True)
class _Waiting:
    record: Record
    done: asyncio.Future[None]
    since: float
    """When it began waiting, by the event loop's clock."""
