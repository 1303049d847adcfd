"""The SQLite database holds every raw body: its file, `-wal` and `-shm` are readable by
their owner only, whatever the umask, and a file left world-readable is narrowed. The
engine keeps statement parameters (personal data) out of error texts."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, column, insert, table, text
from sqlalchemy.exc import IntegrityError

from orderline.persistence.database import make_engine, migrate

COMPANIONS = ("", "-wal", "-shm")


@pytest.fixture
def open_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def _modes(path: Path) -> dict[str, int]:
    return {suffix: stat.S_IMODE(path.with_name(path.name + suffix).stat().st_mode) for suffix in COMPANIONS}


def _use(engine: Engine) -> None:
    migrate(engine)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE IF NOT EXISTS probe (x INTEGER)"))
        connection.execute(text("INSERT INTO probe VALUES (1)"))


@pytest.mark.usefixtures("open_umask")
def test_a_new_database_and_its_wal_and_shm_files_are_0600(tmp_path: Path) -> None:
    path = tmp_path / "orderline.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        _use(engine)
        with engine.connect() as reader:  # WAL and SHM exist while a connection is open
            reader.execute(text("SELECT count(*) FROM probe")).scalar_one()
            assert _modes(path) == {"": 0o600, "-wal": 0o600, "-shm": 0o600}
    finally:
        engine.dispose()


@pytest.mark.usefixtures("open_umask")
def test_world_readable_files_of_an_older_version_are_narrowed_on_connect(tmp_path: Path) -> None:
    path = tmp_path / "orderline.db"
    older = sqlite3.connect(path)  # as an older Orderline left them: 0644 under this umask
    older.execute("PRAGMA journal_mode=WAL")
    older.execute("CREATE TABLE probe (x INTEGER)")
    older.commit()
    assert _modes(path) == {"": 0o644, "-wal": 0o644, "-shm": 0o644}

    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT count(*) FROM probe")).scalar_one()
            assert _modes(path) == {"": 0o600, "-wal": 0o600, "-shm": 0o600}
    finally:
        engine.dispose()
        older.close()


def test_statement_parameters_stay_out_of_error_texts(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'orderline.db'}")
    probe = table("probe", column("x"))
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE probe (x TEXT UNIQUE)"))
            connection.execute(insert(probe).values(x="SW1A 1AA"))
        with pytest.raises(IntegrityError) as raised, engine.begin() as connection:
            connection.execute(insert(probe).values(x="SW1A 1AA"))
    finally:
        engine.dispose()
    assert "SW1A 1AA" not in str(raised.value)
    assert "hidden due to hide_parameters" in str(raised.value)
