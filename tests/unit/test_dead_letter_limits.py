"""The bounds on dead letters of unauthenticated requests: a prefix kept, a rate per
source, and expiry by age and count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from orderline.persistence.database import make_engine, migrate
from orderline.persistence.dead_letter_expiry import DeadLetterExpiry, purge_dead_letters
from orderline.persistence.inbox import DeadLetterRecord, write_records
from orderline.persistence.tables import dead_letters
from orderline.services.intake import DeadLetterLimits, SourceRateLimit, bounded_dead_letter

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _letter(
    body: bytes = b"{}", headers: dict[str, str] | None = None, at: datetime = NOW
) -> DeadLetterRecord:
    return DeadLetterRecord(at, "x" * 40, "s" * 80, "/webhooks/" + "p" * 400, 404, "why", headers or {}, body)


def test_a_small_letter_is_kept_as_it_is_apart_from_column_widths() -> None:
    letter = bounded_dead_letter(_letter(headers={"a": "b"}), DeadLetterLimits())

    assert (letter.reason, letter.body, letter.headers) == ("why", b"{}", {"a": "b"})
    assert (len(letter.platform), len(letter.store_id or ""), len(letter.path)) == (32, 64, 300)


def test_a_large_letter_keeps_a_prefix_and_says_the_original_sizes() -> None:
    headers = {f"h{i}": "v" * 3000 for i in range(10)}

    letter = bounded_dead_letter(_letter(b"b" * 100_000, headers), DeadLetterLimits())

    assert letter.body == b"b" * 4096
    assert sum(len(k) + len(v) for k, v in letter.headers.items()) <= 4096
    assert all(len(v) <= 1024 for v in letter.headers.values())
    assert letter.reason.startswith("why (body 100000 bytes, first 4096 kept; headers 30020 bytes in 10")


def test_the_rate_limit_is_a_token_bucket_per_source() -> None:
    now = [0.0]
    limit = SourceRateLimit(burst=3, per_second=1, max_sources=2, clock=lambda: now[0])

    assert [limit.allow("a") for _ in range(4)] == [True, True, True, False]
    assert limit.allow("b") and limit.allow(None)
    now[0] = 1.0
    assert limit.allow("a") and not limit.allow("a")
    assert limit.dropped == 2
    limit.allow("c")  # "b" is forgotten, "a" was seen after it
    assert set(limit._buckets) == {"a", "c"}


def test_purge_removes_expired_letters_and_those_beyond_the_count(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'o.db'}")
    migrate(engine)
    with engine.begin() as connection:
        write_records(connection, [_letter(at=NOW - timedelta(days=40)) for _ in range(3)])
        write_records(connection, [_letter(at=NOW - timedelta(days=1)) for _ in range(10)])

        purged = purge_dead_letters(
            connection, NOW, DeadLetterExpiry(timedelta(days=30), max_count=8, batch=100)
        )

        assert purged == 5
        assert connection.execute(select(func.count()).select_from(dead_letters)).scalar() == 8
