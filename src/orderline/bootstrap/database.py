"""The database a configuration names: opened (SQLite migrates itself, PostgreSQL must be
upgraded first) or upgraded."""

from __future__ import annotations

from sqlalchemy import Engine

from orderline.config import OrderlineConfig
from orderline.persistence.database import current_revision, head_revision, is_sqlite, make_engine, migrate
from orderline.persistence.job_queue import JobQueueSchemaError, install_job_queue


class SchemaNotReady(RuntimeError):
    pass


def open_engine(config: OrderlineConfig) -> Engine:
    """SQLite migrates itself; PostgreSQL must be upgraded explicitly (`orderline db upgrade`)."""
    engine = make_engine(config.database_url)
    if is_sqlite(config.database_url):
        migrate(engine)
    elif (current := current_revision(engine)) != (head := head_revision()):
        raise SchemaNotReady(
            f"the database schema is at revision {current!r}, this Orderline needs {head!r}: "
            "run `orderline db upgrade` first"
        )
    else:
        try:
            install_job_queue(engine)  # a database upgraded before the job queue existed
        except JobQueueSchemaError as error:
            raise SchemaNotReady(str(error)) from error
    return engine


def upgrade_database(config: OrderlineConfig) -> None:
    """Migrate the configured database's schema to the latest revision."""
    engine = make_engine(config.database_url)
    try:
        migrate(engine)
        try:
            install_job_queue(engine, upgrade=True)  # PostgreSQL: procrastinate's own schema
        except JobQueueSchemaError as error:
            raise SchemaNotReady(str(error)) from error
    finally:
        engine.dispose()
