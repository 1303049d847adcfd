"""Engines for the two supported databases, and schema migration.

SQLite is the embedded default: one file in WAL mode with `synchronous=FULL`, so a
committed transaction has been fsynced and survives a crash or power loss. PostgreSQL
is the scale-out store; its default commit is durable already.

The SQLite file holds every raw webhook body (names, addresses): it is created readable
by its owner only (0600), and so are its `-wal` and `-shm` files, which SQLite creates
with the database file's mode. A file left 0644 by an older version is narrowed to 0600
on every connection. Statement parameters (postal codes, regions...) are kept out of
error messages and logs (`hide_parameters`).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

import orjson
from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def normalise_url(url: str) -> str:
    """Plain `postgresql://` URLs use psycopg 3, the driver we ship."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


PRIVATE_FILE_MODE = 0o600
SQLITE_COMPANIONS = ("", "-wal", "-shm", "-journal")
"""The database file and the files SQLite keeps beside it."""


def make_engine(url: str, **kwargs: Any) -> Engine:
    # orjson for JSON columns: the stdlib encoder was the largest single cost of processing.
    kwargs.setdefault("json_serializer", _json_text)
    kwargs.setdefault("json_deserializer", orjson.loads)
    # Parameters are personal data (addresses, names): never in exception texts or logs.
    kwargs.setdefault("hide_parameters", True)
    url = normalise_url(url)
    if not is_sqlite(url):
        return create_engine(url, pool_pre_ping=True, **kwargs)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)
    path = sqlite_file(url)
    if path is not None:
        _create_private(path)
    event.listen(engine, "connect", _sqlite_connect_hook(path))
    return engine


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL; None for an in-memory database."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def _create_private(path: Path) -> None:
    """Create the database file 0600 before SQLite does (it would use the umask, often
    0644); its `-wal` and `-shm` files then take the same mode."""
    with contextlib.suppress(FileExistsError, FileNotFoundError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE))


def make_private(path: Path) -> None:
    """Narrow the database file and its companions to 0600 (those that exist)."""
    for suffix in SQLITE_COMPANIONS:
        companion = path.with_name(path.name + suffix)
        with contextlib.suppress(FileNotFoundError):
            if companion.stat().st_mode & 0o777 != PRIVATE_FILE_MODE:
                companion.chmod(PRIVATE_FILE_MODE)


def _sqlite_connect_hook(path: Path | None) -> Any:
    def on_connect(dbapi_connection: Any, record: Any) -> None:
        _tune_sqlite_connection(dbapi_connection, record)
        if path is not None:
            make_private(path)

    return on_connect


def _tune_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # FULL: fsync the WAL on every commit; NORMAL would lose the last commits on power loss.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` (Alembic), on either database."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def head_revision() -> str | None:
    """The newest migration shipped with this version of Orderline."""
    from alembic.script import ScriptDirectory

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config).get_current_head()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
