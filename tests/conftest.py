"""Shared fixtures: real databases (a SQLite file and a PostgreSQL schema per test)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from orderline.persistence.database import make_engine, migrate

POSTGRES_URL = os.environ.get("ORDERLINE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


def _postgres_admin() -> Engine | None:
    engine = create_engine(POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL at {POSTGRES_URL} is unreachable and CI=true: {error}")
        return None
    return engine


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[Engine | None]:
    engine = _postgres_admin()
    yield engine
    if engine is not None:
        engine.dispose()


def _postgres_schema_url(admin: Engine) -> tuple[str, str]:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    return schema, f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_admin: Engine | None
) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'orderline.db'}"
        return
    if postgres_admin is None:
        pytest.skip("PostgreSQL is not reachable (set CI=true to make this a failure)")
    schema, url = _postgres_schema_url(postgres_admin)
    yield url
    with postgres_admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A migrated engine on each database."""
    engine = make_engine(database_url)
    migrate(engine)
    yield engine
    engine.dispose()
